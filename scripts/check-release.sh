#!/usr/bin/env bash
# Checks the release (dist-workspace.toml and the .github/workflows/release.yml that `dist`
# generates from it) as far as this machine can: the workflow itself runs only on GitHub.
#
# 1. Installs `dist` if it is missing, at the version the workflow uses (cargo-dist-version in
#    dist-workspace.toml), from PyPI's prebuilt package (astral-dev-toolchain-cargo-dist, a build
#    of the upstream release tag) into target/release-tools/. If it cannot be installed, it
#    says so in one loud line and exits 0, so that the rest of CI still runs.
# 2. `dist plan`: the configuration is valid, and plans an archive for each of the five systems
#    with the binary, README.md, completions/ and man/, a sha256 checksum for each, and the
#    shell and PowerShell installers.
# 3. `dist generate --check`: the workflow is exactly what dist writes from the configuration
#    (after changing dist-workspace.toml, run `dist generate`).
# 4. Builds the two Linux archives as the workflow does (`dist build`, profile `dist`):
#    x86_64-unknown-linux-gnu, and x86_64-unknown-linux-musl (static) when the musl target and
#    musl-gcc can be installed. Unpacks each: the binary runs and renders the example bulletin,
#    the musl one is static, completions/ and man/ are the committed files, and every checksum
#    matches.
# 5. Runs the shell installer against those archives, served on 127.0.0.1, into a temporary
#    home folder: bulletin lands in ~/.bulletin/bin and runs; a tampered archive is refused.
#
# With RELEASE_CHECK_QUICK=1 (as CI runs it), the Linux archive is built with the `dist` profile
# lightened (no optimisation, no LTO, no debug lines), and only the glibc one: every other check
# above is the same (the plan, the workflow, the archive, its contents, checksums, the
# installer), but the optimised builds and the static (musl) one, a second build of everything
# of about 80 s, are left to the release workflow, which makes them at every tag, and to a run
# of this script without RELEASE_CHECK_QUICK. The two optimised builds were about half of CI's
# time on a 2-core machine; the static build kept CI over 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

loud() { echo "!!!!!!!!!!!!!!!! check-release: $* !!!!!!!!!!!!!!!!"; }
fail() { echo "check-release: FAILED: $*" >&2; exit 1; }

if [ "${RELEASE_CHECK_QUICK:-}" = 1 ]; then
  export CARGO_PROFILE_DIST_OPT_LEVEL=0 CARGO_PROFILE_DIST_LTO=off CARGO_PROFILE_DIST_DEBUG=0 \
    CARGO_PROFILE_DIST_CODEGEN_UNITS=256
  echo "check-release: RELEASE_CHECK_QUICK=1: the archives are built unoptimised (the release workflow builds the optimised ones)"
fi

version=$(sed -n 's/^cargo-dist-version = "\(.*\)"$/\1/p' dist-workspace.toml)
[ -n "$version" ] || fail "dist-workspace.toml has no cargo-dist-version"
tools=target/release-tools

# 1. dist, pinned.
dist=""
for candidate in "$(command -v dist || true)" "$tools/bin/dist"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$("$candidate" --version 2>/dev/null)" = "cargo-dist $version" ]; then
    dist=$candidate
    break
  fi
done
if [ -z "$dist" ]; then
  echo "installing dist $version (Python package astral-dev-toolchain-cargo-dist) into $tools"
  if python3 -m pip install --quiet --disable-pip-version-check --upgrade --target "$tools" \
    "astral-dev-toolchain-cargo-dist==$version" >/dev/null 2>&1 &&
    [ "$("$tools/bin/dist" --version 2>/dev/null)" = "cargo-dist $version" ]; then
    dist=$tools/bin/dist
  else
    loud "SKIPPED: dist $version could not be installed (pip install astral-dev-toolchain-cargo-dist==$version), so the release configuration was NOT checked"
    exit 0
  fi
fi
echo "using $("$dist" --version) ($dist)"

# 2. The plan.
"$dist" plan --output-format=json >target/release-plan.json 2>target/release-plan.log ||
  { cat target/release-plan.log; fail "dist plan"; }
python3 - target/release-plan.json <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
artifacts = plan["artifacts"]
want = {
    "x86_64-pc-windows-msvc": ".zip",
    "aarch64-apple-darwin": ".tar.xz",
    "x86_64-apple-darwin": ".tar.xz",
    "x86_64-unknown-linux-gnu": ".tar.xz",
    "x86_64-unknown-linux-musl": ".tar.xz",
}
problems = []
for target, ext in want.items():
    name = f"lmc-bulletin-{target}{ext}"
    a = artifacts.get(name)
    if a is None:
        problems.append(f"no archive {name}")
        continue
    assets = sorted(x["name"] for x in a["assets"])
    if assets != sorted(["bulletin", "README.md", "completions", "man"]):
        problems.append(f"{name} holds {assets}")
    if a.get("checksum") != f"{name}.sha256":
        problems.append(f"{name} has no sha256 checksum")
for installer in ["lmc-bulletin-installer.sh", "lmc-bulletin-installer.ps1", "sha256.sum"]:
    if installer not in artifacts:
        problems.append(f"no {installer}")
if problems:
    sys.exit("dist plan: " + "; ".join(problems))
print(f"dist plan: {len(want)} archives with the binary, README.md, completions and man pages; "
      "sha256 checksums; shell and PowerShell installers")
PY

# 3. The workflow is up to date.
"$dist" generate --check || fail ".github/workflows/release.yml is not what dist generates: run \`dist generate\`"
echo "dist generate --check: .github/workflows/release.yml is up to date"

