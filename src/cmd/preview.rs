//! `bulletin preview`: start the preview server and, if asked, open the browser on it.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin, e.g. bulletins/2021-10-20.yaml
    bulletin: PathBuf,
    /// The port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Listen on this address instead of 127.0.0.1 (others on the network could then see it)
    #[arg(long, value_name = "ADDRESS")]
    bind: Option<IpAddr>,
    /// Open the preview in the system's web browser
    #[arg(long)]
    open: bool,
    /// Show the email as this person receives it: their sections, and their details from the
    /// office's spreadsheet in the merge fields ({{first_name}})
    #[arg(long = "as", value_name = "ADDRESS")]
    reader: Option<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let Args {
        bulletin,
        port,
        bind,
        open,
        reader,
    } = args;
    if !bulletin.exists() {
        return Err(format!("{} does not exist", bulletin.display()).into());
    }
    let query = match &reader {
        Some(address) => {
            check_reader(&bulletin, address)?;
            format!("?as={}", crate::preview::urlencoding(address))
        }
        None => String::new(),
    };
    let ip = bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if !ip.is_loopback() {
        eprintln!("note: listening on {ip}: anyone who can reach this machine can see the preview");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let result = runtime.block_on(crate::preview::serve(
        bulletin.clone(),
        SocketAddr::new(ip, port),
        |addr| {
            let url = format!("http://{addr}/{query}");
            println!("preview: {url}");
            println!(
                "watching {} and publisher.yaml; press Ctrl-C to stop",
                bulletin.display()
            );
            let _ = std::io::stdout().flush();
            if open {
                open_browser(&url);
            }
        },
    ));
    result.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => Failure::from(format!(
            "port {port} is in use: choose another with --port (or --port 0 for any free one)"
        )),
        _ => Failure::from(format!("the preview server stopped: {e}")),
    })?;
    let _ = writeln!(std::io::stdout(), "preview stopped");
    Ok(())
}

/// `--as ADDRESS` must be an address; one that is not in the office's spreadsheet of people is
/// shown with the merge fields' fallbacks, which is said.
fn check_reader(bulletin: &std::path::Path, address: &str) -> Result<(), Failure> {
    let Ok(mailbox) = address.parse::<lettre::message::Mailbox>() else {
        return Err(crate::report::Refusal::new(
            format!("--as {address}: not an email address"),
            "give the address of someone on the office's lists, e.g. --as pat@example.org",
        )
        .into());
    };
    let people = crate::preview::office_recipients(bulletin)
        .and_then(|path| crate::input::recipients::load(&path).ok())
        .and_then(|(r, _)| r.people);
    if let Some(people) = people {
        let key = crate::input::recipients::key(&mailbox);
        if !people.people.iter().any(|p| p.key == key) {
            eprintln!(
                "note: {address} is not in the office's spreadsheet of people: the merge fields show their fallbacks"
            );
        }
    }
    Ok(())
}

/// Opens the page with the system's own way of opening a link (`ShellExecute` on Windows,
/// `open` on macOS, `xdg-open` elsewhere), through the `opener` crate; `$BROWSER` overrides it.
fn open_browser(url: &str) {
    if opener::open_browser(url).is_err() {
        eprintln!("note: could not open a browser; open {url} yourself");
    }
}
