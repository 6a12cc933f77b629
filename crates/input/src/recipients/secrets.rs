//! Where the relay's and the mailbox's passwords come from (the environment variables and
//! `secret_command`), and the rule that none is ever written in `recipients.yaml`.

use crate::diagnostic::{Diagnostic, Pos};
use crate::schema::Ctx;
use crate::yaml::{Node, Value};

const SECRET_KEYS: &[&str] = &[
    "password",
    "pass",
    "passwd",
    "secret",
    "token",
    "access_token",
    "api_key",
];

/// The environment variable holding the SMTP password.
pub const PASSWORD_ENV: &str = "BULLETIN_SMTP_PASSWORD";
/// The environment variable holding the OAuth2 access token (XOAUTH2).
pub const TOKEN_ENV: &str = "BULLETIN_SMTP_TOKEN";
/// The environment variable holding the reply mailbox's (IMAP) password.
pub const IMAP_PASSWORD_ENV: &str = "BULLETIN_IMAP_PASSWORD";

/// `secret_command`: what prints the password or token, and where the file says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretCommand {
    pub run: CommandLine,
    pub pos: Pos,
}

/// The two ways `secret_command` can be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandLine {
    /// `[program, argument, ...]`: the program is run directly, with exactly these arguments
    /// (no shell reads them), on every system.
    Program(String, Vec<String>),
    /// One line for the shell, run as `sh -c LINE`: not on Windows, which has no `sh`.
    Shell(String),
}

/// Whether this system has the `sh` that the one-line form of `secret_command` needs.
pub(crate) const HAS_SHELL: bool = cfg!(not(windows));

pub(super) fn find_secrets(ctx: &mut Ctx, node: &Node) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                if let Some(name) = k
                    .as_str()
                    .filter(|n| SECRET_KEYS.contains(&n.to_lowercase().as_str()))
                {
                    ctx.diags.push(
                        Diagnostic::error(ctx.path, k.pos, format!("`{name}` must not be written in this file"))
                            .with_help(format!("remove the line; keep the password in this computer's own store with `bulletin login`, or give it in the environment variable {PASSWORD_ENV} (or {TOKEN_ENV} for OAuth2), or with `secret_command:`"))
                            .on_secret_line(),
                    );
                }
                find_secrets(ctx, v);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| find_secrets(ctx, i)),
        Value::Scalar(..) => {}
    }
}

/// `secret_command`, as a list (a program and its arguments) or, where there is a shell
/// (`has_shell`), as one line for it.
pub(super) fn secret_command(
    ctx: &mut Ctx,
    node: &Node,
    has_shell: bool,
) -> Option<Box<SecretCommand>> {
    const EXAMPLE: &str =
        "secret_command: [az, account, get-access-token, --query, accessToken, -o, tsv]";
    let run = match &node.value {
        Value::Seq(items) => {
            let mut words = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let what = format!("item {} of `secret_command`", i + 1);
                // Taken as written: a quoted argument keeps its spaces, and nothing is expanded.
                let word = match item.as_str() {
                    Some(s) if !item.is_null() => s,
                    _ => {
                        ctx.error(
                            item.pos,
                            format!("{what} should be text, but this is {}", item.kind()),
                            format!("write the program, then each argument, as text: `{EXAMPLE}`"),
                        );
                        return None;
                    }
                };
                if word.contains(|c: char| c.is_control()) {
                    ctx.error(
                        item.pos,
                        format!("{what} must be on one line"),
                        "remove the line break (and any `|` or `>` before the text)",
                    );
                    return None;
                }
                words.push(word.to_string());
            }
            let mut words = words.into_iter();
            match words.next() {
                Some(program) if !program.trim().is_empty() => {
                    CommandLine::Program(program, words.collect())
                }
                _ => {
                    ctx.error(
                        node.pos,
                        "`secret_command` names no program",
                        format!("write the program first, then each argument: `{EXAMPLE}`"),
                    );
                    return None;
                }
            }
        }
        Value::Scalar(..) => {
            let line = ctx.value_line(node, "`secret_command`")?;
            if line.is_empty() {
                ctx.error(
                    node.pos,
                    "`secret_command` names no program",
                    format!("write the program first, then each argument: `{EXAMPLE}`"),
                );
                return None;
            }
            if !has_shell {
                ctx.error(
                    node.pos,
                    "`secret_command` is written as one line for a shell, and Windows has no `sh` to run it",
                    format!("write it as a list, the program first and then each argument, e.g. `{EXAMPLE}`"),
                );
                return None;
            }
            CommandLine::Shell(line)
        }
        Value::Map(_) => {
            ctx.error(
                node.pos,
                "`secret_command` should be a program and its arguments, but this is a set of keys",
                format!("write it as a list: `{EXAMPLE}`"),
            );
            return None;
        }
    };
    Some(Box::new(SecretCommand { run, pos: node.pos }))
}
