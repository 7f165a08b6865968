"""Submit's check of every row: the verdict table, the rows not checked, and the held-back rows' "send anyway"."""

from __future__ import annotations

import hashlib

import streamlit as st

from lib.assets import RowCheck
from lib.i18n import said_in
from lib.media.rows import cell_uri
from lib.probe import ProbeResult
from lib.submission_view import Verdicts, check_frame, verdicts
from lib.ui import language, media_words, state
from lib.ui.components.media_rows import FileRows
from lib.ui.text import literal

ALL_KEY = "submit__anyway_all"


def anyway_key(url: str) -> str:
    return "submit__anyway_" + hashlib.sha256(url.encode()).hexdigest()[:16]


def show(checks: list[RowCheck], probe: dict[str, ProbeResult], files: FileRows | None = None) -> Verdicts:
    """The table (when there are rows) and what it asks of the operator; returns the rows' verdicts. File
    rows (`files`) show their thumbnail and the media check's verdict."""
    files = files or FileRows()
    judged, thumbnails = _with_links(probe, files)
    send_all_anyway = bool(st.session_state.get(ALL_KEY))
    _ = language.translator()
    view = verdicts(
        checks,
        probe,
        lambda url: send_all_anyway or bool(st.session_state.get(anyway_key(url))),
        judged,
        _,
    )
    if checks:
        # The frame's columns keep their English keys (lib.submission_view); the headers are translated here.
        st.dataframe(
            check_frame(checks, view.texts, probe, thumbnails, _),
            hide_index=True,
            width="stretch",
            key="submit__checks",
            column_config={
                "Preview": st.column_config.ImageColumn(_("Preview"), width="small"),
                "Check": st.column_config.TextColumn(_("Check"), width="large"),
                "Sent as": st.column_config.TextColumn(_("Sent as")),
                "Name": st.column_config.TextColumn(_("Name")),
                "Link": st.column_config.TextColumn(_("Link"), width="medium"),
            },
        )
    if view.warned:
        st.warning(
            _.ngettext(
                "{n} row could not be checked from here (no answer, or the name does not resolve on this "
                "computer). They will be sent: APIMart's servers may well reach them.",
                "{n} rows could not be checked from here (no answer, or the name does not resolve on this "
                "computer). They will be sent: APIMart's servers may well reach them.",
                len(view.warned),
            ).format(n=len(view.warned)),
            icon=":material/wifi_off:",
        )
    if view.held:
        _held_back(view.held, send_all_anyway)
    return view


def _with_links(probe: dict[str, ProbeResult], files: FileRows) -> tuple[dict, dict]:
    """The file rows' verdicts and thumbnails, plus those of links whose file the probe read (their cell
    thumbnails made once per set of answers, not on every rerun)."""
    links = {url: r for url, r in probe.items() if url not in files.items and r.media is not None}
    _ = language.translator()
    judged = {**files.verdicts, **{url: media_words.link_verdict(r.media, _) for url, r in links.items()}}
    pictures = {url: r.thumbnail for url, r in links.items() if r.thumbnail}
    small = state.cached_view(
        "submit_link_thumbnails",
        tuple((url, hash(jpeg)) for url, jpeg in pictures.items()),  # a bytes object keeps its hash
        lambda: {url: uri for url, jpeg in pictures.items() if (uri := cell_uri(jpeg))},
    )
    return judged, {**files.thumbnails, **small}


def _held_back(held: list[tuple[RowCheck, ProbeResult]], send_all_anyway: bool) -> None:
    _ = language.translator()
    with st.container(border=True):
        st.markdown(
            _.ngettext(
                "**{n} row: the server's answer says APIMart will not be able to use it.** Held back unless you "
                "send anyway (for example when the link only works for APIMart).",
                "**{n} rows: the server's answer says APIMart will not be able to use them.** Held back unless "
                "you send anyway (for example when the link only works for APIMart).",
                len(held),
            ).format(n=len(held))
        )
        if len(held) > 1:
            st.checkbox(_("Send all {n} anyway").format(n=len(held)), key=ALL_KEY)
        for check, result in held:
            st.checkbox(
                _("Row {n}, {name}: send anyway").format(n=check.index + 1, name=literal(check.name)),
                key=anyway_key(check.url),
                disabled=send_all_anyway,
                help=said_in(_, result.problem),
            )
