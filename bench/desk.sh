#!/usr/bin/env bash
# Desk benchmark: how soon `bulletin desk` is usable after it starts, how soon a keystroke in a
# section's text shows in the preview (in headless Chromium, through playwright-core from
# tests/browser), and how much memory the desk holds with the example open. 127.0.0.1 only.
#
#   bash bench/desk.sh                 # the release build, 30 keystrokes
#   BIN=target/debug/bulletin N=20 bash bench/desk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-30}
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --quiet
  BIN=$PWD/target/release/bulletin
fi
BIN=$(realpath "$BIN")
[ -d tests/browser/node_modules/playwright-core ] || bash scripts/install-test-deps.sh
work=$(mktemp -d)
desk_pid=""
cleanup() {
  [ -n "$desk_pid" ] && kill "$desk_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/bulletins"
cp bulletins/2021-10-20.yaml bulletins/publisher.yaml "$work/bulletins/"
start=$(date +%s%N)
(cd "$work" && exec "$BIN" desk --port 0 --no-open >"$work/out" 2>"$work/err") &
desk_pid=$!
until [ -s "$work/out" ]; do sleep 0.005; done
url=$(head -1 "$work/out")
printed=$(( ($(date +%s%N) - start) / 1000000 ))
node bench/desk.mjs --url "$url" --pid "$desk_pid" --n "$N" --started "$start" --printed "$printed"
