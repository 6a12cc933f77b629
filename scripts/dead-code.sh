#!/usr/bin/env bash
# Finds dead code that the compiler cannot see in the normal build: the library's items are
# `pub` because the binary uses them, so an item that neither the binary nor the library uses
# draws no warning. This copies the crate aside, makes every module crate-private and compiles
# the commands into the library, so `cargo check` warns about whatever nothing reaches.
# Items used only by benches/ or tests/ show up too; they are listed in ALLOWED below.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git ls-files src Cargo.toml Cargo.lock benches | xargs -I{} cp --parents {} "$work/"
python3 - "$work" <<'PY'
import glob, re, sys
root = sys.argv[1]
lib = open(f"{root}/src/lib.rs").read()
lib = re.sub(r"^pub mod (\w+);", r"pub(crate) mod \1;", lib, flags=re.M)
lib += "\nmod cli;\nmod cmd;\npub fn entry() -> bool {\n    let cli = <cli::Cli as clap::Parser>::parse();\n    matches!(cmd::run(cli.command), Err(cmd::Failure::Error(e)) if !crate::report::error(&e).is_empty())\n}\n"
open(f"{root}/src/lib.rs", "w").write(lib)
for f in glob.glob(f"{root}/src/cmd/*.rs") + [f"{root}/src/cli.rs"]:
    text = open(f).read().replace("bulletin::", "crate::")
    open(f, "w").write(text)
open(f"{root}/src/main.rs", "w").write("fn main() {\n    bulletin::entry();\n}\n")
PY
# Used only by the benchmarks: Template::body_len sizes their buffer.
ALLOWED='method `body_len` is never used'
# In the project's own target folder, so the dependencies clippy has just checked are reused (the
# copy is another package, at another path: nothing of the real crate's is overwritten).
out=$(cd "$work" && CARGO_TARGET_DIR="$OLDPWD/target" cargo check --lib --features test-hooks --quiet 2>&1 || true)
if grep -q '^error' <<<"$out"; then
  echo "the rearranged copy does not compile: scripts/dead-code.sh needs updating"
  grep -A8 '^error' <<<"$out" | head -40
  exit 1
fi
found=$(grep -E '^warning: .* never (read|used|constructed)' <<<"$out" | grep -vF "$ALLOWED" || true)
if [ -n "$found" ]; then
  echo "dead code (nothing in the library or the binary uses it):"
  grep -E -A3 '^warning: .* never (read|used|constructed)' <<<"$out" | grep -vF "$ALLOWED"
  exit 1
fi
echo "no dead code"
