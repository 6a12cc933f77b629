//! Reach per practice, for `bulletin report ISSUE --by practice`: the practice is the unit an
//! LMC office cares about, so for each practice in the office's spreadsheet (its Practice
//! column), whether the issue reached it (at least one of its people delivered, and not bounced
//! since) and, when not, why not, person by person ("Sam Jones (Practice manager): bounced; no
//! other address"). What happened to each person is decided by the caller (from the journal and
//! the suppressions); here it is only grouped and explained.

use crate::input::people::{Column, People, Person, same};

/// What became of one person's copy of the issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the relay, and not bounced since.
    Delivered,
    /// Accepted, then bounced (`bulletin inbox`).
    Bounced,
    /// Refused by the relay, with its reason.
    Failed(String),
    /// Suppressed before the send, with why.
    Suppressed(String),
    /// Not sent: on no list that was sent the issue, or the send has not reached them yet.
    NotSent,
    /// On none of the lists (for `check`, before any send).
    OnNoList,
}

impl Outcome {
    fn describe(&self) -> String {
        match self {
            Outcome::Delivered => "delivered".to_string(),
            Outcome::Bounced => "bounced".to_string(),
            Outcome::Failed(reason) => format!("refused by the relay ({reason})"),
            Outcome::Suppressed(why) => format!("suppressed ({why})"),
            Outcome::NotSent => "not sent".to_string(),
            Outcome::OnNoList => "on no list".to_string(),
        }
    }
}

/// One practice and what became of each of its people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Practice {
    pub name: String,
    pub ods_code: Option<String>,
    /// Each person: their name (or address), their role, and their outcome.
    pub people: Vec<(String, Option<String>, Outcome)>,
}

impl Practice {
    pub fn delivered(&self) -> usize {
        self.people
            .iter()
            .filter(|(.., o)| *o == Outcome::Delivered)
            .count()
    }

    pub fn reached(&self) -> bool {
        self.delivered() > 0
    }

    /// Why the practice was not reached: each person and what became of them; `None` when it
    /// was reached.
    pub fn why_not(&self) -> Option<String> {
        if self.reached() {
            return None;
        }
        let mut parts: Vec<String> = self
            .people
            .iter()
            .map(|(who, role, outcome)| match role {
                Some(role) => format!("{who} ({role}) {}", outcome.describe()),
                None => format!("{who} {}", outcome.describe()),
            })
            .collect();
        if self.people.len() == 1 {
            parts.push("no other address".to_string());
        }
        Some(parts.join("; "))
    }
}

/// The practices of `people`, in the order of their first row, with each person's outcome;
/// and how many people have no practice.
pub fn by_practice(
    people: &People,
    outcome: impl Fn(&Person) -> Outcome,
) -> (Vec<Practice>, usize) {
    let mut out: Vec<Practice> = Vec::new();
    let mut without = 0;
    for person in &people.people {
        let Some(name) = person.get(Column::Practice) else {
            without += 1;
            continue;
        };
        let at = match out.iter().position(|p| same(&p.name, name)) {
            Some(at) => at,
            None => {
                out.push(Practice {
                    name: name.to_string(),
                    ods_code: person.get(Column::OdsCode).map(str::to_string),
                    people: Vec::new(),
                });
                out.len() - 1
            }
        };
        let who = person
            .mailbox
            .name
            .clone()
            .unwrap_or_else(|| person.mailbox.email.to_string());
        out[at].people.push((
            who,
            person.get(Column::Role).map(str::to_string),
            outcome(person),
        ));
    }
    (out, without)
}

/// For `check`: the practices nobody is left to reach at (everyone suppressed or on no list),
/// each with why. `reachable` says of a person whether a send to their lists would reach them
/// (as [`Outcome::Delivered`]) or why not.
pub fn unreachable(people: &People, reachable: impl Fn(&Person) -> Outcome) -> Vec<Practice> {
    by_practice(people, reachable)
        .0
        .into_iter()
        .filter(|p| !p.reached())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(csv: &str) -> People {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, csv).unwrap();
        crate::input::people::read(&path, &Default::default())
            .unwrap()
            .0
    }

    #[test]
    fn a_practice_is_reached_when_one_of_its_people_was_delivered() {
        let p = people(
            "Email,Name,Role,Practice,ODS code\n\
             sam@example.org,Sam Jones,Practice manager,Tiptree Surgery,F81001\n\
             amara@example.org,Amara Okafor,GP partner,tiptree  surgery,F81001\n\
             tom@example.org,Tom Reid,Practice manager,Maldon Health Centre,F81002\n\
             lone@example.org,Lone,GP partner,,\n",
        );
        let (practices, without) = by_practice(&p, |person| match person.mailbox.email.as_ref() {
            "sam@example.org" => Outcome::Bounced,
            "amara@example.org" => Outcome::Delivered,
            _ => Outcome::Failed("550 5.1.1 User unknown".into()),
        });
        assert_eq!(without, 1);
        assert_eq!(practices.len(), 2, "the same practice, whatever its case");
        assert!(practices[0].reached());
        assert_eq!(practices[0].why_not(), None);
        assert_eq!(practices[1].ods_code.as_deref(), Some("F81002"));
        assert_eq!(
            practices[1].why_not().as_deref(),
            Some(
                "Tom Reid (Practice manager) refused by the relay (550 5.1.1 User unknown); no other address"
            )
        );
    }
}
