"""Submit's file rows: which rows of the table are files this app hosts, their media verdicts and thumbnails
(one store read per set of rows), new files into the table, and a fixed file into its original's row."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import streamlit as st

from lib.assets import AssetRow
from lib.ledger import FAILED, USABLE
from lib.media import rows as media_table
from lib.media.intake import MediaItem
from lib.media.report import Fix
from lib.store.media import READY, MediaRow
from lib.submission_view import FileVerdict, filled
from lib.ui import language, media_words, state
from lib.ui.components import asset_editor
from lib.ui.text import literal

log = logging.getLogger(__name__)

ERROR_KEY = "submit__fix_error"


@dataclass(frozen=True)
class FileRows:
    """The table's rows that are hosted files, by row URL."""

    items: dict[str, MediaRow] = field(default_factory=dict)
    verdicts: dict[str, FileVerdict] = field(default_factory=dict)
    thumbnails: dict[str, str] = field(default_factory=dict)  # data: URIs

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self.items)


def _build(ids: dict[str, str]) -> FileRows:
    kept = state.store().media.by_ids(ids.values())
    items = {url: kept[i] for url, i in ids.items() if i in kept and kept[i].state == READY}
    _ = language.translator()
    return FileRows(
        items,
        {url: media_words.verdict(row.media_report(), _) for url, row in items.items()},
        {url: uri for url, row in items.items() if (uri := media_table.cell_uri(row.thumbnail))},
    )


def read(rows, name: str = "submit_files") -> FileRows:
    """The file rows among `rows`; read again only when the table's set of file URLs changes (a file's
    check and thumbnail never change: a fix is a new file). `name` keeps each caller's cache apart."""
    ids = media_table.media_ids(r.url for r in rows)
    if not ids:
        return FileRows()
    # The verdicts are words: kept per language too, so a switch shows them in the new one.
    return state.cached_view(name, (language.locale(), *sorted(ids.items())), lambda: _build(ids))


def hosted_urls(urls) -> frozenset[str]:
    """Those of `urls` that are files this app hosts (checked as they are: lib.assets.check_rows)."""
    return read([AssetRow(u) for u in urls], "resubmit_files").urls


def _url(item: MediaItem) -> str:
    return state.intake().url_for(item, state.app_base_url())


def add_items(wf: state.Workflow, items: list[MediaItem]) -> list[int]:
    """Ready items into the table (a name another row has gets a number); returns the positions in `items`
    of those already in it."""
    if not items:
        return []
    rows, already = media_table.add_rows(filled(wf.draft), [(_url(i), i.name, i.kind) for i in items])
    if len(rows) != len(filled(wf.draft)):
        for stale in ("submit__input_error", "submit__error", "submit__refusal"):
            st.session_state.pop(stale, None)
        asset_editor.reset(wf, rows)
    return already


def apply_fix(url: str, item: MediaRow, fix: Fix) -> None:
    """The fixed file takes its original's row (the original stays hosted and recorded)."""
    wf = state.workflow()
    try:
        made = state.intake().apply_fix(item.id, fix)
    except Exception:  # a file the fixer cannot handle, a storage that failed: said, the row kept as it was
        log.exception("a fix failed")
        _ = language.translator()
        st.session_state[ERROR_KEY] = _("{name}: the fix could not be made; the file is unchanged.").format(
            name=literal(item.name)
        )
        return
    st.session_state.pop(ERROR_KEY, None)
    if made.state != READY:
        from lib.ui.components.file_drop import refused  # the list the drop zone shows

        refused([(made.name, media_words.refusal(made.report, language.translator()))])
        asset_editor.reset(wf, [r for r in filled(wf.draft) if r.url != url])
        return
    asset_editor.reset(wf, media_table.replace_url(filled(wf.draft), url, _url(made), made.kind))


def mark_sent(ready, unsent) -> None:
    """The files among the rows that went out (or may have): kept until their review ends, then the retention
    period counts (lib.media.retention)."""
    left = {r.url for r in unsent}
    ids = media_table.media_ids(c.url for c in ready if c.url not in left)
    if ids:
        state.store().media.mark_sent(ids.values(), time.time())


ENDED_KEY = "avatar_desk__media_review_ended"  # media ids this session marked as reviewed


def mark_review_ended(ledger) -> None:
    """Files whose review ended (approved or not): the retention period counts from now. Each once."""
    done = st.session_state.setdefault(ENDED_KEY, set())
    settled = (a.current.url for a in ledger.assets.values() if a.status in (USABLE, FAILED))
    ids = set(media_table.media_ids(settled).values()) - done
    if ids:
        state.store().media.mark_review_ended(ids, time.time())
        done.update(ids)
