#!/usr/bin/env bash
# Checks on Linux that the code builds for the office's other systems:
#   - Windows: `cargo check --all-targets` for x86_64-pc-windows-gnu (ring's C is compiled by
#     Debian's mingw, installed if missing), with and without the test-hooks feature.
#   - macOS: the resolved dependency tree for aarch64-apple-darwin and x86_64-apple-darwin must
#     hold notify's macOS file watcher backend (FSEvents, or kqueue), then
#     `cargo check --all-targets` for aarch64-apple-darwin.
# Why the macOS check needs one setting: a plain `cargo check --target aarch64-apple-darwin`
# stops in ring's build script, which compiles ring's C and assembly with an Apple C compiler and
# SDK ("cc: error: unrecognized command-line option '-arch'"); this machine has neither. ring's
# Rust code uses nothing that build script generates, and `cargo check` links nothing, so the
# script overrides that build script for the check (cargo's `links` override, as cross builds do
# for a prebuilt C library). Everything else, our code and notify's macOS code included, is
# compiled and type-checked for macOS. What it cannot catch: ring's C failing to build on macOS,
# and linking; the release workflow's macOS build does both.
# The dependency tree check needs no extra target; if a Rust target cannot be installed, its
# compile check is skipped with one loud line and the script goes on. It exits non-zero if any
# check that ran failed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cross-deps.sh

failed=()
step() { echo "-- cross-check: $*"; }

windows=x86_64-pc-windows-gnu
if ! need_target "$windows"; then
  cross_skip "Windows target $windows not installed: the Windows cargo check is skipped"
elif ! need_debian x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64; then
  cross_skip "mingw (gcc-mingw-w64-x86-64) not installed: the Windows cargo check is skipped"
else
  step "cargo check --all-targets --target $windows"
  cargo check --all-targets --locked --target "$windows" || failed+=("Windows check")
  step "cargo check --all-targets --features test-hooks --target $windows"
  cargo check --all-targets --locked --features test-hooks --target "$windows" || failed+=("Windows check (test-hooks)")
fi

for mac in aarch64-apple-darwin x86_64-apple-darwin; do
  step "notify's macOS watcher backend is in the dependency tree for $mac"
  tree=$(cargo tree --locked --target "$mac" -e normal,features -p notify --depth 1 --prefix none)
  if grep -qE '^(objc2-core-services feature "FSEvents"|fsevent-sys|kqueue)( |$)' <<<"$tree"; then
    echo "found: $(grep -m1 -E '^(objc2-core-services feature "FSEvents"|fsevent-sys|kqueue)( |$)' <<<"$tree")"
  else
    echo "notify has no macOS backend (FSEvents or kqueue) for $mac: see notify's features in Cargo.toml. Its dependencies there:"
    echo "$tree"
    failed+=("macOS watcher backend ($mac)")
  fi
done

mac=aarch64-apple-darwin
if ! need_target "$mac"; then
  cross_skip "macOS target $mac not installed: the macOS cargo check is skipped (the dependency tree was checked)"
else
  # ring's `links` name (ring_core_<version>_) from the locked dependency graph.
  ring_links=$(cargo metadata --locked --format-version 1 --filter-platform "$mac" \
    | python3 -c 'import json, sys; print(" ".join(p["links"] for p in json.load(sys.stdin)["packages"] if p["name"] == "ring" and p.get("links")))')
  override=()
  for l in $ring_links; do override+=(--config "target.$mac.$l.rustc-link-lib=[]"); done
  step "cargo check --all-targets --target $mac (ring's C build skipped: ${ring_links:-no ring})"
  cargo check --all-targets --locked --target "$mac" "${override[@]}" || failed+=("macOS check")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "cross-check FAILED: $(IFS=,; echo "${failed[*]}")" >&2
  exit 1
fi
step "ok"
