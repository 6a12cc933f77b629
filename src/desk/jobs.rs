//! The desk's sends and archiving run the `bulletin` program itself (`bulletin send ... --yes`,
//! `bulletin archive ...`) in the office's folder, so that the desk sends exactly as the command
//! does: the same journal, the same resuming after a stop, the same refusals. Each run is a job
//! whose output lines the page reads as they come (the send's progress, then its summary).
//! One job runs at a time.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// Set in the environment of the runs the desk starts: `send` then prints its progress line
/// every second rather than every five.
pub const DESK_RUN: &str = "BULLETIN_DESK_RUN";

/// One run of the program: its output so far and, once it has ended, its exit code.
#[derive(Default)]
pub struct Job {
    lines: Mutex<Vec<String>>,
    ended: Mutex<Option<i32>>,
}

/// What the page is told about a job.
#[derive(Serialize)]
pub struct JobView {
    pub lines: Vec<String>,
    pub done: bool,
    pub code: Option<i32>,
}

pub struct Jobs {
    program: PathBuf,
    jobs: Mutex<HashMap<u64, Arc<Job>>>,
}

impl Jobs {
    pub fn new(program: PathBuf) -> Jobs {
        Jobs {
            program,
            jobs: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a job is still running.
    pub fn busy(&self) -> bool {
        self.jobs
            .lock()
            .unwrap()
            .values()
            .any(|j| j.ended.lock().unwrap().is_none())
    }

    /// Starts `bulletin ARGS` in `dir`; its number.
    pub fn start(&self, dir: &Path, args: &[String]) -> std::io::Result<u64> {
        let mut child = Command::new(&self.program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("NO_COLOR", "1")
            .env(DESK_RUN, "1")
            .spawn()?;
        let job = Arc::new(Job::default());
        let mut readers = Vec::new();
        let out = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
        let err = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
        for stream in [out, err].into_iter().flatten() {
            let job = job.clone();
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    job.lines.lock().unwrap().push(line);
                }
            }));
        }
        let waiting = job.clone();
        std::thread::spawn(move || {
            let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(-1);
            for r in readers {
                let _ = r.join();
            }
            *waiting.ended.lock().unwrap() = Some(code);
        });
        let mut jobs = self.jobs.lock().unwrap();
        let id = jobs.len() as u64 + 1;
        jobs.insert(id, job);
        Ok(id)
    }

    /// Job `id`'s output from line `from` on.
    pub fn view(&self, id: u64, from: usize) -> Option<JobView> {
        let job = self.jobs.lock().unwrap().get(&id)?.clone();
        // The end first: a job that has ended has all its lines.
        let code = *job.ended.lock().unwrap();
        let lines = job.lines.lock().unwrap();
        Some(JobView {
            lines: lines.iter().skip(from).cloned().collect(),
            done: code.is_some(),
            code,
        })
    }
}
