//! The files the release ships beside the binary (dist-workspace.toml `include`): the shell
//! completions in `completions/` and the manual pages in `docs/man/`.
//!
//! - The committed files are exactly what `bulletin completions SHELL` prints and what
//!   `bulletin man FOLDER` writes. After changing a command, an option, a help text or the
//!   version, regenerate them with `bash scripts/regenerate-release-files.sh`.
//! - The completions work: real bash and fish, given the committed scripts, complete commands,
//!   options and their values; zsh reads its script without a syntax error. (PowerShell is not
//!   on this machine; its script comes from the same generator.)
//! - Every manual page renders with groff without a warning.
//!
//! Needs bash, zsh, fish and groff: `bash scripts/install-test-deps.sh`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Each shell's name for `bulletin completions`, and its file in `completions/`.
const SCRIPTS: [(&str, &str); 4] = [
    ("bash", "bulletin.bash"),
    ("zsh", "_bulletin"),
    ("fish", "bulletin.fish"),
    ("powershell", "_bulletin.ps1"),
];

const REGENERATE: &str = "run `bash scripts/regenerate-release-files.sh`";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bulletin(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bulletin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `program` with `args`, which must be installed (scripts/install-test-deps.sh).
fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program} ({e}): install it with `bash scripts/install-test-deps.sh`"
            )
        })
}

/// Every file in `dir`, by name.
fn files(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect()
}

#[test]
fn the_committed_completions_are_what_the_command_prints() {
    let committed = files(&root().join("completions"));
    let names: Vec<&str> = SCRIPTS.iter().map(|(_, file)| *file).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(committed.keys().collect::<Vec<_>>(), sorted, "{REGENERATE}");
    for (shell, file) in SCRIPTS {
        let printed = String::from_utf8(bulletin(&["completions", shell]).stdout).unwrap();
        assert!(
            printed.len() > 1000 && printed.contains("schema"),
            "{shell}: {printed}"
        );
        assert!(
            printed == committed[file],
            "completions/{file} is not what `bulletin completions {shell}` prints: {REGENERATE}"
        );
    }
}

#[test]
fn pwsh_is_another_name_for_powershell() {
    assert_eq!(
        bulletin(&["completions", "pwsh"]).stdout,
        bulletin(&["completions", "powershell"]).stdout
    );
}

#[test]
fn the_committed_manual_pages_are_what_the_command_writes() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("man1");
    let out = bulletin(&["man", folder.to_str().unwrap()]);
    let written = files(&folder);
    // One page for bulletin and one for each command in its help.
    let help = String::from_utf8(bulletin(&["--help"]).stdout).unwrap();
    let commands: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        // A long description wraps onto lines indented further.
        .filter(|l| !l.starts_with("   "))
        .map(|l| l.split_whitespace().next().unwrap())
        .filter(|c| *c != "help")
        .collect();
    assert!(
        commands.contains(&"send") && commands.contains(&"man"),
        "{commands:?}"
    );
    let mut expected: Vec<String> = commands.iter().map(|c| format!("bulletin-{c}.1")).collect();
    expected.push("bulletin.1".into());
    expected.sort();
    assert_eq!(written.keys().cloned().collect::<Vec<_>>(), expected);
    let said = String::from_utf8(out.stdout).unwrap();
    assert_eq!(said.lines().count(), expected.len(), "{said}");
    assert!(said.contains(&format!(
        "wrote {}",
        folder.join("bulletin-send.1").display()
    )));

    let committed = files(&root().join("docs/man"));
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        written.keys().collect::<Vec<_>>(),
        "docs/man/ does not have a page for each command: {REGENERATE}"
    );
    for (name, text) in &written {
        assert!(
            committed[name] == *text,
            "docs/man/{name} is not what `bulletin man` writes: {REGENERATE}"
        );
    }
}

#[test]
fn every_manual_page_renders_without_a_warning() {
    let mut pages: Vec<PathBuf> = fs::read_dir(root().join("docs/man"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    assert!(pages.len() > 5);
    for page in pages {
        let out = run(
            "groff",
            &["-man", "-Tutf8", "-ww", "-z", page.to_str().unwrap()],
        );
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The overview page lists every command's page, and a command's page its options.
    let text = |name: &str| {
        let out = run("groff", &["-man", "-Tutf8", &format!("docs/man/{name}")]);
        // groff marks bold and underlined text with backspaces: keep the letters.
        let raw = String::from_utf8(out.stdout).unwrap();
        let mut plain = String::new();
        for c in raw.chars() {
            if c == '\u{8}' {
                plain.pop();
            } else {
                plain.push(c);
            }
        }
        plain
    };
    let overview = text("bulletin.1");
    for command in [
        "bulletin-send(1)",
        "bulletin-completions(1)",
        "bulletin-man(1)",
    ] {
        assert!(overview.contains(command), "{command} in {overview}");
    }
    let send = text("bulletin-send.1");
    assert!(
        send.contains("--dry-run") && send.contains("--list <LIST>"),
        "{send}"
    );
}

/// What bash offers after `words` (the last one is the word being completed), with the
/// committed script loaded as bash-completion loads it.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let script = format!(
        "source completions/bulletin.bash\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         _bulletin bulletin \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let out = run("bash", &["--norc", "-c", &script]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut offered: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    offered.sort();
    offered
}

#[test]
fn bash_completes_commands_options_and_values() {
    assert_eq!(bash_completes(&["bulletin", "se"]), ["send"]);
    assert_eq!(bash_completes(&["bulletin", "c"]), ["check", "completions"]);
    assert_eq!(
        bash_completes(&["bulletin", "completions", "p"]),
        ["powershell"]
    );
    assert_eq!(
        bash_completes(&["bulletin", "schema", ""])
            .into_iter()
            .filter(|w| !w.starts_with('-'))
            .collect::<Vec<_>>(),
        ["bulletin", "publisher", "recipients"]
    );
    assert_eq!(
        bash_completes(&["bulletin", "send", "b.yaml", "--dry"]),
        ["--dry-run"]
    );
    assert_eq!(
        bash_completes(&["bulletin", "check", "b.yaml", "--format", ""]),
        ["human", "json"]
    );
}

/// What fish offers for the command line `line`, with the committed script loaded.
fn fish_completes(line: &str) -> Vec<String> {
    let script = format!("source completions/bulletin.fish; complete --do-complete '{line}'");
    let out = run("fish", &["--no-config", "-c", &script]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut offered: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    offered.sort();
    offered
}

#[test]
fn fish_completes_commands_options_and_values() {
    assert_eq!(fish_completes("bulletin se"), ["send"]);
    assert_eq!(fish_completes("bulletin c"), ["check", "completions"]);
    assert_eq!(fish_completes("bulletin send b.yaml --dry"), ["--dry-run"]);
    assert_eq!(
        fish_completes("bulletin check b.yaml --format "),
        ["human", "json"]
    );
}

#[test]
fn zsh_reads_its_script() {
    let out = run("zsh", &["-n", "completions/_bulletin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Found in fpath by its `#compdef` line, as ~/.zfunc is, and loads as a function.
    let out = run(
        "zsh",
        &[
            "-f",
            "-c",
            "fpath=(completions $fpath); autoload -U compinit; compinit -u -D; \
             print -r -- $_comps[bulletin]; autoload +X _bulletin && whence -w _bulletin",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "_bulletin\n_bulletin: function\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
