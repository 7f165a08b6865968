"""Where uploaded files are kept, said where files are taken in (Submit's "From this computer", the Group step's
phone link), and the refusal while this server's app-hosted files could not be served by every app server on
the database (lib.media.sharing): with the two ways out, a bucket or a shared folder."""

from __future__ import annotations

import streamlit as st

from lib.media.sharing import MediaSharing, current_sharing
from lib.media.storage.settings import StorageSettingsError
from lib.submission_view import plural
from lib.ui import state
from lib.ui.text import code


def _sharing() -> MediaSharing | None:
    try:
        settings = state.storage_settings()
    except StorageSettingsError:
        return None  # the drop zone says what is wrong with the settings
    return current_sharing(state.database(), settings)


def where(sharing: MediaSharing) -> str:
    """One sentence: where this server keeps the files it is given."""
    if sharing.backend == "s3":
        return f"Files are kept in bucket {code(sharing.where)}."
    if sharing.shared_folder:
        return f"Files are kept in the shared folder {code(sharing.where)} ({sharing.servers} servers)."
    return f"Files are kept on this server, in {code(sharing.where)}."


def refused(*, caption: bool = True) -> bool:
    """Says why files cannot be taken in here and the two ways out, and returns True, while another live app
    server could not serve the files this one would host; otherwise says where files are kept (`caption`)
    and returns False."""
    sharing = _sharing()
    if sharing is None:
        return False
    if not sharing.refuses:
        if caption:
            st.caption(where(sharing))
        return False
    others = plural(sharing.unshared, "other app server")
    st.error(
        f"**Files can't be taken in on this server.** {others} on the same database "
        f"{'does' if sharing.unshared == 1 else 'do'} not see its media folder ({code(sharing.where)}), so a "
        "file kept here could not be served when a request reaches "
        f"{'it' if sharing.unshared == 1 else 'them'}. Two ways out, on every server:  \n"
        f"1. a bucket: set {code('AVATAR_DESK_S3_BUCKET')} (and its keys), or  \n"
        f"2. a shared folder: point {code('AVATAR_DESK_MEDIA_DIR')} at one folder every server mounts.  \n"
        "Then restart the servers. Links to files hosted elsewhere can still be pasted.",
        icon=":material/folder_off:",
    )
    return True
