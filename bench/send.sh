#!/usr/bin/env bash
# Send benchmark: how fast `bulletin send` delivers, beside a reference client (Postfix's
# smtp-source, which does not pipeline, into the same smtp-sink) and a peer (Python's
# mailmerge), and how much memory it needs for 10,000 and 100,000 recipients. Everything talks
# to 127.0.0.1 only.
#
#   bash bench/send.sh                # RUNS=3 N=10000 BIG=100000 PEER_N=1000 FAR_N=1000
#   PARTS=speed bash bench/send.sh    # only the speed table (loopback and the distant relay)
#
# The speed part sends the example cut to about 10 and 18 KB a message (bench/sized_bulletin.py
# --bytes), cut to 4 sections (28 KB, a typical week) and extended to 22 (86 KB) on loopback
# with CONNECTIONS (8), and the 28 KB one through bench/delay_proxy.py (10 ms each way: a relay
# 20 ms away) with FAR_CONNECTIONS (4), each beside smtp-source with as many sessions, sending
# the same number of messages of the same body size. FAR_N is 1,000 (250 messages a connection)
# so that a session's opening, two and a half round trips before its first message, weighs
# 1% of the run, as it does for a list of a few thousand, rather than 2.5% at 100 a connection. Prints messages per second (median of RUNS
# runs) and the ratios measured in the same run. SIZES picks the loopback sizes (KB; default
# "10 18 28 86"); NO_WAIT=1 also sends each loopback size with `--journal-mode no-wait` (senders
# not waiting for the journal on disk), to see what the duplicate bound costs at that size.
# Installs what it needs (postfix, time, mailmerge).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
N=${N:-10000}
BIG=${BIG:-100000}
PEER_N=${PEER_N:-1000}
CONNECTIONS=${CONNECTIONS:-8}
FAR_N=${FAR_N:-1000}
FAR_CONNECTIONS=${FAR_CONNECTIONS:-4}
PARTS=${PARTS:-speed memory}
SIZES=${SIZES:-10 18 28 86}

need=()
[ -x /usr/sbin/smtp-sink ] || need+=(postfix)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v mailmerge >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check mailmerge
cargo build --release --locked --quiet --features test-hooks
BIN=$PWD/target/release/bulletin

