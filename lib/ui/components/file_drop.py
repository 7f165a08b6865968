"""Submit's "From this computer": the drop zone, each file streamed through the intake (checked, given a
thumbnail, hosted unless refused) into the table, and what could not join it: files refused with their reason,
files already in the table. The uploader is emptied after each intake: no file stays in session state."""

from __future__ import annotations

import logging

import streamlit as st

from lib.assets import EXTENSIONS
from lib.i18n import Translator
from lib.media.intake import Intake, MediaItem, UploadTooLarge
from lib.media.limits import UPLOAD_MAX_BYTES, UPLOAD_MAX_MB
from lib.media.storage.settings import StorageSettingsError
from lib.ui import language, state
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


def _receive(intake: Intake, upload, group_id: str, _: Translator) -> MediaItem | str:
    """The intake's item for one uploaded file, or why it could not be taken in."""
    try:
        return intake.receive(
            _chunks(upload), upload.name, group_id, source="computer", max_bytes=UPLOAD_MAX_BYTES
        )
    except UploadTooLarge:
        return _("larger than the upload limit ({mb} MB)").format(mb=UPLOAD_MAX_MB)
    except Exception:  # the storage failed (a full disk, a bucket out of reach): this file only, said so
        log.exception("a dropped file could not be stored")
        return _("it could not be stored just now (see the server's log); drop it again")


def refused(items: list[tuple[str, str]]) -> None:
    """Files that cannot be sent, listed with their reason (from the drop zone or the phone)."""
    listed = st.session_state.setdefault(REFUSED_KEY, [])
    listed.extend(item for item in items if item not in listed)  # the same file twice is said once


def take_in(uploads: list) -> None:
    """Every dropped file through the intake, with progress; the table gets the ones that can go."""
    wf = state.workflow()
    _ = language.translator()
    try:
        intake = state.intake()
    except StorageSettingsError as error:
        st.session_state[ERROR_KEY] = _(
            "Files cannot be taken in: the file storage is not set up ({error})."
        ).format(error=literal(error))
        return
    progress = st.progress(0.0, text=_("Checking the files…"))
    taken: list[tuple[str, MediaItem]] = []
    for n, upload in enumerate(uploads, start=1):
        progress.progress(
            (n - 1) / len(uploads),
            text=_("Checking {n} of {total}: {name}").format(n=n, total=len(uploads), name=literal(upload.name)),
        )
        got = _receive(intake, upload, wf.group_id, _)
        if isinstance(got, str):
            refused([(upload.name, got)])
        elif got.state != "ready":
            refused([(upload.name, refusal(got.report, _))])
        else:
            taken.append((upload.name, got))
    progress.empty()
    already = media_rows.add_items(wf, [item for _name, item in taken])
    added = len(taken) - len(already)
    notes = (
        [_.ngettext("Added {n} file to the table.", "Added {n} files to the table.", added).format(n=added)]
        if added
        else []
    )
    notes += [_("{name}: already in the table").format(name=literal(taken[n][0])) for n in already]
    st.session_state[NOTES_KEY] = notes


def _clear_refused() -> None:
    st.session_state.pop(REFUSED_KEY, None)


def show() -> None:
    if media_hosting.refused():  # another app server could not serve what this one would keep: said why
        return
    key = f"submit__files_{st.session_state.setdefault(VERSION_KEY, 0)}"
    _ = language.translator()
    uploads = st.file_uploader(
        _("Photos and clips (JPEG, PNG, WebP, HEIC, BMP, TIFF, GIF; MP4, MOV)"),
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=key,
        help=_(
            "Up to {mb} MB each. Each file is checked the way APIMart will check it; what can be fixed gets a "
            "button, and the original is kept."
        ).format(mb=UPLOAD_MAX_MB),
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
                _.ngettext(
                    "**{n} file can't be sent** (not added to the table):",
                    "**{n} files can't be sent** (not added to the table):",
                    len(bad),
                ).format(n=len(bad))
            )
            st.markdown("\n".join(f"- {literal(name)}: {literal(reason)}" for name, reason in bad[-50:]))
            st.button(_("Clear this list"), key="submit__clear_refused", on_click=_clear_refused)
