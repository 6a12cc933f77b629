//! Every integration test of the real binary, in one test binary (as mdBook's `tests/testsuite`
//! is): one link of the library and its dependencies instead of one per file. Each module is
//! one area; run one with `cargo test --features test-hooks --test suite -- send::`.
//!
//! What a module needs beyond Rust is installed by `bash scripts/install-test-deps.sh`.

mod common;

#[cfg(feature = "test-hooks")]
mod approve;
mod archive;
mod audience;
#[cfg(feature = "test-hooks")]
mod calendar;
mod check;
mod cli;
mod completions;
mod desk;
mod email;
mod email_browser;
mod hostile;
mod import;
mod inbox;
mod init;
// The kernel keyring (keyutils) keeps the sign-in: Linux only.
mod logo;
#[cfg(target_os = "linux")]
mod oauth;
mod paste;
mod people;
#[cfg(unix)]
mod pipe;
mod preview;
mod project;
mod render;
mod report;
mod schema;
mod send;
mod test_send;
