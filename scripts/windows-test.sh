#!/usr/bin/env bash
# Runs the Windows build for real: builds bulletin.exe for x86_64-pc-windows-gnu with Debian's
# mingw and runs it under Debian's wine, in an office folder whose path has spaces, with paths
# written the Windows way (backslashes, Z:\...):
#   - `check` of the example bulletin prints its one "ok" line;
#   - `render --out "<folder with spaces>"` writes the same three files, byte for byte, as the
#     Linux build does;
#   - `send --yes` to an SMTP server on 127.0.0.1 (tests/smtp/server.py, as in tests/suite/send.rs)
#     delivers exactly one message to each member, and the journal records each; while it runs,
#     a second `send` of the same bulletin is refused (the journal's lock, taken with Windows'
#     LockFileEx); afterwards another `send` finds everyone delivered and sends nothing.
# Installs what is missing (the Rust target, mingw, wine, Python's aiosmtpd). If the Windows
# target, mingw or wine cannot be installed, it prints one loud line and exits 0 so the rest of
# CI runs; if the build or any step under wine fails, it exits non-zero.
# The wine prefix is kept in "target/wine prefix" (its first start takes 10 to 30 s); delete the
# folder to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/cross-deps.sh

target=x86_64-pc-windows-gnu
members=30

step() { echo "-- windows-test: $*"; }
fail() {
  echo "windows-test FAILED: $*" >&2
  exit 1
}

if ! need_target "$target"; then
  cross_skip "Windows target $target not installed: the Windows run under wine is skipped"
  exit 0
fi
if ! need_debian x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64; then
  cross_skip "mingw (gcc-mingw-w64-x86-64) not installed: the Windows run under wine is skipped"
  exit 0
fi
# Debian's `wine` starts the 64-bit loader from the wine64 package; other systems' wine64 is on PATH.
if ! need_debian wine wine wine64 || ! { command -v wine64 >/dev/null 2>&1 || need_debian /usr/lib/wine/wine64 wine64; }; then
  cross_skip "wine (wine, wine64) not installed: the Windows run under wine is skipped"
  exit 0
fi
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  echo "installing Python package: aiosmtpd"
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
fi

step "building bulletin.exe ($target) and, to compare its output with, the Linux build"
cargo build --locked --bin bulletin --target "$target"
cargo build --locked --bin bulletin --features test-hooks
exe=$root/target/$target/debug/bulletin.exe
linux=$root/target/debug/bulletin

export WINEDEBUG=-all WINEPREFIX="$root/target/wine prefix"
work=$root/target/windows-test
office="$work/LMC Office/Weekly Bulletin"
out="$work/LMC Office/Rendered copies"
server_pid=""
first_pid=""
cleanup() {
  [ -z "$first_pid" ] || kill "$first_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  wineserver -k 2>/dev/null || true
}
trap cleanup EXIT

step "starting wine (prefix: $WINEPREFIX; its first start takes 10 to 30 s)"
if [ ! -d "$WINEPREFIX" ]; then
  wineboot --init >/dev/null 2>&1 || true
fi
# Rust's standard library needs bcryptprimitives.dll, which Wine 8 (Debian 12) lacks. Wine puts
# a placeholder for each of its own DLLs in the prefix's system32; where there is none for this
# one, put a stand-in there (see tests/windows/bcryptprimitives.c).
system32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -f "$system32/bcryptprimitives.dll" ]; then
  step "this wine has no bcryptprimitives.dll: building the stand-in"
  x86_64-w64-mingw32-gcc -shared -O2 -o "$system32/bcryptprimitives.dll" tests/windows/bcryptprimitives.c -lbcrypt
fi
version=$(wine "$exe" --version) || fail "bulletin.exe --version did not run under wine"
step "running $version under $(wine --version)"

rm -rf "$work"
mkdir -p "$office/bulletins"
cp bulletins/2021-10-20.yaml bulletins/publisher.yaml "$office/bulletins/"
cd "$office"

# Runs bulletin.exe under wine; its stdout, stderr and exit code in $stdout, $stderr, $status.
run() {
  set +e
  wine "$exe" "$@" >"$work/stdout" 2>"$work/stderr"
  status=$?
  set -e
  stdout=$(tr -d '\r' <"$work/stdout")
  stderr=$(tr -d '\r' <"$work/stderr")
}
shown() { printf 'exit code %s\nstdout:\n%s\nstderr:\n%s\n' "$status" "$stdout" "$stderr"; }

