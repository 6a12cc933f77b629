//! The Linux kernel keyring as the login tests meet it: a fresh session keyring for the calling
//! test's thread, and what `keyctl` finds there.

use std::process::Command;

/// Gives the calling test's thread a fresh session keyring, inherited by every command it starts,
/// as the commands typed in one terminal window share one: what `bulletin login` keeps in the
/// kernel keyring is found by this test's `send`/`inbox` and by `keyctl`. (`keyring` also links
/// each entry into the user's persistent keyring, which all sessions reach: each test's entry is
/// named after its own server's port, and the test removes it.)
pub fn own_session_keyring() {
    // KEYCTL_JOIN_SESSION_KEYRING (1) with no name: a new anonymous keyring, for this thread.
    // SAFETY: the name is null; no memory of this process is touched.
    let id = unsafe { libc::syscall(libc::SYS_keyctl, 1 as libc::c_long, 0 as libc::c_long) };
    assert!(
        id > 0,
        "cannot join a session keyring: {}",
        std::io::Error::last_os_error()
    );
}

/// What `keyctl` reads in the session keyring under `description`, if anything is there.
pub fn keyctl_read(description: &str) -> Option<String> {
    let found = Command::new("keyctl")
        .args(["search", "@s", "user", description])
        .output()
        .expect("keyctl (run scripts/install-test-deps.sh)");
    if !found.status.success() {
        return None;
    }
    let id = String::from_utf8(found.stdout).unwrap();
    let value = Command::new("keyctl")
        .args(["pipe", id.trim()])
        .output()
        .unwrap();
    assert!(
        value.status.success(),
        "{}",
        String::from_utf8_lossy(&value.stderr)
    );
    Some(String::from_utf8(value.stdout).unwrap())
}
