"""Submit's "From this computer": the drop zone, each file streamed through the intake (checked, given a
thumbnail, hosted unless refused) into the table, and what could not join it: files refused with their reason,
files already in the table. The uploader is emptied after each intake: no file stays in session state."""

from __future__ import annotations

import logging

import streamlit as st

from lib.assets import EXTENSIONS
from lib.media.intake import Intake, MediaItem, UploadTooLarge
from lib.media.limits import UPLOAD_MAX_BYTES, UPLOAD_MAX_MB
from lib.media.storage.settings import StorageSettingsError
from lib.submission_view import plural
from lib.ui import state
from lib.ui.components import media_hosting, media_rows
from lib.ui.media_words import refusal
from lib.ui.text import literal

log = logging.getLogger(__name__)

VERSION_KEY = "submit__files_version"  # a new key empties the uploader (and lets Streamlit drop the bytes)
REFUSED_KEY = "submit__refused_files"  # [(name, reason)]: listed until cleared, never sent
NOTES_KEY = "submit__file_notes"  # one-time words on the last drop ("already in the table")
ERROR_KEY = "submit__files_error"  # one-time: why the last drop could not be taken in at all
CHUNK = 1024 * 1024
UPLOAD_TYPES = sorted(EXTENSIONS["Image"] | EXTENSIONS["Video"])


def _chunks(upload):
    while chunk := upload.read(CHUNK):
        yield chunk


def _receive(intake: Intake, upload, group_id: str) -> MediaItem | str:
    """The intake's item for one uploaded file, or why it could not be taken in."""
    try:
        return intake.receive(
            _chunks(upload), upload.name, group_id, source="computer", max_bytes=UPLOAD_MAX_BYTES
        )
    except UploadTooLarge:
        return f"larger than the upload limit ({UPLOAD_MAX_MB} MB)"
    except Exception:  # the storage failed (a full disk, a bucket out of reach): this file only, said so
        log.exception("a dropped file could not be stored")
        return "it could not be stored just now (see the server's log); drop it again"


def refused(items: list[tuple[str, str]]) -> None:
    """Files that cannot be sent, listed with their reason (from the drop zone or the phone)."""
    listed = st.session_state.setdefault(REFUSED_KEY, [])
    listed.extend(item for item in items if item not in listed)  # the same file twice is said once


def take_in(uploads: list) -> None:
    """Every dropped file through the intake, with progress; the table gets the ones that can go."""
    wf = state.workflow()
    try:
        intake = state.intake()
    except StorageSettingsError as error:
        st.session_state[ERROR_KEY] = (
            f"Files cannot be taken in: the file storage is not set up ({literal(error)})."
        )
        return
    progress = st.progress(0.0, text="Checking the files…")
    taken: list[tuple[str, MediaItem]] = []
    for n, upload in enumerate(uploads, start=1):
        progress.progress(
            (n - 1) / len(uploads), text=f"Checking {n} of {len(uploads)}: {literal(upload.name)}"
        )
        got = _receive(intake, upload, wf.group_id)
        if isinstance(got, str):
            refused([(upload.name, got)])
        elif got.state != "ready":
            refused([(upload.name, refusal(got.report))])
        else:
            taken.append((upload.name, got))
    progress.empty()
    already = media_rows.add_items(wf, [item for _, item in taken])
    added = len(taken) - len(already)
    notes = [f"Added {plural(added, 'file')} to the table."] if added else []
    notes += [f"{literal(taken[n][0])}: already in the table" for n in already]
    st.session_state[NOTES_KEY] = notes


def _clear_refused() -> None:
    st.session_state.pop(REFUSED_KEY, None)


def show() -> None:
    if media_hosting.refused():  # another app server could not serve what this one would keep: said why
        return
    key = f"submit__files_{st.session_state.setdefault(VERSION_KEY, 0)}"
    uploads = st.file_uploader(
        "Photos and clips (JPEG, PNG, WebP, HEIC, BMP, TIFF, GIF; MP4, MOV)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=key,
        help=f"Up to {UPLOAD_MAX_MB} MB each. Each file is checked the way APIMart will check it; what can be "
        "fixed gets a button, and the original is kept.",
    )
    if uploads:
        take_in(list(uploads))
        st.session_state[VERSION_KEY] += 1
        st.rerun()
    if error := st.session_state.pop(ERROR_KEY, None):
        st.error(error, icon=":material/cloud_off:")
    for note in st.session_state.pop(NOTES_KEY, []):
        st.caption(note)
    if bad := st.session_state.get(REFUSED_KEY):
        with st.container(border=True):
            st.markdown(
                f"**{plural(len(bad), 'file')} can't be sent** (not added to the table):"
            )
            st.markdown("\n".join(f"- {literal(name)}: {literal(reason)}" for name, reason in bad[-50:]))
            st.button("Clear this list", key="submit__clear_refused", on_click=_clear_refused)