step "check 'bulletins\\2021-10-20.yaml' in \"$office\""
run check 'bulletins\2021-10-20.yaml'
[ "$status" -eq 0 ] || fail "check: $(shown)"
grep -qxE 'bulletins\\2021-10-20\.yaml: ok \([0-9]+ sections, [0-9]+ links, HTML [0-9]+ KB( as sent)?\)' <<<"$stdout" \
  || fail "check printed something else than the one ok line: $(shown)"
[ -z "$stderr" ] || fail "check wrote to stderr: $(shown)"

out_windows=$(winepath -w "$out")
step "render --out \"$out_windows\""
run render 'bulletins\2021-10-20.yaml' --out "$out_windows"
[ "$status" -eq 0 ] || fail "render: $(shown)"
"$linux" render bulletins/2021-10-20.yaml --out "$work/linux" >/dev/null
for f in 2021-10-20.html 2021-10-20.txt 2021-10-20.eml; do
  [ -f "$out/$f" ] || fail "render did not write $out/$f: $(shown)"
  grep -qF "wrote $out_windows\\$f" <<<"$stdout" || fail "render did not say it wrote $f: $(shown)"
  # The sample .eml's Date header is the moment of rendering: the two runs may fall in
  # different seconds, so it is left out of the comparison.
  cmp -s <(sed '/^Date: /d' "$out/$f") <(sed '/^Date: /d' "$work/linux/$f") ||
    fail "$f from bulletin.exe differs from the Linux build's"
done

step "send to $members members through an SMTP server on 127.0.0.1; meanwhile a second send is refused"
received="$work/received.jsonl"
python3 "$root/tests/smtp/server.py" --out "$received" >"$work/server.out" &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^PORT ' "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/^PORT //p' "$work/server.out")
[ -n "$port" ] || fail "the SMTP server (tests/smtp/server.py) did not start"
{
  printf 'smtp:\n  host: 127.0.0.1\n  port: %s\n  security: none\n  auth: none\n' "$port"
  # 300 a minute: the send takes about 6 s, long enough to try a second one meanwhile.
  printf '  connections: 2\n  rate_per_minute: 300\n  retry_wait_seconds: 0\n  timeout_seconds: 10\n'
  printf 'lists:\n  all:\n    name: Everyone\n    members:\n'
  for i in $(seq -w 1 "$members"); do printf '      - Member %s <member%s@example.org>\n' "$i" "$i"; done
} >recipients.yaml
wine "$exe" send 'bulletins\2021-10-20.yaml' --list all --yes >"$work/first.stdout" 2>"$work/first.stderr" &
first_pid=$!
for _ in $(seq 600); do
  [ "$(grep -c . "$received" 2>/dev/null || true)" -ge 3 ] && break
  kill -0 "$first_pid" 2>/dev/null || break
  sleep 0.1
done
run send 'bulletins\2021-10-20.yaml' --list all
[ "$status" -eq 1 ] && grep -qF 'another `bulletin send` of this bulletin is running' <<<"$stderr" \
  || fail "a second send while the first ran was not refused: $(shown)"
set +e
wait "$first_pid"
status=$?
set -e
first_pid=""
stdout=$(tr -d '\r' <"$work/first.stdout")
stderr=$(tr -d '\r' <"$work/first.stderr")
[ "$status" -eq 0 ] || fail "send: $(shown)"
grep -qE "delivered now +$members\$" <<<"$stdout" || fail "send's summary does not say $members delivered: $(shown)"
# Each member exactly once, one envelope recipient per message.
python3 - "$received" "$members" <<'PY' || fail "the SMTP server did not get one message per member: $(shown)"
import json, sys
records = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
n = int(sys.argv[2])
want = sorted("member%0*d@example.org" % (len(str(n)), i) for i in range(1, n + 1))
got = sorted(a.lower() for r in records for a in r["to"])
if got != want or any(len(r["to"]) != 1 for r in records):
    sys.exit("received %d messages for %d addresses: %s" % (len(records), len(got), got))
PY
delivered=$(grep -c '^delivered	' bulletins/2021-10-20.journal || true)
[ "$delivered" -eq "$members" ] || fail "the journal records $delivered deliveries, not $members"

step "send once more: everyone is delivered, nothing is sent"
run send 'bulletins\2021-10-20.yaml' --list all --yes
[ "$status" -eq 0 ] || fail "second send: $(shown)"
grep -qF "$members delivered earlier" <<<"$stdout" || fail "the last send did not find everyone delivered: $(shown)"
[ "$(grep -c . "$received")" -eq "$members" ] || fail "the last send sent messages again"

step "ok: check, render and send work under wine, in folders with spaces"
