#!/usr/bin/env bash
# Writes every whole-output snapshot again from what the program now produces: the commands'
# output (tests/cmd/*.stdout, *.stderr, via trycmd) and the rendered emails
# (tests/snapshots/render/, via tests/suite/render.rs) and what `bulletin import` makes of Word
# documents (tests/import/, via tests/suite/import.rs). Read `git diff` afterwards: each changed
# line is a change a reader or a user will see.
set -euo pipefail
cd "$(dirname "$0")/.."
TRYCMD=overwrite cargo test --locked --features test-hooks --test suite -- cli::
SNAPSHOTS=overwrite cargo test --locked --features test-hooks --test suite -- render:: import::
git status --short tests/cmd tests/snapshots tests/import
