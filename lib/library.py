"""The Library's data: frames of people, assets and videos from the store, and the full export. Pure
apart from reading the store; no Streamlit. Statuses stay codes (lib/ui/words.py makes the words)."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone, tzinfo

import numpy as np
import pandas as pd

from lib.exports import csv_bytes
from lib.store.people import Person
from lib.store.workspace import Store

PEOPLE_COLUMNS = [
    "label",
    "group_id",
    "usable",
    "failed",
    "pending",
    "created",
    "mode",
    "notes",
    "created_by",
]
# Who added a row when nobody signed in (the laptop), or before sign-in existed (rows older than migration 0006).
NOBODY = "—"
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
    "created_by",
]
# What the Library's table of one person's assets shows: their label and group id are the page's already
# (and a rename then leaves the frame as it was read).
PERSON_ASSET_COLUMNS = [c for c in ASSET_COLUMNS if c not in ("label", "group_id")]
# More people written to than this since the last read, and everyone is read again.
_REFRESH_AT_MOST = 50


def when_text(ts: float | None, tz: tzinfo | None = None) -> str:
    """ "2026-03-04 14:05" in `tz` (the pages pass the browser's zone, lib.ui.when.zone(); UTC when None,
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


def _person_row(p: Person, tz: tzinfo | None) -> tuple:
    """A Person as a row of PEOPLE_COLUMNS (attribute by attribute: dataclasses.asdict deep-copies each)."""
    return (
        p.label,
        p.group_id,
        p.usable,
        p.failed,
        p.pending,
        when_text(p.created_at, tz),
        p.mode,
        p.notes,
        p.created_by or NOBODY,
    )


def people_frame(store: Store, search: str = "", tz: tzinfo | None = None) -> pd.DataFrame:
    rows = [_person_row(p, tz) for p in store.people.find(search)]
    return _blank_cells(pd.DataFrame(rows, columns=PEOPLE_COLUMNS))


def person_names(labels: dict[str, str]) -> dict[str, str]:
    """group id -> the name to pick them by: their label, with the id only when the label is empty or two
    people share it."""
    counts = Counter(labels.values())
    return {
        g: f"{label or 'Unnamed person'} · {g}" if not label or counts[label] > 1 else label
        for g, label in labels.items()
    }


@dataclass(frozen=True)
class PeopleView:
    """The Library's people as read at `stamp` (the scope's change stamp) for a search and a time zone: the
    table's frame and what the person picker needs (group ids in the table's order, labels, names). Kept in
    the session and brought up to date by `people_view`: only the people written to since are read again."""

    scope: str
    stamp: int
    search: str
    tz: str
    frame: pd.DataFrame
    positions: dict[str, int]  # group id -> row of `frame`
    labels: dict[str, str]
    names: dict[str, str]
    # Who added them (lib.library.actors), derived once per frame read and kept with it: a write to one
    # person does not go over everyone again.
    actors: tuple[str, ...] = ()

    @property
    def group_ids(self) -> list[str]:
        return list(self.positions)

    @property
    def key(self) -> tuple:
        """What the view was read for and at: frames derived from it are made again only when this moves."""
        return (self.scope, self.stamp, self.search, self.tz)


def _view_of(view: PeopleView, frame: pd.DataFrame) -> PeopleView:
    """`view` narrowed to `frame` (some of its rows, in its order)."""
    ids = frame["group_id"].tolist()
    labels = {g: view.labels[g] for g in ids}
    return replace(
        view,
        frame=frame,
        positions={g: i for i, g in enumerate(ids)},
        labels=labels,
        names=person_names(labels),
        actors=_actors_in(frame),
    )


def _actors_in(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple(sorted(a for a in frame["created_by"].unique() if a and a != NOBODY))


def actors(view: PeopleView) -> list[str]:
    """Who added the people of `view` (signed-in operators' emails or names), sorted; empty when nobody
    signed in to add any."""
    return list(view.actors)


def added_by(view: PeopleView, actor: str = "") -> PeopleView:
    """The people of `view` added by `actor` ("": anyone, the view itself): the frame already read, filtered
    (no store read)."""
    if not actor:
        return view
    frame = view.frame[view.frame["created_by"] == actor].reset_index(drop=True)
    return _view_of(view, frame)


def _people_view(store: Store, stamp: int, search: str, tz: tzinfo | None) -> PeopleView:
    frame = people_frame(store, search, tz)
    ids = frame["group_id"].tolist()
    labels = dict(zip(ids, frame["label"].tolist(), strict=True))
    return PeopleView(
        store.scope.id,
        stamp,
        search,
        str(tz),
        frame,
        {g: i for i, g in enumerate(ids)},
        labels,
        person_names(labels),
        _actors_in(frame),
    )


def _refreshed(store: Store, view: PeopleView, changes: dict[str, bool], stamp: int, tz) -> PeopleView | None:
    """`view` with the rows of the people in `changes` read again (group id -> whether their items changed:
    they are counted again only then; a rename leaves the counts). None when everyone is better read again:
    many changed, or someone not in the view now matches."""
    if not changes:
        return replace(view, stamp=stamp)
    if len(changes) > _REFRESH_AT_MOST:
        return None
    changed, counted = set(changes), {g for g, items in changes.items() if items}
    fresh = {p.group_id: p for p in store.people.find(view.search, only=counted)} if counted else {}
    if uncounted := changed - counted:
        fresh.update((p.group_id, p) for p in store.people.find(view.search, only=uncounted, counts=False))
    if any(g not in view.positions for g in fresh):
        return None  # a new person (or one the search now finds) has a place by age: read everyone
    frame, labels = view.frame.copy(), dict(view.labels)
    kept_counts = [PEOPLE_COLUMNS.index(c) for c in ("usable", "failed", "pending")]
    by = PEOPLE_COLUMNS.index("created_by")
    actors_moved = False
    for g, person in fresh.items():
        row = _person_row(person, tz)
        actors_moved = actors_moved or row[by] != frame.iat[view.positions[g], by]
        for column, value in enumerate(row):
            if g in counted or column not in kept_counts:
                frame.iat[view.positions[g], column] = "" if value is None else value
        labels[g] = frame.iat[view.positions[g], 0]
    positions = view.positions
    gone = [g for g in changed if g in positions and g not in fresh]  # the search no longer finds them
    if gone:
        frame = frame.drop(index=frame.index[[positions[g] for g in gone]]).reset_index(drop=True)
        ids = frame["group_id"].tolist()
        positions = {g: i for i, g in enumerate(ids)}
        labels = {g: labels[g] for g in ids}
    return replace(
        view,
        stamp=stamp,
        frame=frame,
        positions=positions,
        labels=labels,
        names=person_names(labels),
        actors=_actors_in(frame) if actors_moved or gone else view.actors,
    )


def people_view(
    store: Store,
    search: str = "",
    tz: tzinfo | None = None,
    since: PeopleView | None = None,
    stamp: int | None = None,
) -> PeopleView:
    """The people of this connection matching `search`, with times in `tz`: `since` (the view read before)
    when nothing was written under this connection since; else `since` with only the people written to
    read again; everyone read again when `since` was for another connection, search or zone, or when who
    changed is not known. `stamp`: the connection's change stamp, when the caller has just read it."""
    if stamp is None:
        stamp = store.change_stamp()  # before reading: a write while reading shows as a change next time
    if since is not None and (since.scope, since.search, since.tz) == (store.scope.id, search, str(tz)):
        if since.stamp == stamp:
            return since
        changes = store.changes_since(since.stamp)
        if changes is not None and (view := _refreshed(store, since, changes, stamp, tz)) is not None:
            return view
    return _people_view(store, stamp, search, tz)


def assets_frame(
    store: Store,
    group_id: str | None = None,
    *,
    latest_only: bool = True,
    status: str = "",
    columns: Sequence[str] = tuple(ASSET_COLUMNS),
) -> pd.DataFrame:
    columns = list(columns)
    rows = store.assets.table(columns, group_id, latest_only=latest_only, status=status)
    if not rows:  # no dtype to go by: every column is text, as an empty table's are
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})
    # One block of plain text (object) with missing cells already "": a group's thousand rows are re-read
    # after every write, and inferring pandas' string dtype, then converting it back and blanking it, cost
    # more than the query.
    cells = np.array(rows, dtype=object)
    cells[np.equal(cells, None)] = ""
    frame = pd.DataFrame(cells, columns=columns, dtype=object)
    if "attempt" in columns:
        frame["attempt"] = cells[:, columns.index("attempt")].astype("int64")
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
            "created_by": v.get("created_by") or NOBODY,
        }
        for v in store.videos.all()
        if group_id is None or v["group_id"] == group_id
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "created",
            "status",
            "model",
            "prompt",
            "video_url",
            "assets",
            "task_id",
            "group_id",
            "created_by",
        ],
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


def stamps(store: Store) -> tuple[int, tuple[int, str]]:
    """The connection's change stamp (for people_view) and version(store), in one read."""
    stamp, items = store.change_stamps()
    return stamp, (items, store.scope.id)


def version(store: Store, group_id: str | None = None) -> tuple[int, str]:
    """What frames of photos, clips and videos depend on, for caching them: this connection's items stamp
    (it moves on a write touching anyone's, by any process; with `group_id`, only that person's: writes under
    other connections, to other people, or renames leave it) and the connection."""
    return store.change_stamps(group_id)[1], store.scope.id


def person_version(store: Store, group_id: str, scope_version: tuple[int, str], held: tuple | None) -> tuple:
    """version(store, group_id), with what it was read for: (scope_version, group_id, version). `held`, the one
    read before, is given back without a read while the connection's items stamp (`scope_version`, from
    stamps(), just read) has not moved: every write that moves a person's items stamp moves the connection's
    too (Database.write marks both), so theirs cannot have moved either. A rename or a write to nobody's
    photos, clips or videos then costs no read here."""
    if held is not None and held[:2] == (scope_version, group_id):
        return held
    return scope_version, group_id, version(store, group_id)
