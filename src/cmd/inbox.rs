//! `bulletin inbox`: reads bounces, complaints and unsubscribe requests from the reply mailbox
//! (IMAP, `mailbox:` in recipients.yaml) or from a folder of `.eml` files, and records who must
//! no longer be sent the bulletin in `suppressions.yaml` beside the recipients file.

use std::path::{Path, PathBuf};

use crate::date::Date;
use crate::inbox::evidence::Sent;
use crate::inbox::{Inbox, MAX_MESSAGE_BYTES, imap};
use crate::project::Project;
use crate::suppress::{self, Suppressions};
use anyhow::Context;

use super::{Failure, Stopped, load_recipients, report};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Read the `.eml` files in this folder (mail saved from any mail program) instead of the
    /// mailbox in the recipients file
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// The recipients file [default: recipients.yaml in the office's folder, found upwards from
    /// the current one]
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
    /// Show what would change, without changing the suppressions file or marking any message
    #[arg(long)]
    dry_run: bool,
    /// Suppress this address on a request or report that `inbox` listed for you to confirm (it
    /// showed no proof that it came from a bulletin sent to them); read nothing else
    #[arg(long, value_name = "ADDRESS", conflicts_with_all = ["dir", "dry_run"])]
    confirm: Vec<String>,
    /// Drop a request or report that `inbox` listed for you to confirm, without suppressing the
    /// address (it was not genuine); read nothing else
    #[arg(long, value_name = "ADDRESS", conflicts_with_all = ["dir", "dry_run", "confirm"])]
    dismiss: Vec<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let recipients = load_recipients(args.recipients.as_deref(), Stopped::NothingWritten)?;
    let store_path = suppress::path_for(&recipients.path);
    let store = Suppressions::load(&store_path).map_err(anyhow::Error::from)?;
    if !args.confirm.is_empty() {
        return confirm(store, &store_path, &args.confirm);
    }
    if !args.dismiss.is_empty() {
        return dismiss(store, &store_path, &args.dismiss);
    }
    let unsubscribe = unsubscribe_address()?;
    let mut warnings = Vec::new();
    let sent = Sent::load(&Project::from_current_dir().bulletins(), &mut warnings);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let mut inbox = Inbox::new(store, &recipients, unsubscribe, sent, Date::today());
    let mut session = None;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    let read = if let Some(dir) = &args.dir {
        read_dir(dir, &mut inbox)?
    } else {
        let imap_settings = recipients.mailbox.imap.as_ref().ok_or_else(|| {
            Failure::from(format!(
                "{} has no `mailbox:` with a `host:`: add one (see docs/inbox.md), or give --dir with a folder of saved .eml files",
                recipients.path.display()
            ))
        })?;
        let password =
            imap::password(imap_settings, &recipients.path).map_err(anyhow::Error::from)?;
        let mut read = 0;
        let result: Result<(), Failure> = runtime.block_on(async {
            let mut s = imap::Session::open(imap_settings, &password)
                .await
                .map_err(anyhow::Error::from)?;
            let messages = s.unprocessed().await.map_err(anyhow::Error::from)?;
            // In batches, each saved and then marked before the next is read: a run stopped
            // (or failed) half-way keeps what it read.
            for batch in batches(&messages) {
                let wanted: Vec<u32> = batch
                    .iter()
                    .filter(|(_, size)| *size <= MAX_MESSAGE_BYTES as u64)
                    .map(|(uid, _)| *uid)
                    .collect();
                let fetched = s.fetch(&wanted).await.map_err(anyhow::Error::from)?;
                let mut taken = Vec::with_capacity(batch.len());
                let mut fetched = fetched.into_iter().peekable();
                for (uid, size) in batch {
                    let what = format!("message {uid}");
                    read += 1;
                    match fetched.next_if(|f| f.uid == *uid) {
                        Some(f) if f.size <= MAX_MESSAGE_BYTES as u64 => {
                            inbox.take(&what, f.raw.as_deref().unwrap_or_default());
                            taken.push(*uid);
                        }
                        Some(f) => inbox.too_large(&what, f.size),
                        None => inbox.too_large(&what, *size),
                    }
                }
                if !args.dry_run {
                    inbox.store.save(&store_path).map_err(anyhow::Error::from)?;
                    s.mark(&taken).await.map_err(anyhow::Error::from)?;
                }
            }
            session = Some(s);
            Ok(())
        });
        if let Err(e) = result {
            // What was read before the failure is saved; say what it was.
            for line in &inbox.lines {
                println!("{}", crate::diagnostic::escape_controls(line));
            }
            return Err(e);
        }
        read
    };
    // The file first, before anything is printed (a closed terminal must not lose it).
    if !args.dry_run {
        inbox.store.save(&store_path).map_err(anyhow::Error::from)?;
    }
    // Each line quotes what a message said (an address, a subject): any invisible character
    // in it is shown as an escape.
    for line in &inbox.lines {
        println!("{}", crate::diagnostic::escape_controls(line));
    }
    let c = &inbox.counts;
    println!(
        "\n{read} message{} read: {} hard bounce{}, {} soft bounce{}, {} unsubscribe request{}, {} complaint{}, {} auto-repl{}, {} repl{} to read, {} other, {} not applied, {} counted before",
        super::plural(read),
        c.hard_bounces,
        super::plural(c.hard_bounces),
        c.soft_bounces,
        super::plural(c.soft_bounces),
        c.unsubscribes,
        super::plural(c.unsubscribes),
        c.complaints,
        super::plural(c.complaints),
        c.auto_replies,
        if c.auto_replies == 1 { "y" } else { "ies" },
        c.replies,
        if c.replies == 1 { "y" } else { "ies" },
        c.other,
        c.not_applied,
        c.already,
    );
    if c.to_confirm > 0 && args.dry_run {
        println!(
            "{} would wait for you to confirm (listed above)",
            c.to_confirm
        );
    } else if c.to_confirm > 0 {
        println!(
            "{} waiting for you to confirm (listed above, kept under `to_confirm:` in {}): run `bulletin inbox --confirm ADDRESS` for each that is genuine",
            c.to_confirm,
            store_path.display()
        );
    }
    if args.dry_run {
        println!(
            "dry run: would suppress {} address{}; {} not changed, no message marked",
            c.suppressed,
            if c.suppressed == 1 { "" } else { "es" },
            store_path.display()
        );
        if let Some(s) = session {
            runtime.block_on(s.logout());
        }
        return Ok(());
    }
    println!(
        "suppressed {} address{}: {}",
        c.suppressed,
        if c.suppressed == 1 { "" } else { "es" },
        store_path.display()
    );
    if let Some(s) = session {
        runtime.block_on(s.logout());
    }
    Ok(())
}

