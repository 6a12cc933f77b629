//! Each recipient's message: the [`Template`] of the version of the issue meant for them
//! ([`crate::audience`]), and the tag the journal records with their delivery. A bulletin with
//! no section for an audience has one version, and every message is its template's.

use std::collections::HashMap;
use std::time::SystemTime;

use lettre::message::Mailbox;

use crate::input::recipients::key;
use crate::render::message::Template;

/// The messages of one send.
#[derive(Clone, Debug)]
pub struct Letters {
    /// Each version's template and its tag (`None`: the whole bulletin).
    versions: Vec<(Template, Option<String>)>,
    /// Each person's version (an index into `versions`), by [`key`]; anyone else gets the first.
    of: HashMap<String, usize>,
}

impl Letters {
    /// One message for everyone.
    pub fn single(template: Template) -> Letters {
        Letters {
            versions: vec![(template, None)],
            of: HashMap::new(),
        }
    }

    /// One template a version, and who gets which ([`crate::audience::Split::of`]).
    pub fn versions(
        versions: Vec<(Template, Option<String>)>,
        of: HashMap<String, usize>,
    ) -> Letters {
        assert!(!versions.is_empty(), "a send has at least one version");
        Letters { versions, of }
    }

    fn of(&self, address: &str) -> &(Template, Option<String>) {
        let i = self.of.get(address).copied().unwrap_or(0);
        &self.versions[i.min(self.versions.len() - 1)]
    }

    /// The tag of the version `address` (as [`key`] gives it) is sent, for the journal.
    pub fn version_tag(&self, address: &str) -> Option<&str> {
        self.of(address).1.as_deref()
    }

    /// Appends one recipient's complete message to `out`.
    pub fn write_for(&self, to: &Mailbox, date: SystemTime, out: &mut String) {
        self.of(&key(to)).0.write_for(to, date, out);
    }
}
