//! What shows that a message came back from something the office really sent, so that
//! `bulletin inbox` suppresses nobody on the word of a stranger:
//!
//! - [`Sent`]: every Message-ID the office's journals say went to each address. Message-IDs are
//!   keyed with the office's secret ([`crate::identity::Key`]), so a bounce or complaint that
//!   quotes the one sent to an address saw the real message; nobody can work it out from the
//!   issue's date and the address.
//! - [`dmarc_pass`]: the office's own mail server's `Authentication-Results` (the topmost one,
//!   from the server named `authserv_id:` under `mailbox:`) saying the sender's domain passed
//!   DMARC, or SPF or DKIM for that same domain.

use std::collections::HashMap;
use std::path::Path;

use crate::identity::Key;
use crate::render::message::message_id_local;

/// Which of our Message-IDs went to whom, from the journals in the bulletins folder.
#[derive(Default)]
pub struct Sent {
    /// The part before `@`, in lower case → (address, issue sent as).
    ids: HashMap<String, (String, String)>,
}

impl Sent {
    /// Reads the key and every `*.journal` in `folder`. Without a key nothing was sent with
    /// keyed Message-IDs, and nothing counts as evidence. A journal that cannot be read is
    /// passed over with a warning in `warnings`.
    pub fn load(folder: &Path, warnings: &mut Vec<String>) -> Sent {
        let mut sent = Sent::default();
        let key = match Key::load(folder) {
            Ok(Some(k)) => k,
            Ok(None) => return sent,
            Err(e) => {
                warnings.push(match e.help() {
                    Some(help) => format!("{e}: {help}"),
                    None => e.to_string(),
                });
                return sent;
            }
        };
        let Ok(entries) = std::fs::read_dir(folder) else {
            return sent;
        };
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "journal"))
            .collect();
        paths.sort();
        for path in paths {
            let journal = match crate::send::journal::read(&path) {
                Ok(j) => j,
                Err(e) => {
                    warnings.push(format!(
                        "cannot read the journal {}: {e}; replies to what it sent are listed for you to confirm",
                        path.display()
                    ));
                    continue;
                }
            };
            for version in &journal.versions {
                let prefix = format!("bulletin.{}", version.name);
                for address in journal.history.last.keys() {
                    let local = message_id_local(&prefix, address, Some(&key));
                    sent.ids
                        .insert(local, (address.clone(), version.name.clone()));
                }
            }
        }
        sent
    }

    /// The issue, if `message_id` is one we sent to `address` (lower case).
    pub fn sent_to(&self, message_id: &str, address: &str) -> Option<&str> {
        let id = message_id.trim().trim_start_matches('<');
        let local = id.split('@').next()?.to_ascii_lowercase();
        self.ids
            .get(&local)
            .filter(|(a, _)| a == address)
            .map(|(_, issue)| issue.as_str())
    }
}

/// Whether `results` (an `Authentication-Results` field, RFC 8601) was written by `authserv_id`
/// and says `from`'s domain passed DMARC, or SPF or DKIM for a domain aligned with it.
pub fn dmarc_pass(results: &str, authserv_id: &str, from: &str) -> bool {
    let Some((_, from_domain)) = from.rsplit_once('@') else {
        return false;
    };
    let from_domain = from_domain.to_ascii_lowercase();
    let text = strip_comments(results);
    let mut parts = text.split(';');
    let server = parts
        .next()
        .and_then(|p| p.split_whitespace().next())
        .unwrap_or("");
    if !server.eq_ignore_ascii_case(authserv_id) {
        return false;
    }
    let aligned = |d: &str| {
        let d = d.rsplit('@').next().unwrap_or(d).to_ascii_lowercase();
        d == from_domain
            || d.ends_with(&format!(".{from_domain}"))
            || from_domain.ends_with(&format!(".{d}"))
    };
    parts.any(|p| {
        let mut words = p.split_whitespace();
        let Some((method, result)) = words.next().and_then(|w| w.split_once('=')) else {
            return false;
        };
        if !result.eq_ignore_ascii_case("pass") {
            return false;
        }
        let props: Vec<(String, &str)> = words
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        let prop = |name: &str| props.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        match method.to_ascii_lowercase().as_str() {
            "dmarc" => prop("header.from").is_some_and(|d| d.eq_ignore_ascii_case(&from_domain)),
            "spf" => prop("smtp.mailfrom").is_some_and(aligned),
            "dkim" => prop("header.d").or(prop("header.i")).is_some_and(aligned),
            _ => false,
        }
    })
}

/// The text without `( ... )` comments (RFC 5322 CFWS), nested or not.
fn strip_comments(text: &str) -> String {
    let mut depth = 0u32;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_offices_server_and_an_aligned_pass_count() {
        let ours = "mx.example.org; dkim=pass header.d=example.org; spf=pass smtp.mailfrom=a@example.org; dmarc=pass (p=none dis=none) header.from=example.org";
        assert!(dmarc_pass(ours, "mx.example.org", "a@example.org"));
        assert!(dmarc_pass(ours, "MX.example.org", "a@Example.org"));
        // Another server's word, or a pass for another domain, is not evidence.
        assert!(!dmarc_pass(ours, "mx.other.example", "a@example.org"));
        assert!(!dmarc_pass(ours, "mx.example.org", "a@example.net"));
        let fail = "mx.example.org; dkim=none; spf=softfail smtp.mailfrom=example.net; dmarc=fail header.from=example.org";
        assert!(!dmarc_pass(fail, "mx.example.org", "a@example.org"));
        let spf = "mx.example.org 1; spf=pass (sender ok) smtp.mailfrom=bounce.example.org";
        assert!(dmarc_pass(spf, "mx.example.org", "a@example.org"));
        let other_spf = "mx.example.org; spf=pass smtp.mailfrom=attacker.example";
        assert!(!dmarc_pass(other_spf, "mx.example.org", "a@example.org"));
    }
}
