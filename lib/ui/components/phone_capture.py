"""The person's phone as a camera: on the Group step a capture link (QR code, link, time left, close) that
expires; on Submit a way to it and a poll that puts what the phone sent into the table within 2 s. The token
is shown only by the session that opened the link (the store keeps its hash)."""

from __future__ import annotations

import time

import streamlit as st

from lib.i18n import Translator
from lib.media import rows as media_table
from lib.media.capture_routes import capture_url
from lib.media.intake import MediaItem
from lib.qr import qr_png
from lib.store.captures import CaptureLink
from lib.store.media import READY
from lib.ui import language, media_words, state
from lib.ui.components import file_drop, media_hosting, media_rows
from lib.ui.text import literal

HELD_KEY = "avatar_desk__capture"  # group id -> (link id, URL): the token lives here and in the QR alone
SINCE_KEY = "submit__phone_since"  # group id -> the newest created_at the table has taken in
SEEN_KEY = "submit__phone_seen"  # group id -> media ids already taken in (or refused)


def _held(group_id: str) -> tuple[str, str] | None:
    return st.session_state.get(HELD_KEY, {}).get(group_id)


def _watch_from(group_id: str, since: float) -> None:
    st.session_state.setdefault(SINCE_KEY, {}).setdefault(group_id, since)


def _open(group_id: str, label: str) -> None:
    link, token = state.store().captures.open(group_id, label, state.capture_lifetime())
    st.session_state.setdefault(HELD_KEY, {})[group_id] = (link.id, capture_url(state.app_base_url(), token))
    _watch_from(group_id, link.created_at)


def _close(group_id: str, link_id: str) -> None:
    state.store().captures.close(link_id)
    st.session_state.get(HELD_KEY, {}).pop(group_id, None)


def _left(link: CaptureLink, _: Translator) -> str:
    seconds = max(0, int(link.expires_at - time.time()))
    return _("{minutes} min {seconds} s").format(minutes=seconds // 60, seconds=f"{seconds % 60:02d}")


@st.fragment(run_every=1.0)
def _status(group_id: str, link_id: str) -> None:
    kept = state.store()
    link = kept.captures.current(group_id)
    if link is None or link.id != link_id:
        st.rerun()  # expired or closed: the card changes as a whole
    got = kept.media.by_capture(link_id)
    _ = language.translator()
    st.markdown(_("Open for **{left}** more · received: **{count}**").format(left=_left(link, _), count=len(got)))
    if got:
        st.caption(", ".join(literal(r.name) for r in got[-10:]))


def card(group_id: str, label: str) -> None:
    """The Group step's "Add photos from the person's phone"."""
    _ = language.translator()
    st.subheader(_("Add photos from the person's phone"))
    if media_hosting.refused(caption=False):  # the phone's files could not be served by every server
        return
    link = state.store().captures.current(group_id)
    held = _held(group_id)
    if link is None or held is None or held[0] != link.id:
        if link is not None:
            st.caption(
                _("A phone link is open ({left} left) but cannot be shown again here. A new one closes it.").format(
                    left=_left(link, _)
                )
            )
        st.caption(
            _(
                "The person opens a link on their phone and takes photos, records a short clip or picks from their "
                "gallery. What they send appears on the Submit step within seconds, already checked."
            )
        )
        st.button(
            _("Open a phone link"), key="group__capture_open", on_click=_open, args=(group_id, label),
            icon=":material/add_a_photo:",
        )  # fmt: skip
        return
    _watch_from(group_id, link.created_at)
    qr_col, info_col = st.columns([2, 3])
    with qr_col:
        st.image(qr_png(held[1], scale=8), output_format="PNG", caption=_("Scan with the person's phone"))
    with info_col:
        _status(group_id, link.id)
        st.markdown(_("**Link** (copy with the icon on the right)"))
        st.code(held[1], language=None, wrap_lines=True)
        st.caption(_("It shows nothing but what is sent through it, and stops working when it expires."))
        st.button(
            _("Close the link"), key="group__capture_close", on_click=_close, args=(group_id, link.id),
            icon=":material/link_off:",
        )  # fmt: skip
    st.page_link("pages/submit.py", label=_("See them on the Submit step"), icon=":material/arrow_forward:")


def take_in(group_id: str) -> bool:
    """What the phone sent since the table last looked: ready files into the table, refused ones listed.
    True when something new came."""
    since = st.session_state.get(SINCE_KEY, {}).get(group_id)
    if since is None:
        return False
    seen = st.session_state.setdefault(SEEN_KEY, {}).setdefault(group_id, set())
    arrived = state.store().media.by_group(group_id, since=since)
    new = media_table.unseen(arrived, seen)
    st.session_state[SINCE_KEY][group_id] = media_table.newest(arrived, since)
    if not new:
        return False
    seen.update(r.id for r in new)
    media_rows.add_items(state.workflow(), [MediaItem.from_row(r) for r in new if r.state == READY])
    _ = language.translator()
    file_drop.refused([(r.name, media_words.refusal(r.media_report(), _)) for r in new if r.state != READY])
    return True


@st.fragment(run_every=1.0)
def _poll(group_id: str) -> None:
    if take_in(group_id) or state.store().captures.current(group_id) is None:
        st.rerun()  # the table changed, or the link ended (the poll stops with it)


def on_submit(group_id: str) -> bool:
    """Submit's way to the phone link, and what the phone sent since the last run, taken in before the table
    is drawn (a full run looks too: AppTest never fires run_every, and a link may just have ended). True
    while a link is open: the page then draws the poll (`poll`)."""
    link = state.store().captures.current(group_id)
    if link is not None:
        _watch_from(group_id, link.created_at)
    take_in(group_id)
    _ = language.translator()
    if link is None:
        st.page_link(
            "pages/group.py", label=_("Add photos from the person's phone"), icon=":material/add_a_photo:"
        )
        return False
    st.caption(
        _("The phone link is open ({left} left): what the person sends appears in the table.").format(
            left=_left(link, _)
        )
    )
    return True


def poll(group_id: str) -> None:
    """The poll (a timer fragment with nothing to show), drawn last on the page."""
    _poll(group_id)