/// Messages to read at once: up to 500, or 8 MB, whichever comes first (and at least one).
/// A test build may make them smaller (`BULLETIN_IMAP_BATCH`).
fn batches(messages: &[(u32, u64)]) -> Vec<&[(u32, u64)]> {
    #[cfg(feature = "test-hooks")]
    let most = std::env::var("BULLETIN_IMAP_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    #[cfg(not(feature = "test-hooks"))]
    let most = 500;
    let mut out = Vec::new();
    let mut start = 0;
    while start < messages.len() {
        let mut end = start;
        let mut bytes = 0u64;
        while end < messages.len() && end - start < most {
            let size = messages[end].1.min(MAX_MESSAGE_BYTES as u64 + 1);
            if end > start && bytes + size > 8 * 1024 * 1024 {
                break;
            }
            bytes += size;
            end += 1;
        }
        out.push(&messages[start..end]);
        start = end;
    }
    out
}

/// `--confirm`: suppresses each address on what waits for confirmation; refuses (changing
/// nothing) an address with nothing waiting.
fn confirm(mut store: Suppressions, path: &Path, addresses: &[String]) -> Result<(), Failure> {
    let today = Date::today();
    let mut done = Vec::new();
    for a in addresses {
        let address = crate::inbox::normal(a);
        if store.confirm(&address, today) == 0 {
            return Err(Failure::from(format!(
                "nothing from {address} waits for confirmation in {}: nothing was changed (run `bulletin inbox` first; `bulletin unsuppress` lifts a suppression)",
                path.display()
            )));
        }
        done.push(address);
    }
    store.save(path).map_err(anyhow::Error::from)?;
    for address in done {
        println!(
            "suppressed {address} (confirmed): `bulletin send` no longer sends them the bulletin"
        );
    }
    Ok(())
}

/// `--dismiss`: drops what waits for confirmation from each address, suppressing nobody;
/// refuses (changing nothing) an address with nothing waiting.
fn dismiss(mut store: Suppressions, path: &Path, addresses: &[String]) -> Result<(), Failure> {
    let mut done = Vec::new();
    for a in addresses {
        let address = crate::inbox::normal(a);
        if store.dismiss(&address) == 0 {
            return Err(Failure::from(format!(
                "nothing from {address} waits for confirmation in {}: nothing was changed",
                path.display()
            )));
        }
        done.push(address);
    }
    store.save(path).map_err(anyhow::Error::from)?;
    for address in done {
        println!("dismissed what waited from {address}: they are still sent the bulletin");
    }
    Ok(())
}

/// The publisher's `mailto:` unsubscribe address, from `publisher.yaml` in the bulletins folder;
/// `None` (with a warning) when it has none.
fn unsubscribe_address() -> Result<Option<crate::inbox::classify::Mailto>, Failure> {
    let path = Project::from_current_dir()
        .bulletins()
        .join(crate::input::publisher::FILE);
    if !path.exists() {
        eprintln!(
            "warning: {} not found, so unsubscribe requests are not recognised",
            path.display()
        );
        return Ok(None);
    }
    match crate::input::publisher::load(&path) {
        Ok(p) => Ok(p
            .unsubscribe
            .mailto
            .as_deref()
            .and_then(crate::inbox::classify::Mailto::parse)),
        Err(d) => {
            report(&d, Stopped::NothingWritten);
            Err(Failure::Reported)
        }
    }
}

/// Takes every `.eml` file in `dir` and its sub-folders (mail saved into a folder a month, say),
/// in path order, says how many files it read from how many folders, and returns that number.
fn read_dir(dir: &Path, inbox: &mut Inbox) -> Result<usize, Failure> {
    let mut files = Vec::new();
    let folders = eml_files(dir, &mut files)?;
    files.sort();
    for f in &files {
        let what = crate::diagnostic::escape_controls(&f.display().to_string()).into_owned();
        match read_message(f).with_context(|| format!("cannot read {what}"))? {
            Read::Message(raw) => inbox.take(&what, &raw),
            Read::TooLarge(size) => inbox.too_large(&what, size),
            Read::NotAFile => inbox.not_a_file(&what),
        }
    }
    inbox.lines.push(format!(
        "read {} .eml file{} from {}{}",
        files.len(),
        super::plural(files.len()),
        dir.display(),
        match folders {
            0 => String::new(),
            1 => " and its 1 sub-folder".to_string(),
            n => format!(" and its {n} sub-folders"),
        }
    ));
    Ok(files.len())
}

/// What reading one `.eml` file gave.
enum Read {
    Message(Vec<u8>),
    /// More than [`MAX_MESSAGE_BYTES`]: at least this many bytes.
    TooLarge(u64),
    /// A FIFO, a device, a socket (or a link to one): never read, as it may never end.
    NotAFile,
}

/// Reads one message file: only a regular file (opened without waiting, so that a FIFO cannot
/// hang the run, and checked once open), and never more than [`MAX_MESSAGE_BYTES`] and one
/// byte of it, whatever size it claims.
fn read_message(path: &Path) -> std::io::Result<Read> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = match options.open(path) {
        Ok(f) => f,
        // A FIFO or a device that cannot be opened this way is no message either.
        Err(_) if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) => return Ok(Read::NotAFile),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(Read::NotAFile);
    }
    let limit = MAX_MESSAGE_BYTES as u64;
    if meta.len() > limit {
        return Ok(Read::TooLarge(meta.len()));
    }
    let mut raw = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut raw)?;
    if raw.len() as u64 > limit {
        return Ok(Read::TooLarge(raw.len() as u64));
    }
    Ok(Read::Message(raw))
}

/// Adds the `.eml` files under `dir` to `files`; the number of sub-folders looked in. A link to
/// a folder is not followed (it could lead back up).
fn eml_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<usize, Failure> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {} (--dir)", dir.display()))?;
    let mut folders = 0;
    for entry in entries {
        let entry =
            entry.with_context(|| format!("cannot read the folder {} (--dir)", dir.display()))?;
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            folders += 1 + eml_files(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("eml"))
        {
            files.push(path);
        }
    }
    Ok(folders)
}
