//! What the tests need beyond Rust, checked before a test uses it, so that a machine without it
//! fails with what to run rather than with a browser's or a server's own error; and how a test
//! shows a command's output when it did not do what was expected.

use std::path::Path;
use std::process::{Command, Output};

/// The repository, where the browser scripts and their packages are.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What to run when something the tests need is missing.
pub const INSTALL_HINT: &str = "run scripts/install-test-deps.sh (from the repository's root)";

/// Node, Debian's Chromium and playwright-core (tests/browser/), for the tests in a real browser.
pub fn browser() {
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("`node --version` failed ({}): {INSTALL_HINT}", out.status),
        Err(e) => panic!("Node.js is missing (`node`: {e}): {INSTALL_HINT}"),
    }
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "Debian's Chromium (/usr/bin/chromium) is missing: {INSTALL_HINT}"
    );
    assert!(
        Path::new(ROOT)
            .join("tests/browser/node_modules/playwright-core")
            .is_dir(),
        "tests/browser/node_modules/playwright-core is missing: {INSTALL_HINT}"
    );
}

/// A command's exit status and both its outputs, for an assertion's message.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
