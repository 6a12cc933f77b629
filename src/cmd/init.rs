//! `bulletin init [FOLDER]`: start a new office's folder (see [`crate::office`]). Each answer
//! can be given as an option; at a terminal, the ones not given are asked for, and without one
//! the name and the sending address must be given.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::date::Date;
use crate::office::{self, DEFAULT_COLOUR, Relay, Settings};

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The office's folder, made if need be [default: the current folder]
    #[arg(value_name = "FOLDER")]
    folder: Option<PathBuf>,
    /// The office's short name, shown as the sender, such as "Essex LMCs"
    #[arg(long)]
    name: Option<String>,
    /// The address the bulletin is sent from, such as bulletin@example.org
    #[arg(long, value_name = "ADDRESS")]
    from: Option<String>,
    /// Where replies go, if not to --from
    #[arg(long, value_name = "ADDRESS")]
    reply_to: Option<String>,
    /// The colour of the header and headings, # and six hex digits [default: #005EB8]
    #[arg(long, value_name = "#RRGGBB")]
    colour: Option<String>,
    /// How messages leave this computer [default: nhsmail]
    #[arg(long, value_enum)]
    relay: Option<RelayKind>,
    /// The relay's name, for --relay other, such as smtp.example.org
    #[arg(long)]
    host: Option<String>,
    /// The relay's port, for --relay other [default: 587]
    #[arg(long)]
    port: Option<u16>,
    /// The first issue's date, YYYY-MM-DD [default: today]
    #[arg(long)]
    date: Option<String>,
    /// The office's logo, a PNG, JPEG or GIF image: copied into the bulletins folder, shown at
    /// the top of each email once the archive is published (`archive_url`)
    #[arg(long, value_name = "FILE")]
    logo: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RelayKind {
    /// NHSmail (send.nhs.net), with an OAuth2 token
    Nhsmail,
    /// Microsoft 365 (smtp.office365.com), with an OAuth2 token
    Microsoft365,
    /// Another relay: give --host (and --port)
    Other,
    /// This computer's own mail system (sendmail)
    Sendmail,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let folder = args.folder.clone().unwrap_or_else(|| PathBuf::from("."));
    let found = office::existing(&folder);
    if !found.is_empty() {
        return Err(anyhow::Error::from(office::Error::Exists { folder, found }).into());
    }
    // The logo is checked before anything is written: a file that is not an image stops here.
    let logo = args.logo.clone();
    if let Some(file) = &logo {
        crate::input::publisher::logo_size(file).map_err(|(message, help)| {
            crate::report::Refusal::new(format!("--logo: {message}"), help)
        })?;
    }
    let mut ask = Ask::new();
    let mut settings = settings(args, &mut ask)?;
    settings.logo = logo.as_deref().map(crate::input::publisher::logo_file_name);
    let files = settings.files().map_err(anyhow::Error::from)?;
    office::write(&folder, &files).map_err(anyhow::Error::from)?;
    if let (Some(from), Some(name)) = (&logo, &settings.logo) {
        let to = folder.join("bulletins").join(name);
        std::fs::copy(from, &to).map_err(|e| {
            format!(
                "cannot copy the logo {} to {}: {e}",
                from.display(),
                to.display()
            )
        })?;
    }
    let shown = |rel: &std::path::Path| folder.join(rel).display().to_string();
    println!(
        "started the office {} in {}:",
        settings.name.trim(),
        folder.display()
    );
    for (rel, what) in [
        (
            "bulletins/publisher.yaml",
            "who sends the bulletin, its footer and colour",
        ),
        (
            "recipients.yaml",
            "the relay and the mailing lists (personal data: kept out of git)",
        ),
    ] {
        println!("  {:<28} {what}", shown(rel.as_ref()));
    }
    let issue = PathBuf::from("bulletins").join(format!("{}.yaml", settings.date));
    println!(
        "  {:<28} the first issue, with [[placeholders]] to fill in",
        shown(&issue)
    );
    if let Some(name) = &settings.logo {
        let logo = PathBuf::from("bulletins").join(name);
        println!(
            "  {:<28} the logo, shown once `archive_url` is set in publisher.yaml",
            shown(&logo)
        );
    }
    println!("  {:<28} what git leaves out", shown(".gitignore".as_ref()));
    println!(
        "  {:<28} for an editor's help (docs/editor.md)",
        shown("schemas".as_ref())
    );
    if settings.relay != Relay::Sendmail {
        println!("next: store the relay's password or token with: bulletin login");
    }
    let inside = if folder == std::path::Path::new(".") {
        String::new()
    } else {
        format!("cd {}, then ", crate::project::typed(&folder))
    };
    println!(
        "next: {inside}replace the [[placeholders]] and run: bulletin check {}",
        crate::project::typed(&issue)
    );
    Ok(())
}

