"""Submit's guard for files APIMart could not fetch: in live mode, file rows whose URL is on an address only
this computer or network reaches (app-hosted behind a loopback public URL, or a local bucket). It says so with
the two ways out; nothing is sent while it holds."""

from __future__ import annotations

import streamlit as st

from lib.i18n import said_in
from lib.media.rows import unreachable_from_outside
from lib.ui import language, state
from lib.ui.components.media_rows import FileRows
from lib.ui.text import code, literal


def blocks(files: FileRows) -> bool:
    """Shows the guard when it holds; True then (nothing is sent)."""
    if not files.items or state.connection_settings().is_sandbox:
        return False
    local = {url: why for url in files.items if (why := unreachable_from_outside(url))}
    if not local:
        return False
    n, why = len(local), next(iter(local.values()))
    _ = language.translator()
    st.error(
        _.ngettext(
            "**APIMart cannot fetch {n} file in the table:** it is hosted at an address only this computer or "
            "network reaches ({why}). Nothing is sent. Two ways out:  \n"
            "1. Set {public_url} to an address the internet reaches (a deployment, or a tunnel to this app "
            "such as `cloudflared tunnel --url http://localhost:8501`), or  \n"
            "2. configure an S3-compatible bucket ({bucket} and its keys, in the environment or "
            "`.streamlit/secrets.toml`).  \n"
            "Then restart the app, remove these rows and add the files again.",
            "**APIMart cannot fetch {n} files in the table:** they are hosted at an address only this computer "
            "or network reaches ({why}). Nothing is sent. Two ways out:  \n"
            "1. Set {public_url} to an address the internet reaches (a deployment, or a tunnel to this app "
            "such as `cloudflared tunnel --url http://localhost:8501`), or  \n"
            "2. configure an S3-compatible bucket ({bucket} and its keys, in the environment or "
            "`.streamlit/secrets.toml`).  \n"
            "Then restart the app, remove these rows and add the files again.",
            n,
        ).format(
            n=n,
            why=literal(said_in(_, why)),
            public_url=code("AVATAR_DESK_PUBLIC_URL"),
            bucket=code("AVATAR_DESK_S3_BUCKET"),
        ),
        icon=":material/cloud_off:",
    )
    return True
