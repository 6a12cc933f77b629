//! `bulletin inbox`: reads what comes back after a send (bounces, complaints, unsubscribe
//! requests) and keeps the suppressions file ([`crate::suppress`]) up to date. The messages come
//! from the office's reply mailbox over IMAP ([`imap`]) or from a folder of saved `.eml` files;
//! [`classify`] says what each one is, and [`Inbox::take`] decides what follows from it:
//!
//! - a hard bounce (5.x.x), an unsubscribe request or a complaint suppresses the address, but
//!   only if it is a member of a list (anything else is reported, not applied), and only with
//!   evidence ([`evidence`]): a bounce or complaint must quote a Message-ID the office sent to
//!   that address, a request must reply to one sent to its sender or be vouched for by the
//!   office's own mail server; anything else waits in `to_confirm:` for a person;
//! - a soft bounce (4.x.x) is remembered, and suppresses after `soft_bounces` of them within
//!   `soft_bounce_days` (3 in 30 by default, `mailbox:` in recipients.yaml);
//! - auto-replies and everything else are left alone and counted.

pub mod classify;
pub mod evidence;
pub mod imap;

use std::collections::HashSet;

use crate::date::Date;
use crate::diagnostic::escape_controls;
use crate::input::recipients::{Recipients, ReplyMailbox};
use crate::suppress::{Entry, Evidence, SoftBounce, Suppressions};
use classify::Verdict;

/// Messages larger than this are not read: no bounce, complaint or unsubscribe request is this
/// big, and reading one would only fill memory. They are left alone and reported.
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// What `inbox` found, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub hard_bounces: usize,
    pub soft_bounces: usize,
    pub unsubscribes: usize,
    pub complaints: usize,
    pub auto_replies: usize,
    /// Messages from people, listed for someone to read.
    pub replies: usize,
    pub other: usize,
    /// Reports that could not be read, messages too large, and requests from non-members.
    pub not_applied: usize,
    /// Already counted by an earlier run.
    pub already: usize,
    /// Addresses newly suppressed.
    pub suppressed: usize,
    /// Suppressions kept for a person to confirm.
    pub to_confirm: usize,
}

/// Why a suppression was not applied.
#[derive(Clone, Copy)]
enum Unproven {
    /// A bounce or complaint that quotes no Message-ID the office sent to the address.
    Quote,
    /// An unsubscribe request that replies to nothing sent to its sender and has no DMARC pass
    /// from the office's own mail server.
    Sender,
}

impl Unproven {
    fn reason(self) -> &'static str {
        match self {
            Unproven::Quote => {
                "it quotes no message the office sent to that address (anyone can write such a report)"
            }
            Unproven::Sender => {
                "it does not reply to a bulletin sent to them, and the office's mail server (`authserv_id:` under `mailbox:`) does not vouch for its sender (anyone can write such a request)"
            }
        }
    }
}

/// The state of one run: the suppressions file as it will be written, and what to report.
pub struct Inbox<'a> {
    pub store: Suppressions,
    members: HashSet<String>,
    unsubscribe: Option<classify::Mailto>,
    settings: &'a ReplyMailbox,
    sent: evidence::Sent,
    /// Every message read before ([`Suppressions::seen`]), and in this run: looked up once a
    /// message, so kept as a set.
    seen: HashSet<String>,
    today: Date,
    pub counts: Counts,
    /// One line per message that changed something or was not applied, for the user.
    pub lines: Vec<String>,
}

