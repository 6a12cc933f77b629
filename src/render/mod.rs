//! The views of a bulletin: each is a pure function of the validated model and the publisher.
//!
//! - [`html`]: the HTML email (also the body of the archive's web page);
//! - [`text`]: the plain-text email;
//! - [`message`]: the MIME message built from both, once per bulletin, then per recipient.

pub mod html;
pub mod message;
pub mod text;
