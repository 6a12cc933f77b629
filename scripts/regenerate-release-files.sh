#!/usr/bin/env bash
# Regenerates the files the release ships beside the binary (dist-workspace.toml `include`):
# the shell completions in completions/ (`bulletin completions SHELL`) and the manual pages in
# docs/man/ (`bulletin man FOLDER`). Both come from the command line's definition (src/cli.rs):
# run this after changing a command, an option or its help text, or the version;
# tests/suite/completions.rs fails until the committed files match.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/bulletin
mkdir -p completions
"$bin" completions bash > completions/bulletin.bash
"$bin" completions zsh > completions/_bulletin
"$bin" completions fish > completions/bulletin.fish
"$bin" completions powershell > completions/_bulletin.ps1
echo "wrote completions/bulletin.bash, _bulletin (zsh), bulletin.fish, _bulletin.ps1 (PowerShell)"
rm -f docs/man/*.1
"$bin" man docs/man
