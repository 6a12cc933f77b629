//! Email addresses and mailboxes (`Jane Example <jane@example.org>`) as users write them.

use std::str::FromStr;

use lettre::message::Mailbox;

/// Whether `text` is a plain address a relay will accept: `local@domain.tld`.
pub fn looks_like_email(text: &str) -> bool {
    let text = text.trim();
    lettre::Address::from_str(text)
        .is_ok_and(|a| a.domain().contains('.') && !a.domain().ends_with('.'))
        && !text.contains(char::is_whitespace)
}

/// Why a text is not a mailbox; the message says what to write instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an address must be on one line")]
    Lines,
    #[error(
        "`{0}` is not a valid email address; write it as `Name <name@example.org>` or `name@example.org`"
    )]
    Invalid(String),
    #[error("`{0}` is not a complete email address (it needs a domain such as example.org)")]
    NoDomain(String),
}

/// Parses `Name <address>` or a bare address; the error says what to write instead.
pub fn parse_mailbox(text: &str) -> Result<Mailbox, AddressError> {
    if text.contains(['\r', '\n']) {
        return Err(AddressError::Lines);
    }
    let mailbox =
        Mailbox::from_str(text.trim()).map_err(|_| AddressError::Invalid(text.to_string()))?;
    if !looks_like_email(mailbox.email.as_ref()) {
        return Err(AddressError::NoDomain(mailbox.email.to_string()));
    }
    Ok(mailbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes() {
        let m = parse_mailbox("Essex LMCs <bulletin@example.org>").unwrap();
        assert_eq!(m.name.as_deref(), Some("Essex LMCs"));
        assert_eq!(m.email.to_string(), "bulletin@example.org");
        assert!(parse_mailbox("jane@example").is_err());
        assert!(parse_mailbox("not an address").is_err());
        assert!(parse_mailbox("a@example.org\r\nBcc: x@example.org").is_err());
    }
}
