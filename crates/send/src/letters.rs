//! Each recipient's message: the [`Template`] of the version of the issue meant for them (`for:`
//! on a section, split by the `audience` module of the `bulletin` crate), and the tag the
//! journal records with their delivery. A bulletin with no section for an audience has one
//! version, and every message is its template's. With merge fields ([`crate::merge`]) each
//! message is rendered for its reader when it is sent ([`Personal`]): their details filled into
//! the model, then the HTML, the text and the MIME message made as for everyone else.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use lettre::message::Mailbox;

use crate::identity::{Identity, Key};
use crate::input::recipients::key;
use crate::merge::Reader;
use crate::model::{Bulletin, Publisher};
use crate::render::message::Template;

/// What a message for one reader is made from, when the bulletin has merge fields.
#[derive(Debug)]
pub struct Personal {
    /// Each version's model, in the order of [`Letters`]'s versions.
    pub versions: Vec<Bulletin>,
    pub publisher: Publisher,
    pub identity: Identity,
    /// A test copy ("[TEST]" in the subject).
    pub test: bool,
    /// A test copy for the approvers ("[FOR APPROVAL]" in the subject).
    pub for_approval: bool,
    pub key: Option<Key>,
    /// Each reader's details, by [`key`]; anyone else has none (fallbacks only).
    pub readers: HashMap<String, Reader>,
}

/// The messages of one send.
#[derive(Clone, Debug)]
pub struct Letters {
    /// Each version's template and its tag (`None`: the whole bulletin).
    versions: Vec<(Template, Option<String>)>,
    /// Each person's version (an index into `versions`), by [`key`]; anyone else gets the first.
    of: HashMap<String, usize>,
    /// With merge fields: how to make each reader's own message.
    personal: Option<Arc<Personal>>,
}

impl Letters {
    /// One message for everyone.
    pub fn single(template: Template) -> Letters {
        Letters {
            versions: vec![(template, None)],
            of: HashMap::new(),
            personal: None,
        }
    }

    /// One template a version, and who gets which (the split of the `audience` module).
    pub fn versions(
        versions: Vec<(Template, Option<String>)>,
        of: HashMap<String, usize>,
    ) -> Letters {
        assert!(!versions.is_empty(), "a send has at least one version");
        Letters {
            versions,
            of,
            personal: None,
        }
    }

    /// Each message made for its reader ([`Personal`]), its version's template giving the rest.
    pub fn personal(mut self, personal: Personal) -> Letters {
        self.personal = Some(Arc::new(personal));
        self
    }

    fn index(&self, address: &str) -> usize {
        let i = self.of.get(address).copied().unwrap_or(0);
        i.min(self.versions.len() - 1)
    }

    fn of(&self, address: &str) -> &(Template, Option<String>) {
        &self.versions[self.index(address)]
    }

    /// The tag of the version `address` (as [`key`] gives it) is sent, for the journal.
    pub fn version_tag(&self, address: &str) -> Option<&str> {
        self.of(address).1.as_deref()
    }

    /// Appends one recipient's complete message to `out`; an error only where a reader's own
    /// message cannot be made.
    pub fn write_for(
        &self,
        to: &Mailbox,
        date: SystemTime,
        out: &mut String,
    ) -> Result<(), crate::render::message::BuildError> {
        let address = key(to);
        let Some(p) = &self.personal else {
            self.of(&address).0.write_for(to, date, out);
            return Ok(());
        };
        let none = Reader::default();
        let reader = p.readers.get(&address).unwrap_or(&none);
        let b = crate::merge::fill(&p.versions[self.index(&address)], reader);
        let html = crate::render::html::render(&b, &p.publisher);
        let text = crate::render::text::render(&b, &p.publisher);
        let mut template = if p.for_approval {
            Template::for_approval(&b, &p.publisher, &p.identity, &text, &html)?
        } else {
            Template::new(&b, &p.publisher, &p.identity, &text, &html, p.test)?
        };
        if let Some(k) = &p.key {
            template = template.keyed(k.clone());
        }
        template.write_for(to, date, out);
        Ok(())
    }
}
