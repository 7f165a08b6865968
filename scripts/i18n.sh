#!/usr/bin/env bash
# The translation catalogs (docs/i18n.md). Extracts every marked string into the templates, then brings each
# language's .po up to date with them (new msgids empty, changed ones fuzzy: both fail tests/test_i18n.py
# until a translator fills them in and drops the fuzzy flag).
#
#   bash scripts/i18n.sh            # extract + update
#   bash scripts/i18n.sh extract    # only the .pot templates
set -euo pipefail
cd "$(dirname "$0")/.."

# Two domains: avatar_desk (the operator's dashboard, zh_CN) and phone (what the person reads on the phone:
# the capture page and the sandbox's H5 page, zh_CN and zh_TW).
DASHBOARD_SOURCES=(lib/ui pages lib/reachability.py lib/generation.py lib/submission_view.py lib/review.py lib/signin.py lib/assets.py lib/netguard.py lib/probe.py lib/flow.py lib/i18n/__init__.py lib/verification.py lib/media/rows.py)  # lib modules whose sentences take a translator
PHONE_SOURCES=(lib/media/capture_page.py lib/sandbox/h5.py lib/ui/components/callback_landing.py)
PYBABEL=(python3 -m babel.messages.frontend)  # pybabel, from the Babel in requirements.txt
declare -A LOCALES=([avatar_desk]="zh_CN" [phone]="zh_CN zh_TW")

extract() {
  local domain=$1 mapping=$2; shift 2
  "${PYBABEL[@]}" extract ${mapping:+-F "$mapping"} --sort-by-file --add-location=file --width=110 \
    --project="Avatar Desk" --copyright-holder="Avatar Desk" --msgid-bugs-address="" \
    -o "locales/$domain.pot" "$@" >/dev/null 2>&1
  # The creation date changes on every run; keep the template stable between runs with no new string.
  sed -i '/^"POT-Creation-Date:/d' "locales/$domain.pot"
}

update() {
  local domain=$1 locale
  for locale in ${LOCALES[$domain]}; do
    if [ -f "locales/$locale/LC_MESSAGES/$domain.po" ]; then
      "${PYBABEL[@]}" update -D "$domain" -i "locales/$domain.pot" -d locales -l "$locale" --ignore-obsolete \
        --width=110 >/dev/null 2>&1
    else
      "${PYBABEL[@]}" init -D "$domain" -i "locales/$domain.pot" -d locales -l "$locale" --width=110 \
        >/dev/null 2>&1
    fi
    # Dates that change on every run would make every run a diff.
    sed -i '/^"POT-Creation-Date:/d' "locales/$locale/LC_MESSAGES/$domain.po"
  done
}

mkdir -p locales
extract avatar_desk babel.cfg "${DASHBOARD_SOURCES[@]}"
extract phone "" "${PHONE_SOURCES[@]}"  # Babel's default map: Python
if [ "${1:-}" != "extract" ]; then
  update avatar_desk
  update phone
fi
echo "locales/: templates extracted${1:+ ($1)}; fill in the empty msgstr and remove '#, fuzzy' lines, then run"
echo "  python -m pytest -q tests/test_i18n.py"
