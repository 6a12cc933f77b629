//! The SMTP server the tests send to: Python's aiosmtpd (tests/smtp/server.py, installed by
//! scripts/install-test-deps.sh) on 127.0.0.1, writing each message it takes (its own time,
//! envelope and data) as a JSON line; stopped when dropped.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub struct Server {
    child: Child,
    pub port: u16,
    out: PathBuf,
}

/// One message as the server received it.
#[derive(Debug)]
pub struct Received {
    /// The server's clock when it took the message, in seconds.
    pub t: f64,
    /// The envelope's recipients, lower case.
    pub to: Vec<String>,
    pub data: String,
}

impl Server {
    /// Starts a server in `dir` with server.py's options `args` (`--reject ADDRESS`, ...).
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        Server::start_script(dir, "server.py", args)
    }

    /// Starts `script` (in tests/smtp/, e.g. `cut.py`, the relay that misbehaves at the socket)
    /// in `dir` with its options `args`; it writes what it takes as server.py does.
    pub fn start_script(dir: &Path, script: &str, args: &[&str]) -> Server {
        // A name of its own, so that several servers may share a folder.
        let out = dir.join(format!(
            "received-{}.jsonl",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let mut child = Command::new("python3")
            .arg(Path::new(ROOT).join("tests/smtp").join(script))
            .arg("--out")
            .arg(&out)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (run scripts/install-test-deps.sh)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("server did not start: {line:?}"))
            .parse()
            .unwrap();
        Server { child, port, out }
    }

    /// Every message taken so far, in the order taken.
    pub fn messages(&self) -> Vec<Received> {
        let Ok(text) = std::fs::read_to_string(&self.out) else {
            return Vec::new();
        };
        text.lines()
            .filter(|l| l.ends_with('}'))
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                Received {
                    t: v["t"].as_f64().unwrap(),
                    to: v["to"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_str().unwrap().to_lowercase())
                        .collect(),
                    data: v["data"].as_str().unwrap().to_string(),
                }
            })
            .collect()
    }

    /// How many messages each address received.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut c = HashMap::new();
        for m in self.messages() {
            for t in m.to {
                *c.entry(t).or_insert(0) += 1;
            }
        }
        c
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