# 4. The Linux archives.
targets=(x86_64-unknown-linux-gnu)
musl=x86_64-unknown-linux-musl
if [ "${RELEASE_CHECK_QUICK:-}" = 1 ]; then
  echo "check-release: RELEASE_CHECK_QUICK=1: the static $musl archive is not built (the release workflow builds it; run this script without RELEASE_CHECK_QUICK to check it here)"
else
  if ! rustup target list --installed 2>/dev/null | grep -qx "$musl"; then
    rustup target add "$musl" >/dev/null 2>&1 || true
  fi
  if ! command -v musl-gcc >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends musl-tools; } >/dev/null 2>&1 || true
  fi
  if rustup target list --installed 2>/dev/null | grep -qx "$musl" && command -v musl-gcc >/dev/null 2>&1; then
    targets+=("$musl")
  else
    loud "the $musl target or musl-gcc (Debian's musl-tools) could not be installed: the static Linux build was NOT checked"
  fi
fi
rm -rf target/distrib
# One build per target, so that a failure names its target; the first also writes the shell
# installer and sha256.sum.
artifacts=all
for t in "${targets[@]}"; do
  echo "building $t with dist (profile dist): this takes a few minutes"
  "$dist" build --artifacts=$artifacts --target "$t" >"target/release-build-$t.log" 2>&1 ||
    { tail -40 "target/release-build-$t.log"; fail "dist build --target $t (the whole log: target/release-build-$t.log)"; }
  artifacts=local
done

work=$(mktemp -d)
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

want_version="bulletin $(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
(cd target/distrib && sha256sum --quiet -c ./*.sha256 && sha256sum --quiet -c sha256.sum) ||
  fail "a checksum in target/distrib does not match its file"
for t in "${targets[@]}"; do
  archive=target/distrib/lmc-bulletin-$t.tar.xz
  mkdir -p "$work/$t"
  tar -xJf "$archive" -C "$work/$t"
  dir=$work/$t/lmc-bulletin-$t
  bin=$dir/bulletin
  [ "$("$bin" --version)" = "$want_version" ] || fail "$archive: bulletin --version says $("$bin" --version)"
  diff -r completions "$dir/completions" >/dev/null || fail "$archive: completions/ differs from the committed one"
  diff -r docs/man "$dir/man" >/dev/null || fail "$archive: man/ differs from docs/man/"
  cmp -s README.md "$dir/README.md" || fail "$archive: README.md differs"
  extra=$(cd "$dir" && ls -A | grep -vxE 'bulletin|README.md|completions|man' || true)
  [ -z "$extra" ] || fail "$archive also holds: $extra"
  (cd "$work" && "$bin" render "$OLDPWD/bulletins/2021-10-20.yaml" --out "$work/out-$t" >/dev/null) ||
    fail "$archive: bulletin render of the example failed"
  [ -s "$work/out-$t/2021-10-20.eml" ] || fail "$archive: render wrote no .eml"
  if [ "$t" = "$musl" ]; then
    ldd "$bin" 2>&1 | grep -qE 'statically linked|not a dynamic executable' ||
      fail "$archive: bulletin is not statically linked: $(ldd "$bin" 2>&1)"
  fi
  echo "$archive: bulletin, README.md, completions/, man/; runs and renders the example; checksum ok"
done

# 5. The shell installer, from archives served on 127.0.0.1.
mkdir -p "$work/served" "$work/tampered"
cp target/distrib/*.tar.xz "$work/served/"
port_file=$work/port
python3 - "$work/served" "$port_file" >/dev/null 2>&1 <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
open(sys.argv[2], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
server=$!
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
[ -s "$port_file" ] || fail "the local web server for the installer did not start"
url="http://127.0.0.1:$(cat "$port_file")"
install_into() { # HOME folder; prints the installer's output
  env -i PATH=/usr/bin:/bin HOME="$1" SHELL=/bin/bash LMC_BULLETIN_DOWNLOAD_URL="$url" \
    sh target/distrib/lmc-bulletin-installer.sh 2>&1
}
home=$work/home
mkdir -p "$home"
out=$(install_into "$home") || { echo "$out"; fail "the shell installer failed"; }
[ "$("$home/.bulletin/bin/bulletin" --version)" = "$want_version" ] ||
  { echo "$out"; fail "the shell installer did not put a working bulletin in ~/.bulletin/bin"; }
grep -q 'lmc-bulletin/env' "$home/.profile" || fail "the shell installer did not add ~/.bulletin/bin to PATH in ~/.profile"
echo "the shell installer put bulletin in ~/.bulletin/bin and added it to PATH"
# The same installer must refuse an archive whose checksum is not the published one.
printf 'tampered' >>"$work/served/lmc-bulletin-x86_64-unknown-linux-gnu.tar.xz"
mkdir -p "$work/home2"
if out=$(install_into "$work/home2"); then
  echo "$out"
  fail "the shell installer accepted an archive whose checksum does not match"
fi
[ ! -e "$work/home2/.bulletin/bin/bulletin" ] || fail "the shell installer installed a tampered archive"
echo "the shell installer refuses an archive whose checksum does not match"

# The PowerShell installer is generated (it cannot run here: no PowerShell).
"$dist" build --artifacts=global >target/release-global.log 2>&1 || { cat target/release-global.log; fail "dist build --artifacts=global"; }
grep -q 'lmc-bulletin-x86_64-pc-windows-msvc.zip' target/distrib/lmc-bulletin-installer.ps1 ||
  fail "the PowerShell installer does not fetch the Windows archive"
echo "release checks passed"