work=$(mktemp -d)
sink_pid=""
proxy_pid=""
cleanup() {
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sink_user=()
[ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
/usr/sbin/smtp-sink "${sink_user[@]}" 127.0.0.1:"$port" 1000 &
sink_pid=$!
sleep 0.5

mkdir -p "$work/office/bulletins"
cp bulletins/2021-10-20.yaml bulletins/publisher.yaml "$work/office/bulletins/"
"$BIN" render "$work/office/bulletins/2021-10-20.yaml" --out "$work/out" >/dev/null
SIZE=$(wc -c < "$work/out/2021-10-20.eml")

recipients() { # N FILE [PORT CONNECTIONS]
  python3 - "$1" "$2" "${3:-$port}" "${4:-$CONNECTIONS}" <<'PY'
import sys
n, path, port, conns = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
with open(path, "w") as f:
    f.write(f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  auth: none\n  rate_per_minute: 0\n  connections: {conns}\nlists:\n  all:\n    members:\n")
    for i in range(n):
        f.write(f"      - Reader {i} <reader{i:06d}@example.org>\n")
PY
}
now() { date +%s.%N; }
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
rate() { python3 -c "print($1 / ($3 - $2))"; }

if [[ " $PARTS " == *" speed "* ]]; then
  # The relay 20 ms away: the delay proxy in front of the same sink.
  coproc PROXY { exec python3 bench/delay_proxy.py "$port" --delay-ms 10; }
  proxy_pid=$PROXY_PID
  read -r _ far_port <&"${PROXY[0]}"
  # One bulletin per size: 28 and 86 KB are the example cut to 4 sections and extended to 22 (as
  # measured before); the others the example cut to the size.
  for kb in $SIZES 28; do
    [ -d "$work/k$kb" ] && continue
    mkdir -p "$work/k$kb/bulletins"
    cp bulletins/publisher.yaml "$work/k$kb/bulletins/"
    case $kb in
      28) how=(4) ;;
      86) how=(22) ;;
      *) how=(--bytes $((kb * 1024)) --bin "$BIN") ;;
    esac
    python3 bench/sized_bulletin.py bulletins/2021-10-20.yaml "$work/k$kb/bulletins/2021-10-20.yaml" "${how[@]}"
    "$BIN" render "$work/k$kb/bulletins/2021-10-20.yaml" --out "$work/k$kb/out" >/dev/null
  done
  recipients "$N" "$work/rec-near.yaml" "$port" "$CONNECTIONS"
  recipients "$FAR_N" "$work/rec-far.yaml" "$far_port" "$FAR_CONNECTIONS"
  # One `bulletin send`: prints messages a second.
  speed_send() { # KB RECIPIENTS COUNT [EXTRA ARGS]
    local office=$work/k$1/bulletins recipients=$2 count=$3
    shift 3
    rm -f "$office/2021-10-20.journal"
    local t0 t1
    t0=$(now)
    "$BIN" send "$office/2021-10-20.yaml" --list all --yes --recipients "$recipients" "$@" >/dev/null 2>"$work/send.err"
    t1=$(now)
    local delivered
    delivered=$(grep -c '^delivered' "$office/2021-10-20.journal")
    [ "$delivered" -eq "$count" ] || { echo "bulletin send delivered $delivered of $count" >&2; cat "$work/send.err" >&2; exit 1; }
    rate "$count" "$t0" "$t1"
  }
  # smtp-source -d: every session sends its messages over one connection, one step at a time;
  # -l is the body's size (smtp-source adds a few header lines of its own).
  speed_source() { # KB SESSIONS COUNT PORT
    local size t0 t1
    size=$(wc -c < "$work/k$1/out/2021-10-20.eml")
    t0=$(now); /usr/sbin/smtp-source -d -s "$2" -m "$3" -l "$size" 127.0.0.1:"$4"; t1=$(now)
    rate "$3" "$t0" "$t1"
  }
  declare -A speed=()
  for run in $(seq 1 "$RUNS"); do
    for kb in $SIZES; do
      speed[src$kb]+=" $(speed_source "$kb" "$CONNECTIONS" "$N" "$port")"
      speed[snd$kb]+=" $(speed_send "$kb" "$work/rec-near.yaml" "$N")"
      if [ -n "${NO_WAIT:-}" ]; then
        speed[nw$kb]+=" $(speed_send "$kb" "$work/rec-near.yaml" "$N" --journal-mode no-wait)"
      fi
    done
    speed[srcfar]+=" $(speed_source 28 "$FAR_CONNECTIONS" "$FAR_N" "$far_port")"
    speed[sndfar]+=" $(speed_send 28 "$work/rec-far.yaml" "$FAR_N")"
    echo "speed run $run of $RUNS done" >&2
  done
  echo
  keys=(); for kb in $SIZES; do keys+=(src$kb snd$kb); [ -n "${NO_WAIT:-}" ] && keys+=(nw$kb); done; keys+=(srcfar sndfar)
  echo "speed: messages/s, median of $RUNS runs (each run's rates:$(for k in "${keys[@]}"; do printf ' %s=[%s]' "$k" "$(printf '%.0f ' ${speed[$k]} | sed 's/ $//')"; done))"
  rows=()
  for kb in $SIZES; do
    rows+=("loopback" "$CONNECTIONS" "$N" "$(wc -c < "$work/k$kb/out/2021-10-20.eml")" "$(median ${speed[src$kb]})" "$(median ${speed[snd$kb]})" "$( [ -n "${NO_WAIT:-}" ] && median ${speed[nw$kb]} || echo 0)")
  done
  rows+=("far" "$FAR_CONNECTIONS" "$FAR_N" "$(wc -c < "$work/k28/out/2021-10-20.eml")" "$(median ${speed[srcfar]})" "$(median ${speed[sndfar]})" 0)
  python3 - "${rows[@]}" <<'PY'
import sys
a = sys.argv[1:]
print(f"{'what':<58} {'smtp-source':>11} {'bulletin':>9} {'ratio':>6} {'target':>7}")
for i in range(0, len(a), 7):
    where, conns, n, size = a[i], int(a[i + 1]), int(a[i + 2]), int(a[i + 3])
    s, b, nw = map(float, a[i + 4:i + 7])
    if where == "far":
        what, target = f"relay 20 ms away, {conns} connections, {n} x {size} bytes", f"{b:.0f}/s >= 190"
        # The proxy's real round trip, as smtp-source met it (four a message, one at a time):
        # bulletin's bound is one a message on each connection.
        bound = 4 * s
        extra = f"   (bound of one round trip a message, from smtp-source's: {bound:.0f}/s; bulletin {b / bound:.2f} of it)"
        print(f"{what:<58} {s:>11.0f} {b:>9.0f} {b / s:>6.2f} {target:>7}{extra}")
        continue
    else:
        what, target = f"loopback, {conns} connections, {n} x {size} bytes", ">= 0.95"
    extra = f"   (not waiting for the journal: {nw:.0f}, {nw / s:.2f})" if nw else ""
    print(f"{what:<58} {s:>11.0f} {b:>9.0f} {b / s:>6.2f} {target:>7}{extra}")
PY
fi
[[ " $PARTS " == *" memory "* ]] || exit 0

recipients "$N" "$work/rec-small.yaml"
recipients "$BIG" "$work/rec-big.yaml"

# bulletin send of N or BIG recipients; prints "rate maxrss_kb"
bulletin_send() { # FILE COUNT [EXTRA ARGS]
  local file=$1 count=$2
  shift 2
  rm -f "$work/office/bulletins/2021-10-20.journal"
  local t0 t1
  t0=$(now)
  /usr/bin/time -v -o "$work/time.txt" "$BIN" send "$work/office/bulletins/2021-10-20.yaml" --list all --yes --recipients "$file" "$@" >/dev/null 2>"$work/send.err"
  t1=$(now)
  local delivered
  delivered=$(grep -c '^delivered' "$work/office/bulletins/2021-10-20.journal")
  [ "$delivered" -eq "$count" ] || { echo "bulletin send delivered $delivered of $count" >&2; cat "$work/send.err" >&2; exit 1; }
  echo "$(rate "$count" "$t0" "$t1") $(awk -F': ' '/Maximum resident/ {print $2}' "$work/time.txt")"
}

