#!/usr/bin/env bash
# Runs the whole test suite: installs the test dependencies (headless Chromium, an SMTP server)
# if they are missing, builds everything (benchmarks included, so they cannot rot) and runs
# every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
cargo build --all-targets --locked --features test-hooks
bash -n bench/send.sh
cargo test --locked --all-targets --features test-hooks
