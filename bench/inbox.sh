#!/usr/bin/env bash
# Inbox benchmark: messages a second that `bulletin inbox` reads from a local Dovecot, beside
# Python's imaplib doing the same IMAP work on the same mailbox (see bench/inbox.py).
#
#   bash bench/inbox.sh               # N=3000 RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
}
cargo build --release --locked --quiet
python3 bench/inbox.py target/release/bulletin
