//! `lists:`, `suppress:` and `people:`: the mailing lists (members written out, picked from the
//! office's spreadsheet with `where`, or included from other lists), the addresses never to be
//! mailed, and who a send reaches.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use lettre::message::Mailbox;

use crate::address::parse_mailbox;
use crate::diagnostic::{Diagnostic, Pos, did_you_mean};
use crate::limits::{MAX_LISTS, thousands};
use crate::people::{self, Column, People, WHERE_KEYS};
use crate::schema::Ctx;
use crate::yaml::{Node, Value};

use super::Recipients;

pub const LIST_KEYS: &[&str] = &["name", "members", "include", "where"];
pub const MEMBER_KEYS: &[&str] = &["email", "name"];
pub(crate) const PEOPLE_KEYS: &[&str] = &["file", "sheet", "columns"];

/// How many includes of missing lists are reported one by one, with a suggestion each.
const MISSING_REPORTED: usize = 20;

#[derive(Clone, Debug)]
pub struct Member {
    pub mailbox: Mailbox,
    /// [`key`] of the mailbox, worked out once.
    pub key: String,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub struct List {
    pub name: String,
    pub members: Vec<Member>,
    pub include: Vec<String>,
}

/// Who a send goes to, and who is left out and why.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub recipients: Vec<Mailbox>,
    pub suppressed: Vec<Mailbox>,
    pub duplicates: Vec<Mailbox>,
}

/// The key by which two addresses are the same person: the address in lower case, its domain
/// in the ASCII form DNS uses, so that `dr@bücher.example` and `dr@xn--bcher-kva.example` are
/// one person.
pub fn key(m: &Mailbox) -> String {
    let user = m.email.user().to_lowercase();
    let domain = m.email.domain();
    let domain = match url::Host::parse(domain) {
        Ok(url::Host::Domain(ascii)) => ascii,
        _ => domain.to_lowercase(),
    };
    format!("{user}@{domain}")
}

impl Recipients {
    /// Every member of `list` (following `include`), once each, less the suppressed.
    pub fn resolve(&self, list: &str) -> Resolved {
        let mut out = Resolved::default();
        let mut seen = HashSet::new();
        self.each_member(list, |m| {
            if self.suppress.contains(&m.key) {
                if seen.insert(&m.key) {
                    out.suppressed.push(m.mailbox.clone());
                }
            } else if seen.insert(&m.key) {
                out.recipients.push(m.mailbox.clone());
            } else {
                out.duplicates.push(m.mailbox.clone());
            }
        });
        out
    }

