//! What several test files share. Each test file compiles this module on its own and uses only
//! part of it, hence the `allow`.
#![allow(dead_code)]

#[cfg(target_os = "linux")]
pub mod keyring;
pub mod smtp;
pub mod tls;
