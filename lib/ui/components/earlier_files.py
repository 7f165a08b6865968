"""Submit's offer of a person's files that are stored but not in the table (the table lives in the session:
after a reload or on another day the files are still kept, and one click brings them back)."""

from __future__ import annotations

import streamlit as st

from lib import library
from lib.media import rows as media_table
from lib.media.intake import MediaItem
from lib.ui import language, state
from lib.ui.components import media_rows


def _add_back(group_id: str) -> None:
    wf = state.workflow()
    store = state.store()
    left = _left(group_id, wf)
    full = store.media.by_ids(r.id for r in left)  # with their thumbnails, as the table shows them
    media_rows.add_items(wf, [MediaItem.from_row(full[r.id]) for r in left if r.id in full])


def _left(group_id: str, wf: state.Workflow):
    in_table = set(media_table.media_ids(r.url for r in wf.draft).values())
    store = state.store()
    kept = state.cached_view(  # read again only when this person's files change (any write to them moves it)
        "submit_kept_files", (library.version(store, group_id), group_id), lambda: store.media.kept(group_id)
    )
    return media_table.not_in_table(kept, in_table)


def show(wf: state.Workflow) -> None:
    left = _left(wf.group_id, wf)
    if not left:
        return
    _ = language.translator()
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(
            _.ngettext(
                "{n} file added earlier for this person, never sent, is not in the table.",
                "{n} files added earlier for this person, never sent, are not in the table.",
                len(left),
            ).format(n=len(left))
        )
        st.button(
            _("Add them back") if len(left) > 1 else _("Add it back"),
            key="submit__earlier_files",
            on_click=_add_back,
            args=(wf.group_id,),
            icon=":material/restore_page:",
        )
