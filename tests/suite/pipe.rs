//! A command read by `head` or a pager that stops early ends quietly: no panic, no exit 101.

use std::process::{Command, Stdio};

#[test]
fn a_command_whose_reader_has_gone_ends_quietly() {
    for args in [
        &["schema", "bulletin"][..],
        &["completions", "bash"],
        &["check", "bulletins/2021-10-20.yaml", "--format", "json"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes before anything is read: every write meets a closed pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}
