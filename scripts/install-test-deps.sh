#!/usr/bin/env bash
# Installs what the tests need beyond Rust: Debian's headless Chromium (preview checks),
# Postfix's smtp-sink (benchmarks), strace (the journal's one-handle rule, tests/suite/send.rs),
# keyutils' `keyctl` (the login tests read the kernel keyring with it), zsh, fish and groff (the
# shell completions and manual pages, tests/suite/completions.rs), openssl (test certificates), Python's aiosmtpd (the SMTP server
# the send tests use), Debian's Dovecot (the IMAP server tests/suite/inbox.rs starts) and Python's
# jsonschema and PyYAML (the schema tests' validator), and pandoc and python-docx (the .docx files
# tests/suite/import.rs makes for `bulletin import`), and for the sign-in tests (tests/suite/oauth.rs)
# npm's oauth2-mock-server and oidc-provider (OpenID providers) and Python's PyJWT (the SMTP server
# checks tokens).
# Safe to run again: it installs only what is missing.
set -euo pipefail

need_apt=()
for shell in zsh fish; do command -v "$shell" >/dev/null 2>&1 || need_apt+=("$shell"); done
command -v groff >/dev/null 2>&1 || need_apt+=(groff-base)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v smtp-sink >/dev/null 2>&1 || [ -x /usr/sbin/smtp-sink ] || need_apt+=(postfix)
command -v time >/dev/null 2>&1 || [ -x /usr/bin/time ] || need_apt+=(time)
command -v strace >/dev/null 2>&1 || need_apt+=(strace)
command -v keyctl >/dev/null 2>&1 || need_apt+=(keyutils)
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need_apt+=(dovecot-imapd)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v pandoc >/dev/null 2>&1 || need_apt+=(pandoc)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  echo "installing Python package: aiosmtpd"
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
fi
# An independent JSON Schema validator for tests/suite/schema.rs (tests/schema/validate.py).
if ! python3 -c 'import jsonschema, yaml' >/dev/null 2>&1; then
  echo "installing Python packages: jsonschema PyYAML"
  python3 -m pip install --quiet --disable-pip-version-check jsonschema PyYAML
fi
# Two independent calendar readers for tests/suite/calendar.rs (tests/calendar/read.py).
if ! python3 -c 'import icalendar, vobject' >/dev/null 2>&1; then
  echo "installing Python packages: icalendar vobject"
  python3 -m pip install --quiet --disable-pip-version-check icalendar vobject
fi
# Word documents made by a tool this project did not write, for tests/suite/import.rs.
if ! python3 -c 'import docx' >/dev/null 2>&1; then
  echo "installing Python package: python-docx"
  python3 -m pip install --quiet --disable-pip-version-check python-docx
fi
# The SMTP server of tests/suite/oauth.rs checks each XOAUTH2 token's signature against the
# OpenID provider's keys (PyJWT with cryptography's RSA).
if ! python3 -c 'import jwt, cryptography' >/dev/null 2>&1; then
  echo "installing Python packages: PyJWT cryptography"
  python3 -m pip install --quiet --disable-pip-version-check PyJWT cryptography
fi
# Spreadsheets made by a tool this project did not write, for tests/suite/people.rs.
if ! python3 -c 'import openpyxl' >/dev/null 2>&1; then
  echo "installing Python package: openpyxl"
  python3 -m pip install --quiet --disable-pip-version-check openpyxl
fi
[ -d tests/browser/node_modules/playwright-core ] && [ -d tests/browser/node_modules/axe-core ] || { echo "installing Node packages: tests/browser"; npm ci --silent --prefix tests/browser; }
# The OpenID providers of tests/suite/oauth.rs (oauth2-mock-server, and oidc-provider for
# `login --device`), as package-lock.json pins them.
[ -d tests/oauth/node_modules/oauth2-mock-server ] && [ -d tests/oauth/node_modules/oidc-provider ] || { echo "installing Node packages: tests/oauth"; npm ci --silent --prefix tests/oauth; }
echo "test dependencies ready"
