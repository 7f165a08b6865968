"""Where uploaded files are kept, said where files are taken in (Submit's "From this computer", the Group step's
phone link), and the refusal while this server's app-hosted files could not be served by every app server on
the database (lib.media.sharing): with the two ways out, a bucket or a shared folder."""

from __future__ import annotations

import streamlit as st

from lib.media.sharing import MediaSharing, current_sharing
from lib.media.storage.settings import StorageSettingsError
from lib.ui import language, state
from lib.ui.text import code


def _sharing() -> MediaSharing | None:
    try:
        settings = state.storage_settings()
    except StorageSettingsError:
        return None  # the drop zone says what is wrong with the settings
    return current_sharing(state.database(), settings)


def where(sharing: MediaSharing) -> str:
    """One sentence: where this server keeps the files it is given."""
    _ = language.translator()
    if sharing.backend == "s3":
        return _("Files are kept in bucket {bucket}.").format(bucket=code(sharing.where))
    if sharing.shared_folder:
        return _.ngettext(
            "Files are kept in the shared folder {folder} ({n} server).",
            "Files are kept in the shared folder {folder} ({n} servers).",
            sharing.servers,
        ).format(folder=code(sharing.where), n=sharing.servers)
    return _("Files are kept on this server, in {folder}.").format(folder=code(sharing.where))


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
    _ = language.translator()
    st.error(
        _.ngettext(
            "**Files can't be taken in on this server.** {n} other app server on the same database does not "
            "see its media folder ({folder}), so a file kept here could not be served when a request reaches "
            "it. Two ways out, on every server:  \n"
            "1. a bucket: set {bucket} (and its keys), or  \n"
            "2. a shared folder: point {media_dir} at one folder every server mounts.  \n"
            "Then restart the servers. Links to files hosted elsewhere can still be pasted.",
            "**Files can't be taken in on this server.** {n} other app servers on the same database do not "
            "see its media folder ({folder}), so a file kept here could not be served when a request reaches "
            "them. Two ways out, on every server:  \n"
            "1. a bucket: set {bucket} (and its keys), or  \n"
            "2. a shared folder: point {media_dir} at one folder every server mounts.  \n"
            "Then restart the servers. Links to files hosted elsewhere can still be pasted.",
            sharing.unshared,
        ).format(
            n=sharing.unshared,
            folder=code(sharing.where),
            bucket=code("AVATAR_DESK_S3_BUCKET"),
            media_dir=code("AVATAR_DESK_MEDIA_DIR"),
        ),
        icon=":material/folder_off:",
    )
    return True