    /// Calls `f` for each member of `list`, then of each list it includes, depth first, each
    /// list once. A loop with a stack, not recursion: a long chain of includes cannot overflow.
    fn each_member<'r>(&'r self, list: &'r str, mut f: impl FnMut(&'r Member)) {
        let mut visited = HashSet::new();
        let mut to_visit = vec![list];
        while let Some(id) = to_visit.pop() {
            if !visited.insert(id) {
                continue;
            }
            if let Some(l) = self.lists.get(id) {
                l.members.iter().for_each(&mut f);
                to_visit.extend(l.include.iter().rev().map(String::as_str));
            }
        }
    }

    pub fn list_names(&self) -> Vec<&str> {
        self.lists.keys().map(String::as_str).collect()
    }

    /// How many people each list reaches, as [`Recipients::resolve`] would count them, for all
    /// lists at once. Resolving each list in turn costs lists × members when many lists include
    /// one large list; here each list's reach is a set of bits (one per distinct address) made
    /// once from its own members and the sets of the lists it includes.
    pub fn counts(&self) -> BTreeMap<&str, Counts> {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for m in self.lists.values().flat_map(|l| &l.members) {
            let next = ids.len();
            ids.entry(&m.key).or_insert(next);
        }
        let words = ids.len().div_ceil(64);
        let mut suppressed = vec![0u64; words];
        for id in self.suppress.iter().filter_map(|k| ids.get(k.as_str())) {
            suppressed[id / 64] |= 1 << (id % 64);
        }
        let mut reach: HashMap<&str, Vec<u64>> = HashMap::new();
        for id in self.included_first() {
            let list = &self.lists[id];
            let mut bits = vec![0u64; words];
            for m in &list.members {
                let i = ids[m.key.as_str()];
                bits[i / 64] |= 1 << (i % 64);
            }
            let included: HashSet<&str> = list.include.iter().map(String::as_str).collect();
            for inner in included.iter().filter_map(|i| reach.get(i)) {
                bits.iter_mut().zip(inner).for_each(|(b, i)| *b |= i);
            }
            reach.insert(id, bits);
        }
        let count = |bits: &[u64], mask: fn(u64) -> u64| -> usize {
            bits.iter()
                .zip(&suppressed)
                .map(|(b, s)| (b & mask(*s)).count_ones() as usize)
                .sum()
        };
        reach
            .iter()
            .map(|(id, bits)| {
                let counts = Counts {
                    recipients: count(bits, |s| !s),
                    suppressed: count(bits, |s| s),
                };
                (*id, counts)
            })
            .collect()
    }

    /// Every list, each after the lists it includes (a loop, and one visit a list).
    fn included_first(&self) -> Vec<&str> {
        let mut order = Vec::with_capacity(self.lists.len());
        let mut seen = HashSet::new();
        for root in self.lists.keys() {
            // (list, whether its includes have been pushed already)
            let mut stack = vec![(root.as_str(), false)];
            while let Some((id, expanded)) = stack.pop() {
                if expanded {
                    order.push(id);
                } else if seen.insert(id) {
                    stack.push((id, true));
                    let includes = self.lists.get(id).map_or(&[][..], |l| &l.include[..]);
                    for inner in includes.iter().filter(|i| self.lists.contains_key(*i)) {
                        stack.push((inner, false));
                    }
                }
            }
        }
        order
    }
}

/// How many people a list reaches ([`Recipients::counts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Each address once, less the suppressed.
    pub recipients: usize,
    /// Suppressed addresses on the list (each once).
    pub suppressed: usize,
}

fn member(ctx: &mut Ctx, node: &Node, what: &str) -> Option<Member> {
    let text = match &node.value {
        Value::Scalar(..) => ctx.value_line(node, what)?,
        Value::Map(_) => {
            let f = ctx.fields(node, what, MEMBER_KEYS)?;
            let email = f
                .require(ctx, "email", "name@example.org")
                .and_then(|n| ctx.value_line(n, "`email`"))?;
            match f.get("name").and_then(|n| ctx.line(n, "`name`")) {
                Some(name) => format!("\"{}\" <{}>", name.replace(['"', '\\'], ""), email.trim()),
                None => email,
            }
        }
        Value::Seq(_) => {
            ctx.error(
                node.pos,
                format!("{what} should be one address, but this is a list"),
                "write one member per line: `- Name <name@example.org>`",
            );
            return None;
        }
    };
    match parse_mailbox(&text) {
        Ok(mailbox) => Some(Member {
            key: key(&mailbox),
            mailbox,
            pos: node.pos,
        }),
        Err(e) => {
            ctx.error(
                node.pos,
                e.to_string(),
                "fix the address, or remove the line",
            );
            None
        }
    }
}

/// `people:`: the office's spreadsheet, relative to the recipients file, read as it is now.
/// `None` inside when it cannot be used (its problems are reported).
pub(super) fn people_file(ctx: &mut Ctx, node: &Node, recipients: &Path) -> Option<People> {
    let (node, options) = match &node.value {
        Value::Map(_) => {
            let f = ctx.fields(node, "`people`", PEOPLE_KEYS)?;
            let file = f.require(ctx, "file", "contacts.xlsx")?;
            let sheet = match f.get("sheet") {
                Some(n) => Some(ctx.value_line(n, "`sheet`")?),
                None => None,
            };
            let headings = match f.get("columns") {
                Some(n) => people_columns(ctx, n)?,
                None => Vec::new(),
            };
            (file, people::Options { sheet, headings })
        }
        _ => (node, people::Options::default()),
    };
    let name = ctx.value_line(node, "`people`")?;
    let ext = Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !ext.is_some_and(|e| people::EXTENSIONS.contains(&e.as_str())) {
        ctx.error(
            node.pos,
            format!("`people: {name}` is not a spreadsheet this program reads"),
            "name an Excel (.xlsx or .xls), OpenDocument (.ods) or CSV (.csv) file, such as `people: contacts.xlsx`",
        );
        return None;
    }
    let path = recipients.parent().unwrap_or(Path::new("")).join(&name);
    if !path.exists() {
        ctx.error(
            node.pos,
            format!("{} does not exist", path.display()),
            "check the file name: it is relative to the recipients file",
        );
        return None;
    }
    match people::read(&path, &options) {
        Ok((p, warnings)) => {
            ctx.diags.extend(warnings);
            Some(p)
        }
        Err(d) => {
            ctx.diags.extend(d);
            None
        }
    }
}

