#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine, then run them.
# Python packages (chainmap + test extras), and for the browser tests Debian's chromium and CJK fonts.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need, installed only when missing (nothing to do, no network needed, when all are there):
# chromium + CJK fonts for the browser tests, postgresql for the ledger's tests against a real server.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# (grep without -q reads all of fc-list's output: under pipefail an early exit would fail the pipe with 141)
fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null || missing+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
ldconfig -p 2>/dev/null | grep "libcairo.so.2" >/dev/null || missing+=(libcairo2)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"
python3 -m ruff check .
python3 -m pytest "$@"
