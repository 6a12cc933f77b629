# Sourced by scripts/cross-check.sh and scripts/windows-test.sh: installs, only where missing,
# what building for and running on other systems needs here (an extra Rust target, Debian
# packages). Each function fails quietly when it cannot install; the caller then prints one loud
# line with `cross_skip` and skips its part, so the rest of CI still runs.

# cross_skip MESSAGE: the one loud line.
cross_skip() {
  echo "==== WARNING: $* ====" >&2
}

# need_target TRIPLE: the standard library for TRIPLE is installed (adding it with rustup if not).
need_target() {
  [ -d "$(rustc --print sysroot)/lib/rustlib/$1/lib" ] && return 0
  command -v rustup >/dev/null 2>&1 || return 1
  echo "installing Rust target: $1"
  rustup target add "$1" >/dev/null 2>&1
}

# need_debian COMMAND PACKAGE...: COMMAND (a name on PATH, or a path) runs, installing the
# Debian PACKAGEs if it does not.
need_debian() {
  local command=$1
  shift
  command -v "$command" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || return 1
  echo "installing Debian packages: $*"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null 2>&1 || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || return 1
  command -v "$command" >/dev/null 2>&1
}
