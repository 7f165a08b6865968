#!/usr/bin/env bash
# Install everything the tests need (Python packages and Debian's Chromium, when missing), then run the
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

exec python3 -m pytest "$@"
