//! The bottom layer of `bulletin`: a bulletin as plain data, and what every layer above shares.
//!
//! - [`model`]: the validated bulletin and publisher, built by the input layer and read by every
//!   view; [`markdown`]: the tree of the text inside them;
//! - [`date`], [`address`], [`colour`]: the values they hold;
//! - [`diagnostic`]: a problem found in a file, with its position, help and notes;
//! - [`identity`]: which issue a bulletin is (its name, its fingerprint, the Message-ID key);
//! - [`files`]: writing a file so that no reader ever sees half of it.
//!
//! Nothing here depends on another crate of the workspace.

pub mod address;
pub mod colour;
pub mod date;
pub mod diagnostic;
pub mod files;
pub mod identity;
pub mod markdown;
pub mod model;
