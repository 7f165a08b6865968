"""The Library's data: frames of people, assets and videos from the store, and the full export. Pure
apart from reading the store; no Streamlit. Statuses stay codes (lib/ui/words.py makes the words)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import datetime, timezone, tzinfo

import numpy as np
import pandas as pd

from lib.exports import csv_bytes
from lib.store.workspace import Store

PEOPLE_COLUMNS = ["label", "group_id", "usable", "failed", "pending", "created", "mode", "notes"]
ASSET_COLUMNS = [
    "label",
    "group_id",
    "name",
    "attempt",
    "status",
    "asset_url",
    "source_url",
    "error_code",
    "task_id",
]


def when_text(ts: float | None, tz: tzinfo | None = None) -> str:
    """"2026-03-04 14:05" in `tz` (the pages pass the browser's zone, lib.ui.when.zone(); UTC when None,
    as in exports); "" for no time."""
    if ts is None or not isinstance(ts, int | float) or not math.isfinite(ts) or not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=tz or timezone.utc).strftime("%Y-%m-%d %H:%M")


def _blank_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing text cells (None, NaN) as empty strings: a table shows nothing there, never "None"."""
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].where(frame[column].notna(), "")
    return frame


def people_frame(store: Store, search: str = "", tz: tzinfo | None = None) -> pd.DataFrame:
    rows = [{**asdict(p), "created": when_text(p.created_at, tz)} for p in store.people.find(search)]
    return _blank_cells(pd.DataFrame(rows, columns=PEOPLE_COLUMNS))


def assets_frame(
    store: Store, group_id: str | None = None, *, latest_only: bool = True, status: str = ""
) -> pd.DataFrame:
    rows = store.assets.table(ASSET_COLUMNS, group_id, latest_only=latest_only, status=status)
    if not rows:  # no dtype to go by: every column is text, as an empty table's are
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in ASSET_COLUMNS})
    # One block of plain text (object) with missing cells already "": a group's thousand rows are re-read
    # after every write, and inferring pandas' string dtype, then converting it back and blanking it, cost
    # more than the query.
    cells = np.array(rows, dtype=object)
    cells[np.equal(cells, None)] = ""
    frame = pd.DataFrame(cells, columns=ASSET_COLUMNS, dtype=object)
    frame["attempt"] = cells[:, ASSET_COLUMNS.index("attempt")].astype("int64")
    return frame


def videos_frame(store: Store, group_id: str | None = None, tz: tzinfo | None = None) -> pd.DataFrame:
    rows = [
        {
            "created": when_text(v["created_at"], tz),
            "status": v["status"],
            "model": v["model"] or "",
            "prompt": v["prompt"] or "",
            "video_url": v["video_url"] or "",
            "assets": len(v["assets"]),
            "task_id": v["task_id"] or "",
            "group_id": v["group_id"] or "",
        }
        for v in store.videos.all()
        if group_id is None or v["group_id"] == group_id
    ]
    return pd.DataFrame(
        rows, columns=["created", "status", "model", "prompt", "video_url", "assets", "task_id", "group_id"]
    )


def export_json(store: Store) -> bytes:
    """Everything of this connection: people, every asset attempt, videos, open write-ahead intents."""
    scope = store.scope
    data = {
        "exported_at": when_text(datetime.now(tz=timezone.utc).timestamp()),
        "mode": scope.mode,
        "base_url": scope.base_url,
        "people": [asdict(p) for p in store.people.find()],
        "assets": [
            {k: v for k, v in r.items() if k != "scope"} for r in store.assets.rows(latest_only=False)
        ],
        "videos": [{k: v for k, v in r.items() if k != "scope"} for r in store.videos.all()],
        "unknown_outcomes": {
            "asset_sends": store.assets.unsettled_sends(),
            "videos": [{k: v for k, v in r.items() if k != "scope"} for r in store.videos.unsettled()],
            # Written by versions before per-row write-ahead.
            "open_intents": [{k: v for k, v in r.items() if k != "scope"} for r in store.intents.open()],
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def export_csv(store: Store) -> bytes:
    """One row per asset attempt, with its person: the table people open in a spreadsheet (so no cell of it can
    start a formula)."""
    return csv_bytes(assets_frame(store, latest_only=False))


def unsettled_count(store: Store) -> int:
    """How many asset sends and videos wait for the operator's decision (counted, not read)."""
    return store.assets.unsettled_send_count() + store.videos.unsettled_count()


def version(store: Store) -> tuple[int, str]:
    """What the Library's frames depend on, for caching them: the store's change stamp (it moves on any write,
    by any process) and the connection."""
    return store.change_stamp(), store.scope.id
