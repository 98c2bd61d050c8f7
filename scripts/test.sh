#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine, then run them.
# Python packages (chainmap + test extras), and for the browser tests Debian's chromium and CJK fonts.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

# cairosvg (static PNG maps) needs the cairo library; grep -c reads all input (no SIGPIPE under pipefail)
if ! ldconfig -p 2>/dev/null | grep -c "libcairo.so.2" >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libcairo2 >/dev/null; } ||
    echo "warning: could not install libcairo2; the static PNG map test will fail" >&2
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"
python3 -m ruff check .
python3 -m pytest "$@"
