//! Web and email addresses written in the office's files: what makes one usable in an email.

/// Why a URL cannot be used in the bulletin, with what to do about it; `None` if it is fine.
/// Links must be absolute `https:` addresses (or `mailto:` where `allow_mailto`).
pub(crate) fn url_problem(url: &str, allow_mailto: bool) -> Option<(String, String)> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Some((
            "the link has no address".into(),
            "write the full address, starting https://".into(),
        ));
    }
    if let Some(addr) = trimmed.strip_prefix("mailto:") {
        if !allow_mailto {
            return Some((
                format!("`{trimmed}` is an email address, but a web address is needed here"),
                "use an address starting https://".into(),
            ));
        }
        let addr = addr.split('?').next().unwrap_or("");
        return (!crate::address::looks_like_email(addr)).then(|| {
            (
                format!("`{trimmed}` does not hold a valid email address"),
                "write it as mailto:name@example.org".into(),
            )
        });
    }
    if trimmed.starts_with("http://") {
        return Some((
            format!("`{trimmed}` is not secure (http:)"),
            "use the https:// address of the page; mail clients warn about http: links".into(),
        ));
    }
    if !trimmed.starts_with("https://") {
        return Some((
            format!("`{trimmed}` is not a full web address"),
            "links must start with https:// (copy the address from the browser's address bar)"
                .into(),
        ));
    }
    match url::Url::parse(trimmed) {
        Ok(u)
            if u.host_str().is_some_and(|h| h.contains('.'))
                && !trimmed.contains(char::is_whitespace) =>
        {
            None
        }
        Ok(_) => Some((
            format!("`{trimmed}` has no valid site name"),
            "check the address: it should look like https://www.example.org/page".into(),
        )),
        Err(e) => Some((
            format!("`{trimmed}` is not a valid web address ({e})"),
            "check the address for spaces or typing mistakes".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(url_problem("https://www.england.nhs.uk/a.pdf", false).is_none());
        assert!(url_problem("www.england.nhs.uk", false).is_some());
        assert!(url_problem("https://exa mple.org", false).is_some());
        assert!(url_problem("mailto:a@example.org", false).is_some());
    }
}