/// `columns:` of `people:`: the office's own heading for each column it names.
fn people_columns(ctx: &mut Ctx, node: &Node) -> Option<Vec<(Column, String)>> {
    let names: Vec<&str> = people::COLUMN_KEYS.iter().map(|(k, _)| *k).collect();
    let Value::Map(entries) = &node.value else {
        ctx.error(
            node.pos,
            "`columns` should name a heading for each column",
            "write it as `columns: { email: Work email, role: Job title }`",
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let key = k.as_str().unwrap_or("");
        match people::COLUMN_KEYS.iter().find(|(n, _)| *n == key) {
            Some((_, column)) => match ctx.value_line(v, &format!("the heading of `{key}`")) {
                Some(h) if !h.trim().is_empty() => out.push((*column, h)),
                _ => ok = false,
            },
            None => {
                let help = did_you_mean(key, &names).map_or_else(
                    || format!("the columns are: {}", names.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                ctx.error(k.pos, format!("`{key}` is not a column of people"), help);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `where:` of a list (or of a section's `for:`): each column named, and the values (any of
/// them) it must have.
pub(crate) fn where_clause(
    ctx: &mut Ctx,
    node: &Node,
    what: &str,
) -> Option<Vec<(Column, Vec<String>)>> {
    let names: Vec<&str> = WHERE_KEYS.iter().map(|(k, _)| *k).collect();
    let Value::Map(entries) = &node.value else {
        ctx.error(
            node.pos,
            format!("`where` of {what} should say which column has which value"),
            "write it as `where: { role: Practice manager }`, or with several values `where: { role: [GP partner, Salaried GP] }`",
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let key = k.as_str().unwrap_or("");
        let Some((_, column)) = WHERE_KEYS.iter().find(|(n, _)| *n == key) else {
            let help = did_you_mean(key, &names).map_or_else(
                || format!("the columns a list can match are: {}", names.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            ctx.error(
                k.pos,
                format!("`{key}` is not a column `where` can match"),
                help,
            );
            ok = false;
            continue;
        };
        let items: Vec<&Node> = match &v.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![v],
        };
        let mut values = Vec::new();
        for item in items {
            match ctx.value_line(item, &format!("a value of `{key}`")) {
                Some(value) if !value.trim().is_empty() => values.push(value),
                _ => ok = false,
            }
        }
        out.push((*column, values));
    }
    ok.then_some(out)
}

/// The people of `sheet` that `clause` picks, as members; a warning when it picks nobody.
fn members_where(
    ctx: &mut Ctx,
    node: &Node,
    what: &str,
    clause: &[(Column, Vec<String>)],
    sheet: &People,
) -> Vec<Member> {
    let members: Vec<Member> = sheet
        .people
        .iter()
        .filter(|p| clause.iter().all(|(c, values)| p.matches(*c, values)))
        .map(|p| Member {
            mailbox: p.mailbox.clone(),
            key: p.key.clone(),
            pos: node.pos,
        })
        .collect();
    if members.is_empty() {
        let found = |column: Column| {
            let mut values: Vec<&str> = Vec::new();
            for v in sheet.people.iter().filter_map(|p| p.get(column)) {
                if !values.iter().any(|w| people::same(w, v)) {
                    values.push(v);
                }
            }
            values
        };
        // The condition that picks nobody on its own, else the first.
        let (column, _) = clause
            .iter()
            .find(|(c, values)| !sheet.people.iter().any(|p| p.matches(*c, values)))
            .unwrap_or(&clause[0]);
        let column = *column;
        let key = WHERE_KEYS
            .iter()
            .find(|(_, c)| *c == column)
            .map_or("", |(k, _)| *k);
        let values = found(column);
        let help = if values.is_empty() {
            format!(
                "{} has no `{key}` column with anything in it",
                sheet.path.display()
            )
        } else {
            format!(
                "the values of `{key}` in {} are: {}",
                sheet.path.display(),
                values.join(", ")
            )
        };
        ctx.diags.push(
            Diagnostic::warning(
                ctx.path,
                node.pos,
                format!("{what} picks nobody from the spreadsheet"),
            )
            .with_help(help),
        );
    }
    members
}

pub(super) fn lists(
    ctx: &mut Ctx,
    node: &Node,
    sheet: Option<&Option<People>>,
) -> Option<BTreeMap<String, List>> {
    let Value::Map(entries) = &node.value else {
        ctx.error(
            node.pos,
            format!(
                "`lists` should be a set of lists, but this is {}",
                node.kind()
            ),
            "write each list as `list-id:` with `name:` and `members:` under it",
        );
        return None;
    };
    if entries.len() > MAX_LISTS {
        ctx.error(
            node.pos,
            format!(
                "the file defines {} lists, more than the {} allowed",
                thousands(entries.len()),
                thousands(MAX_LISTS)
            ),
            "check the indentation: members and settings may have been read as lists",
        );
        return None;
    }
    let mut out = BTreeMap::new();
    let mut include_pos: Vec<(String, String, Pos)> = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let id = k.as_str().unwrap_or("").to_string();
        let what = format!("list `{id}`");
        let Some(f) = ctx.fields(v, &what, LIST_KEYS) else {
            ok = false;
            continue;
        };
        let name = f
            .get("name")
            .and_then(|n| ctx.line(n, "`name`"))
            .unwrap_or_else(|| id.clone());
        let mut members = Vec::new();
        if let Some(m) = f.get("members") {
            match &m.value {
                Value::Seq(items) => {
                    let mut seen: HashMap<String, usize> = HashMap::new();
                    for (i, item) in items.iter().enumerate() {
                        match member(ctx, item, &format!("member {} of {what}", i + 1)) {
                            Some(member) => {
                                if let Some(line) = seen.get(&member.key) {
                                    ctx.diags.push(
                                        Diagnostic::warning(
                                            ctx.path,
                                            member.pos,
                                            format!(
                                                "{} is on {what} twice (also on line {line})",
                                                member.mailbox.email
                                            ),
                                        )
                                        .with_help(
                                            "they will get one copy; remove the second line",
                                        ),
                                    );
                                } else {
                                    seen.insert(member.key.clone(), member.pos.line);
                                }
                                members.push(member);
                            }
                            None => ok = false,
                        }
                    }
                }
                _ => {
                    ctx.error(
                        m.pos,
                        format!("`members` of {what} should be a list"),
                        "write each member on its own line starting `- `",
                    );
                    ok = false;
                }
            }
        }
        if let Some(w) = f.get("where") {
            match (where_clause(ctx, w, &what), sheet) {
                (None, _) => ok = false,
                (Some(_), None) => {
                    ctx.error(
                        w.pos,
                        format!("{what} picks people with `where`, but the file names no spreadsheet of people"),
                        "add a line `people: contacts.xlsx` (your spreadsheet's name, beside this file) at the top of the file",
                    );
                    ok = false;
                }
                // The spreadsheet's own problems are reported already.
                (Some(_), Some(None)) => ok = false,
                (Some(clause), Some(Some(people))) => {
                    let picked = members_where(ctx, w, &what, &clause, people);
                    let mut keys: HashSet<String> =
                        members.iter().map(|m: &Member| m.key.clone()).collect();
                    members.extend(picked.into_iter().filter(|m| keys.insert(m.key.clone())));
                }
            }
        }
        let mut include = Vec::new();
        if let Some(inc) = f.get("include") {
            let items: Vec<&Node> = match &inc.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![inc],
            };
            for i in items {
                if let Some(name) = ctx.value_line(i, "an included list") {
                    include_pos.push((id.clone(), name.clone(), i.pos));
                    include.push(name);
                }
            }
        }
        if f.get("members").is_none() && f.get("include").is_none() && f.get("where").is_none() {
            ctx.error(
                f.pos,
                format!("{what} has no `members`, `where` or `include`"),
                "add `members:` with one address per line, `where: { role: Practice manager }` to pick people from the spreadsheet, or `include: [other-list]`",
            );
            ok = false;
        }
        out.insert(
            id.clone(),
            List {
                name,
                members,
                include,
            },
        );
    }
    let names: Vec<&str> = out.keys().map(String::as_str).collect();
    let missing: Vec<_> = include_pos
        .iter()
        .filter(|(_, to, _)| !out.contains_key(to))
        .collect();
    // Each suggestion compares with every list: only the first few are worked out.
    for (from, to, pos) in missing.iter().take(MISSING_REPORTED) {
        let help = did_you_mean(to, &names).map_or_else(
            || format!("the lists are: {}", names.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        ctx.error(
            *pos,
            format!("list `{from}` includes `{to}`, which is not a list in this file"),
            help,
        );
    }
    if let Some((_, _, pos)) = missing.get(MISSING_REPORTED) {
        ctx.error(
            *pos,
            format!(
                "{} more includes name lists that are not in this file",
                thousands(missing.len() - MISSING_REPORTED)
            ),
            "check the names under `include:` against the lists defined in this file",
        );
    }
    ok &= missing.is_empty();
    let starts = include_pos.iter().map(|(from, ..)| from.as_str());
    if let Some(cycle) = find_cycle(&out, starts) {
        let (from, to) = (cycle[0], cycle[1]);
        let pos = include_pos
            .iter()
            .find(|(f, t, _)| f == from && t == to)
            .map_or(node.pos, |(.., pos)| *pos);
        ctx.error(
            pos,
            format!("list `{from}` includes itself: {}", cycle.join(" → ")),
            "remove one of these `include` entries",
        );
        ok = false;
    }
    ok.then_some(out)
}

/// The first path of includes that comes back to where it started (`a → b → a`), looking from
/// each of `starts` in turn. One depth-first walk over all the lists, with a stack instead of
/// recursion: each list and each include is looked at once, however long the chains.
fn find_cycle<'l>(
    lists: &'l BTreeMap<String, List>,
    starts: impl Iterator<Item = &'l str>,
) -> Option<Vec<&'l str>> {
    // Lists on the current path are `true`; lists fully explored, `false`.
    let mut on_path: HashMap<&str, bool> = HashMap::new();
    for start in starts {
        if on_path.contains_key(start) {
            continue;
        }
        on_path.insert(start, true);
        // Each list on the path, with how many of its includes have been followed.
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some(&(at, followed)) = path.last() {
            let includes = lists.get(at).map_or(&[][..], |l| l.include.as_slice());
            let Some(next) = includes.get(followed) else {
                on_path.insert(at, false);
                path.pop();
                continue;
            };
            if let Some(top) = path.last_mut() {
                top.1 += 1;
            }
            let Some((next, _)) = lists.get_key_value(next) else {
                continue; // reported as not a list
            };
            match on_path.get(next.as_str()) {
                None => {
                    on_path.insert(next, true);
                    path.push((next, 0));
                }
                Some(true) => {
                    let from = path.iter().position(|(l, _)| *l == next)?;
                    let mut cycle: Vec<&str> = path[from..].iter().map(|(l, _)| *l).collect();
                    cycle.push(next);
                    return Some(cycle);
                }
                Some(false) => {}
            }
        }
    }
    None
}

pub(super) fn suppress(ctx: &mut Ctx, node: &Node) -> Option<HashSet<String>> {
    let Value::Seq(items) = &node.value else {
        ctx.error(
            node.pos,
            "`suppress` should be a list of addresses",
            "write each address on its own line starting `- `",
        );
        return None;
    };
    let mut out = HashSet::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match member(ctx, item, &format!("suppressed address {}", i + 1)) {
            Some(m) => {
                out.insert(m.key);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}
