//! `bulletin desk`: start the desk (a web app on 127.0.0.1 for writing, checking and sending the
//! bulletin in the browser) in the office's folder and open the browser on it.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::project::Project;

use super::Failure;

#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// The port to listen on [default: 8700, or any free port if it is taken]
    #[arg(long)]
    port: Option<u16>,
    /// Do not open the browser (the address is printed either way)
    #[arg(long)]
    no_open: bool,
}

/// The port tried first when none is given.
const DEFAULT_PORT: u16 = 8700;

pub fn run(args: Args) -> Result<(), Failure> {
    let bulletins = Project::from_current_dir().bulletins();
    let office = std::fs::canonicalize(&bulletins)
        .ok()
        .and_then(|b| b.parent().map(|p| p.to_path_buf()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let port = args.port.unwrap_or(DEFAULT_PORT);
    let open = !args.no_open;
    let program = std::env::current_exe()
        .map_err(|e| format!("cannot find the bulletin program itself: {e}"))?;
    let token = crate::desk::random_token().map_err(|e| format!("cannot start: {e}"))?;
    let announce = move |url: String| {
        println!("{url}");
        println!("the desk is open at that address; press Ctrl-C to stop it");
        let _ = std::io::stdout().flush();
        if open && opener::open_browser(&url).is_err() {
            eprintln!("note: could not open a browser; open the address above yourself");
        }
    };
    // No office here: the first-run page sets one up, then the desk opens it at the same
    // address, so the page in the browser carries on.
    // Told once, by whichever server binds first.
    let announce = std::cell::RefCell::new(Some(announce));
    let tell = |url: String| {
        if let Some(announce) = announce.borrow_mut().take() {
            announce(url);
        }
    };
    let (office, port) = match office {
        Some(office) => (office, port),
        None => {
            let start = |port: u16| {
                runtime.block_on(crate::desk::setup::serve(
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                    program.clone(),
                    token.clone(),
                    tell,
                ))
            };
            let Some((office, bound)) = start_on(port, args.port.is_none(), start)? else {
                let _ = writeln!(std::io::stdout(), "desk stopped");
                return Ok(());
            };
            println!("set up the office in {}", office.display());
            (office, bound.port())
        }
    };
    let start = |port: u16| {
        runtime.block_on(crate::desk::serve(
            office.clone(),
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            program.clone(),
            token.clone(),
            tell,
        ))
    };
    start_on(port, args.port.is_none(), start)?;
    let _ = writeln!(std::io::stdout(), "desk stopped");
    Ok(())
}

/// Runs `start` on `port`, or on any free port when that one is taken and `any` allows it.
fn start_on<T>(
    port: u16,
    any: bool,
    mut start: impl FnMut(u16) -> std::io::Result<T>,
) -> Result<T, Failure> {
    let result = match start(port) {
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && any => start(0),
        other => other,
    };
    result.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => Failure::from(format!(
            "port {port} is in use: choose another with --port (or --port 0 for any free one)"
        )),
        _ => Failure::from(format!("the desk stopped: {e}")),
    })
}
