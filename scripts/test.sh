#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine, then run them (with coverage of chainmap/).
# Installs only what is missing: the Debian packages below, the Python packages
# of chainmap and its test extra. On a machine where all is installed it needs no network at all.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: chromium + CJK fonts (browser tests), poppler-utils + libcairo2 (posters:
# PDF/PNG made and rasterised), postgresql (the ledger's tests run against a real, throwaway server).
APT_PACKAGES="chromium fonts-noto-cjk poppler-utils libcairo2 postgresql"

installed() {  # installed PACKAGE: the Debian package is installed (no pipe: pipefail + grep -q = 141)
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
  [[ "$status" == *"install ok installed"* ]]
}

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in $APT_PACKAGES; do
    installed "$pkg" || missing="$missing $pkg"
  done
fi
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages:$missing" >&2
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null; }; then
    echo "warning: could not install$missing (apt unreachable?); the tests that need them will say so" >&2
  fi
fi

# Python packages: install (editable, with the test extra) only when a requirement is missing.
missing_py="$(python3 - <<'PY'
import importlib.metadata as md
import re
import tomllib

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = project["dependencies"] + project["optional-dependencies"]["test"] + ["chainmap"]
missing = []
try:  # chainmap itself must be installed from this checkout (an editable install of another clone is not)
    import os
    import chainmap
    if not os.path.samefile(os.path.dirname(chainmap.__file__), "chainmap"):
        missing.append("chainmap")
except Exception:
    missing.append("chainmap")
for req in wanted:
    name = re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0]
    try:
        md.version(name)
    except md.PackageNotFoundError:
        missing.append(name)
print(" ".join(missing))
PY
)"
if [ -n "$missing_py" ]; then
  echo "installing Python packages (missing: $missing_py)" >&2
  python3 -m pip install -q --disable-pip-version-check -e ".[test]"
fi

[ "${CHAINMAP_SETUP_ONLY:-}" = "1" ] && exit 0

python3 -m ruff check .
python3 -m pytest --cov=chainmap --cov-report=term:skip-covered "$@"
