#!/usr/bin/env bash
# Install everything the tests need (Python packages and Debian's Chromium, when missing), then run the
# whole suite. Extra arguments go to pytest (e.g. `-m browser`).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if ! command -v chromium >/dev/null 2>&1; then
  # Browsers cannot be downloaded here (no `playwright install`): use Debian's package.
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

exec python3 -m pytest "$@"