/// The answers: each option given, else asked at a terminal, else its default (the name and
/// the sending address have none).
fn settings(args: Args, ask: &mut Ask) -> Result<Settings, Failure> {
    let name = match args.name {
        Some(n) => n,
        None => ask.required(
            "The office's short name, shown as the sender (such as Essex LMCs)",
            "--name NAME",
        )?,
    };
    let from = match args.from {
        Some(f) => f,
        None => ask.checked(
            "The address the bulletin is sent from",
            "--from ADDRESS",
            address,
        )?,
    };
    let reply_to = match args.reply_to {
        Some(r) => Some(r),
        None => ask.optional_checked(
            "Where replies go, if not to that address (Enter: the same)",
            address,
        )?,
    };
    let colour = match args.colour {
        Some(c) => c,
        None => ask
            .optional_checked(
                &format!(
                    "The colour of the header, # and six hex digits (Enter: {DEFAULT_COLOUR})"
                ),
                colour,
            )?
            .unwrap_or_else(|| DEFAULT_COLOUR.to_string()),
    };
    let kind = match args.relay {
        Some(k) => k,
        None => ask.relay()?,
    };
    let relay = match kind {
        RelayKind::Nhsmail => Relay::NhsMail,
        RelayKind::Microsoft365 => Relay::Microsoft365,
        RelayKind::Sendmail => Relay::Sendmail,
        RelayKind::Other => {
            let host = match args.host {
                Some(h) => h,
                None => ask.required(
                    "The relay's name, from IT (such as smtp.example.org)",
                    "--host HOST",
                )?,
            };
            let port = match args.port {
                Some(p) => p,
                None => match ask.optional("The relay's port (Enter: 587)")? {
                    Some(p) => p
                        .parse()
                        .map_err(|_| format!("the port `{p}` is not a number from 1 to 65535"))?,
                    None => 587,
                },
            };
            Relay::Other { host, port }
        }
    };
    let date = match &args.date {
        Some(d) => Date::parse(d).map_err(|e| format!("--date: {e}"))?,
        None => crate::calendar::today(),
    };
    Ok(Settings {
        name,
        from,
        reply_to,
        colour,
        relay,
        date,
        logo: None,
    })
}

/// An address as `check` reads one.
fn address(text: &str) -> Result<(), String> {
    crate::address::parse_mailbox(text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A colour `check` accepts.
fn colour(text: &str) -> Result<(), String> {
    office::check_colour(text).map_err(|e| e.to_string())
}

/// Questions at a terminal; without one, nothing is asked.
struct Ask {
    terminal: bool,
}

impl Ask {
    fn new() -> Ask {
        Ask {
            terminal: std::io::stdin().is_terminal(),
        }
    }

    /// One line typed after `question`, `None` when only Enter was pressed.
    fn line(&self, question: &str) -> Result<Option<String>, Failure> {
        let mut err = std::io::stderr();
        let _ = write!(err, "{question}: ");
        let _ = err.flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        let line = line.trim();
        Ok((!line.is_empty()).then(|| line.to_string()))
    }

    fn required(&mut self, question: &str, option: &str) -> Result<String, Failure> {
        self.checked(question, option, |_| Ok(()))
    }

    /// An answer that `check` accepts: asked again, with why, until it is.
    fn checked(
        &mut self,
        question: &str,
        option: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Result<String, Failure> {
        if !self.terminal {
            return Err(format!("give {option}: there is no terminal to ask it at").into());
        }
        loop {
            if let Some(answer) = self.optional_checked(question, check)? {
                return Ok(answer);
            }
        }
    }

    fn optional(&mut self, question: &str) -> Result<Option<String>, Failure> {
        self.optional_checked(question, |_| Ok(()))
    }

    /// An answer, or Enter for none; a wrong one is asked again, with why.
    fn optional_checked(
        &mut self,
        question: &str,
        check: fn(&str) -> Result<(), String>,
    ) -> Result<Option<String>, Failure> {
        if !self.terminal {
            return Ok(None);
        }
        loop {
            let answer = self.line(question)?;
            match answer.as_deref().map(check) {
                Some(Err(why)) => eprintln!("  {why}"),
                _ => return Ok(answer),
            }
        }
    }

    fn relay(&mut self) -> Result<RelayKind, Failure> {
        const CHOICES: [(&str, RelayKind); 4] = [
            ("NHSmail", RelayKind::Nhsmail),
            ("Microsoft 365", RelayKind::Microsoft365),
            ("another relay (IT gives its name)", RelayKind::Other),
            (
                "this computer's own mail system (sendmail)",
                RelayKind::Sendmail,
            ),
        ];
        if !self.terminal {
            return Ok(RelayKind::Nhsmail);
        }
        for (i, (what, _)) in CHOICES.iter().enumerate() {
            eprintln!("  {}. {what}", i + 1);
        }
        loop {
            match self.line("How the bulletin is sent, 1 to 4 (Enter: 1, NHSmail)")? {
                None => return Ok(RelayKind::Nhsmail),
                Some(n) => {
                    if let Some((_, kind)) = n
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| CHOICES.get(n.wrapping_sub(1)))
                    {
                        return Ok(*kind);
                    }
                }
            }
        }
    }
}
