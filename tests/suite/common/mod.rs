//! What several test modules share. Some parts serve only modules behind a feature or a system
//! (the calendar, the kernel keyring), hence the `allow`.
#![allow(dead_code)]

#[cfg(unix)]
pub mod dovecot;
#[cfg(target_os = "linux")]
pub mod keyring;
pub mod needs;
pub mod office;
pub mod smtp;
pub mod snapshot;
pub mod tls;
