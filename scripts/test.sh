#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine, then run them.
# Python packages (chainmap + test extras), and for the browser tests Debian's chromium and CJK fonts.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need, installed only when missing (nothing to do, no network needed, when all are there):
# chromium + CJK fonts for the browser tests, postgresql for the ledger's tests against a real server.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || missing+=(fonts-noto-cjk)
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