# The peer: mailmerge sending PEER_N copies of the same message.
sed -e '/^Date: /d' -e '/^Message-ID: /d' -e 's/^To: .*/To: {{email}}/' "$work/out/2021-10-20.eml" | tr -d '\r' > "$work/eml.txt"
{ echo 'To: {{email}}'; echo '{% raw %}'; grep -v '^To: ' "$work/eml.txt"; echo '{% endraw %}'; } > "$work/template.txt"
python3 - "$work/template.txt" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
# Headers first: "To: {{email}}" then the raw block starts with the remaining headers.
open(p, "w").write(lines[0] + "\n" + "{% raw %}" + "\n".join(lines[2:]).replace("{% endraw %}", "") + "{% endraw %}\n")
PY
{ echo email; for i in $(seq 1 "$PEER_N"); do echo "peer$i@example.org"; done; } > "$work/db.csv"
printf '[smtp_server]\nhost = 127.0.0.1\nport = %s\n' "$port" > "$work/mailmerge.conf"

nowait_rates=(); source_rates=(); send_rates=(); peer_rates=(); rss_small=(); rss_big=(); big_rates=(); render_ms=()
for run in $(seq 1 "$RUNS"); do
  t0=$(now); /usr/sbin/smtp-source -d -s 8 -m "$N" -l "$SIZE" 127.0.0.1:"$port"; t1=$(now)
  source_rates+=("$(rate "$N" "$t0" "$t1")")
  read -r r m < <(bulletin_send "$work/rec-small.yaml" "$N"); send_rates+=("$r"); rss_small+=("$m")
  # The same send with senders allowed to run ahead of the journal on disk (no duplicate bound).
  read -r r _ < <(bulletin_send "$work/rec-small.yaml" "$N" --journal-mode no-wait); nowait_rates+=("$r")
  t0=$(now)
  (cd "$work" && mailmerge --no-dry-run --no-limit --output-format raw --template template.txt --database db.csv --config mailmerge.conf >/dev/null)
  t1=$(now)
  peer_rates+=("$(rate "$PEER_N" "$t0" "$t1")")
  read -r r m < <(bulletin_send "$work/rec-big.yaml" "$BIG"); big_rates+=("$r"); rss_big+=("$m")
  echo "run $run of $RUNS done" >&2
done
for i in $(seq 1 21); do
  t0=$(now); "$BIN" render "$work/office/bulletins/2021-10-20.yaml" --out "$work/out" >/dev/null; t1=$(now)
  render_ms+=("$(python3 -c "print(($t1 - $t0) * 1000)")")
done

src=$(median "${source_rates[@]}"); snd=$(median "${send_rates[@]}"); peer=$(median "${peer_rates[@]}")
big=$(median "${big_rates[@]}"); nowait=$(median "${nowait_rates[@]}"); ms=$(median "${render_ms[@]}")
m_small=$(median "${rss_small[@]}"); m_big=$(median "${rss_big[@]}")
python3 - "$src" "$snd" "$peer" "$big" "$ms" "$m_small" "$m_big" "$nowait" "$SIZE" "$N" "$BIG" "$PEER_N" "$RUNS" "$CONNECTIONS" <<'PY'
import sys
src, snd, peer, big, ms, m_small, m_big, nowait = map(float, sys.argv[1:9])
size, n, bign, peern, runs, conns = map(int, sys.argv[9:])
print(f"\nsend benchmark: example bulletin, {size} bytes a message, loopback smtp-sink, median of {runs} runs")
print(f"{'what':<48} {'messages/s':>11}")
print(f"{'smtp-source -d -s 8 -m %d (reference client)' % n:<48} {src:>11.0f}")
print(f"{'bulletin send, %d recipients, %d connections' % (n, conns):<48} {snd:>11.0f}")
print(f"{'bulletin send, %d recipients' % bign:<48} {big:>11.0f}")
print(f"{'bulletin send, %d, not waiting for the journal' % n:<48} {nowait:>11.0f}")
print(f"{'mailmerge, %d copies (peer)' % peern:<48} {peer:>11.0f}")
print(f"\nratio bulletin/smtp-source  {snd / src:6.2f}")
print(f"ratio bulletin/mailmerge    {snd / peer:6.1f}   (target >= 10)")
print(f"ratio one-ahead/no-wait     {snd / nowait:6.2f}   (what the duplicate bound costs)")
print(f"peak memory, {n} recipients   {m_small / 1024:6.1f} MB")
print(f"peak memory, {bign} recipients  {m_big / 1024:6.1f} MB   (target < 64 MB; ratio {m_big / m_small:.2f} for {bign // n}x the list)")
print(f"bulletin render, process start included: {ms:.1f} ms (median of 21; target < 20 ms)")
PY
