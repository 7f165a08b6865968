"""Submit's one-click fixes under the check table: each file that needs a fix (or could be better) with its
thumbnail, its reason and a button per fix; "fix them all"; and the frames where the face count is not one.
A fix makes a new file that takes the row; the original is kept."""

from __future__ import annotations

import streamlit as st

from lib.assets import RowCheck
from lib.media.report import Fix, MediaReport, Severity
from lib.store.media import MediaRow
from lib.ui import language
from lib.ui.components import media_rows
from lib.ui.components.media_rows import FileRows
from lib.ui.media_words import FIX_HELP, FIX_LABELS, finding_phrase
from lib.ui.text import literal

SHOWN = 50  # rows listed with their buttons; "fix them all" reaches the rest


def _reasons(report: MediaReport, _) -> str:
    return _("; ").join(finding_phrase(f, report, _) for f in report.findings if f.fixes)


# The fixes run in the buttons' callbacks, before the page is drawn again: a fix made mid-run and followed by
# st.rerun() let the Submit page's poll (a timer fragment) lose the input tabs now and then.


def _fix_all(needed: list[tuple[str, MediaRow, Fix]]) -> None:
    for url, row, fix in needed:
        media_rows.apply_fix(url, row, fix)


def _line(check: RowCheck, row: MediaRow, report: MediaReport, needed: bool) -> None:
    picture, words, buttons = st.columns([1, 5, 3], vertical_alignment="center")
    if row.thumbnail:
        picture.image(row.thumbnail, width=64)
    _ = language.translator()
    words.markdown(
        (
            _("Row {n}, **{name}** · Needs a fix: {reasons}")
            if needed
            else _("Row {n}, **{name}** · Could be better: {reasons}")
        ).format(n=check.index + 1, name=literal(row.name), reasons=literal(_reasons(report, _)))
    )
    with buttons:
        for fix in report.fixes:
            st.button(
                _(FIX_LABELS[fix]),
                key=f"submit__fix_{row.id}_{fix.value}",
                help=_(FIX_HELP[fix]),
                on_click=media_rows.apply_fix,
                args=(check.url, row, fix),
            )


def _faces(checks: list[RowCheck], files: FileRows) -> None:
    framed = [
        (c, files.items[c.url]) for c in checks if c.url in files.items and files.items[c.url].face_frame
    ]
    if not framed:
        return
    _ = language.translator()
    with st.expander(_("Faces to look at ({n})").format(n=len(framed)), icon=":material/face:"):
        st.caption(_("APIMart wants exactly one clear face in each photo or clip. Marked: what was found."))
        columns = st.columns(4)
        for n, (check, row) in enumerate(framed[:SHOWN]):
            report = row.media_report()
            faces = next((f for f in report.findings if f.code == "faces"), None)
            caption = finding_phrase(faces, report, _) if faces else ""
            columns[n % 4].image(
                row.face_frame,
                caption=_("Row {n}, {name}: {caption}").format(
                    n=check.index + 1, name=literal(row.name), caption=caption
                ),
            )


def show(checks: list[RowCheck], files: FileRows) -> None:
    if error := st.session_state.get(media_rows.ERROR_KEY):
        st.error(error, icon=":material/build:")
    offered = []
    for check in checks:
        row = files.items.get(check.url)
        if row is not None and (report := row.media_report()).fixes:
            needed = any(f.severity is Severity.FIXABLE for f in report.findings)
            offered.append((check, row, report, needed))
    if offered:
        needed = [(c, r, rep) for c, r, rep, must in offered if must]
        _ = language.translator()
        with st.container(border=True):
            st.markdown(
                _.ngettext(
                    "**One click fixes it.** Each fix makes a new file that takes the row; the original is kept.",
                    "**One click fixes them.** Each fix makes a new file that takes the row; the original is kept.",
                    len(offered),
                )
            )
            if len(needed) > 1:
                st.button(
                    _("Fix all {n} that need it").format(n=len(needed)),
                    key="submit__fix_all",
                    icon=":material/auto_fix_high:",
                    help=_("Applies the first fix offered to each; the originals are kept."),
                    on_click=_fix_all,
                    args=([(c.url, r, rep.fixes[0]) for c, r, rep in needed],),
                )
            for check, row, report, must in sorted(offered, key=lambda o: not o[3])[:SHOWN]:
                _line(check, row, report, must)
    _faces(checks, files)