impl<'a> Inbox<'a> {
    /// `unsubscribe` is the publisher's `mailto:` unsubscribe link.
    pub fn new(
        store: Suppressions,
        recipients: &'a Recipients,
        unsubscribe: Option<classify::Mailto>,
        sent: evidence::Sent,
        today: Date,
    ) -> Inbox<'a> {
        let members = recipients
            .lists
            .values()
            .flat_map(|l| l.members.iter().map(|m| m.key.clone()))
            .collect();
        let seen = store
            .read
            .iter()
            .chain(store.suppressed.iter().map(|e| &e.evidence.message_id))
            .chain(store.to_confirm.iter().map(|e| &e.evidence.message_id))
            .chain(store.soft_bounces.iter().map(|e| &e.evidence.message_id))
            .filter(|id| !id.is_empty())
            .cloned()
            .collect();
        Inbox {
            seen,
            store,
            members,
            unsubscribe,
            settings: &recipients.mailbox,
            sent,
            today,
            counts: Counts::default(),
            lines: Vec::new(),
        }
    }

    /// A message that was too large to read: `what` names it.
    pub fn too_large(&mut self, what: &str, bytes: u64) {
        self.counts.not_applied += 1;
        self.lines.push(format!(
            "{what}: left alone, it is {} MB, too large to be a bounce or a request (read it yourself)",
            bytes.div_ceil(1024 * 1024)
        ));
    }

    /// A `.eml` that is not a regular file (a FIFO, a device, a link to one): never read.
    pub fn not_a_file(&mut self, what: &str) {
        self.counts.not_applied += 1;
        self.lines.push(format!(
            "{what}: left alone, it is not a regular file (a pipe, a device or a link to one)"
        ));
    }

    /// Takes one message (`what` names it: a file, or a message number in the mailbox).
    pub fn take(&mut self, what: &str, raw: &[u8]) {
        let message_id = mail_parser::MessageParser::default()
            .parse_headers(raw)
            .and_then(|m| m.message_id().map(|id| format!("<{id}>")))
            .unwrap_or_default();
        let key = crate::suppress::message_key(&message_id, raw);
        if !self.seen.insert(key.clone()) {
            self.counts.already += 1;
            return;
        }
        self.store.read.push(key);
        let today = self.today.to_string();
        match classify::classify(raw, self.unsubscribe.as_ref()) {
            Verdict::Bounce(b) => {
                let recipient = normal(&b.recipient);
                let sent = b
                    .original_id
                    .as_deref()
                    .and_then(|id| self.sent.sent_to(id, &recipient))
                    .map(str::to_string);
                let evidence = Evidence {
                    message_id,
                    status: b.status.clone(),
                    text: b.text.clone(),
                    original: b.original_id.clone().unwrap_or_default(),
                    issue: sent.clone().unwrap_or_default(),
                };
                let kind = if b.is_hard() {
                    self.counts.hard_bounces += 1;
                    format!("hard bounce {}", b.status)
                } else {
                    self.counts.soft_bounces += 1;
                    format!("soft bounce {}", b.status)
                };
                if sent.is_none() {
                    let unproven = Unproven::Quote;
                    if b.is_hard() {
                        self.hold_for_confirmation(what, &recipient, &kind, evidence, unproven);
                    } else if self.is_member(what, &recipient, "soft bounce") {
                        self.counts.not_applied += 1;
                        self.lines.push(format!(
                            "{what}: {kind} for {recipient} not counted: {}",
                            unproven.reason()
                        ));
                    }
                } else if b.is_hard() {
                    self.suppress(what, &recipient, &kind, evidence);
                } else {
                    if !self.is_member(what, &recipient, "soft bounce") {
                        return;
                    }
                    self.store.soft_bounces.push(SoftBounce {
                        address: recipient.clone(),
                        date: today,
                        evidence: evidence.clone(),
                    });
                    let (limit, days) =
                        (self.settings.soft_bounces, self.settings.soft_bounce_days);
                    let n = self.store.recent_soft_bounces(&recipient, self.today, days);
                    if n >= limit as usize {
                        self.suppress(
                            what,
                            &recipient,
                            &format!("{n} soft bounces in {days} days"),
                            evidence,
                        );
                    } else {
                        self.lines.push(format!(
                            "{what}: soft bounce {} for {recipient} ({n} of {limit} in {days} days)",
                            b.status
                        ));
                    }
                }
            }
            Verdict::Complaint {
                recipient,
                original_id,
            } => {
                self.counts.complaints += 1;
                let recipient = normal(&recipient);
                let sent = original_id
                    .as_deref()
                    .and_then(|id| self.sent.sent_to(id, &recipient))
                    .map(str::to_string);
                let evidence = Evidence {
                    message_id,
                    text: "complaint (abuse report)".into(),
                    issue: sent.clone().unwrap_or_default(),
                    original: original_id.unwrap_or_default(),
                    ..Evidence::default()
                };
                if sent.is_some() {
                    self.suppress(what, &recipient, "complaint", evidence);
                } else {
                    self.hold_for_confirmation(
                        what,
                        &recipient,
                        "complaint",
                        evidence,
                        Unproven::Quote,
                    );
                }
            }
            Verdict::Unsubscribe(request) => {
                self.counts.unsubscribes += 1;
                let sender = normal(&request.sender);
                let answered = request.answers.iter().find_map(|id| {
                    self.sent
                        .sent_to(id, &sender)
                        .map(|i| (id.clone(), i.to_string()))
                });
                let vouched = match (&self.settings.authserv_id, &request.authentication) {
                    (Some(server), Some(results)) => evidence::dmarc_pass(results, server, &sender),
                    _ => false,
                };
                let (original, issue) = answered.clone().unwrap_or_default();
                let evidence = Evidence {
                    message_id,
                    text: request.subject.clone(),
                    original,
                    issue,
                    ..Evidence::default()
                };
                if answered.is_some() || vouched {
                    self.suppress(what, &sender, "unsubscribe request", evidence);
                } else {
                    self.hold_for_confirmation(
                        what,
                        &sender,
                        "unsubscribe request",
                        evidence,
                        Unproven::Sender,
                    );
                }
            }
            Verdict::Reply { from, subject } => {
                self.counts.replies += 1;
                // The subject quoted as Rust does (`\u{202e}` for an invisible character).
                self.lines.push(format!(
                    "{what}: a reply from {} ({subject:?}): read it yourself; nobody suppressed",
                    escape_controls(&from),
                ));
            }
            Verdict::PlainBounce { addresses } => {
                self.counts.not_applied += 1;
                let named = if addresses.is_empty() {
                    "no address".to_string()
                } else {
                    addresses
                        .iter()
                        .map(|a| escape_controls(a).into_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                self.lines.push(format!(
                    "{what}: a bounce in plain text (not a delivery report) naming {named}: not applied (read it yourself)"
                ));
                let members: Vec<String> = addresses
                    .iter()
                    .map(|a| normal(a))
                    .filter(|a| self.members.contains(a))
                    .collect();
                for address in members {
                    let evidence = Evidence {
                        message_id: message_id.clone(),
                        text: "bounce in plain text".into(),
                        ..Evidence::default()
                    };
                    self.pend(what, &address, "bounce in plain text", evidence);
                }
            }
            Verdict::AutoReply => self.counts.auto_replies += 1,
            Verdict::MalformedReport(why) => {
                self.counts.not_applied += 1;
                self.lines
                    .push(format!("{what}: left alone, {why} (read it yourself)"));
            }
            Verdict::Other => self.counts.other += 1,
        }
    }

    /// A suppression that nothing proves: listed, and kept in `to_confirm:` for a person.
    fn hold_for_confirmation(
        &mut self,
        what: &str,
        address: &str,
        why: &str,
        evidence: Evidence,
        unproven: Unproven,
    ) {
        if !self.is_member(what, address, why) {
            return;
        }
        self.counts.not_applied += 1;
        self.lines.push(format!(
            "{what}: {why} for {address} not applied: {}",
            unproven.reason()
        ));
        self.pend(what, address, why, evidence);
    }

    /// Keeps an entry waiting for confirmation, and says how to confirm it.
    fn pend(&mut self, what: &str, address: &str, why: &str, evidence: Evidence) {
        if self.store.contains(address) {
            return;
        }
        self.counts.to_confirm += 1;
        self.lines.push(format!(
            "{what}: if {address} should no longer get the bulletin, run `bulletin inbox --confirm {address}`"
        ));
        self.store.to_confirm.push(Entry {
            address: address.to_string(),
            since: self.today.to_string(),
            why: why.to_string(),
            evidence,
        });
    }

    fn is_member(&mut self, what: &str, address: &str, kind: &str) -> bool {
        if self.members.contains(&normal(address)) {
            return true;
        }
        self.counts.not_applied += 1;
        self.lines.push(format!(
            "{what}: {kind} for {address}, who is on no list: not applied"
        ));
        false
    }

    fn suppress(&mut self, what: &str, address: &str, why: &str, evidence: Evidence) {
        let address = &normal(address);
        if !self.is_member(what, address, why) {
            return;
        }
        if self.store.contains(address) {
            self.lines
                .push(format!("{what}: {why} for {address}, already suppressed"));
            return;
        }
        self.counts.suppressed += 1;
        let issue = if evidence.issue.is_empty() {
            String::new()
        } else {
            format!(", answering the issue {}", evidence.issue)
        };
        self.lines
            .push(format!("{what}: suppress {address} ({why}{issue})"));
        self.store.suppressed.push(Entry {
            address: address.to_string(),
            since: self.today.to_string(),
            why: why.to_string(),
            evidence,
        });
    }
}

/// The address as the lists know it ([`crate::input::recipients::key`]): lower case, the domain
/// in the ASCII form DNS uses, so a bounce for `dr@bücher.example` finds the member
/// `dr@xn--bcher-kva.example`.
pub fn normal(address: &str) -> String {
    match crate::address::parse_mailbox(address.trim()) {
        Ok(m) => crate::input::recipients::key(&m),
        Err(_) => address.trim().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_matches_the_lists_key() {
        assert_eq!(normal("Dr@Bücher.example"), "dr@xn--bcher-kva.example");
        assert_eq!(normal(" A@Example.org "), "a@example.org");
    }
}
