#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium and PostgreSQL, when missing), then run the
# whole suite. Extra arguments go to pytest (e.g. `-m browser`).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Browsers cannot be downloaded here (no `playwright install`): use Debian's package. The CJK and emoji
# fonts make the three-language hand-off and Chinese labels render as glyphs, not boxes, in screenshots.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null
fi

# The PostgreSQL suite starts its own throwaway server from PostgreSQL's binaries (tests/helpers/postgres.py):
# install Debian's package when initdb is nowhere to be found (its service is not used).
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

# The team install's proxy (deploy/nginx.conf) is run in front of two servers by tests/browser/test_team_proxy.py.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null
fi

exec python3 -m pytest "$@"
