"""The Library's people view (lib.library.people_view) on a real SQLite file: kept as read while nothing of
its connection changed, only the people written to read again after a write, everyone read again when a
new person appears, and equal to a fresh read every time."""

from __future__ import annotations

from datetime import timezone

import pandas as pd
import pytest

from lib import library
from lib.store.database import Database
from lib.store.workspace import Store

# Every test on SQLite files and again on PostgreSQL (conftest: both_dialects).
pytestmark = pytest.mark.usefixtures("both_dialects")


def stores(tmp_path) -> tuple[Store, Store]:
    db = Database(tmp_path / "r.db")
    return (
        Store.for_connection(db, "sandbox", "http://x", "mine"),
        Store.for_connection(db, "sandbox", "http://x", "theirs"),
    )


def same_as_fresh(view: library.PeopleView, store: Store, search: str = "") -> None:
    fresh = library.people_frame(store, search, timezone.utc)
    pd.testing.assert_frame_equal(view.frame.reset_index(drop=True), fresh, check_dtype=False)
    assert view.group_ids == fresh["group_id"].tolist()
    assert view.labels == dict(zip(fresh["group_id"], fresh["label"], strict=True))


def test_people_view_reads_again_only_what_changed(tmp_path, monkeypatch):
    mine, theirs = stores(tmp_path)
    for i in range(4):
        mine.people.save(f"group-{i}", f"Person {i}")
    view = library.people_view(mine, tz=timezone.utc)
    same_as_fresh(view, mine)

    theirs.people.save("group-9", "Theirs")  # another connection: nothing to read
    assert library.people_view(mine, tz=timezone.utc, since=view) is view

    asked: list = []
    find = mine.people.find

    def finding(search="", only=None, counts=True):
        asked.append((only, counts))
        return find(search, only, counts=counts)

    monkeypatch.setattr(mine.people, "find", finding)
    mine.people.rename("group-2", "Person 1")  # two people of one name now: both named with their ids
    renamed = library.people_view(mine, tz=timezone.utc, since=view)
    assert asked == [({"group-2"}, False)], "only the renamed person is read again, not counted again"
    same_as_fresh(renamed, mine)
    assert (
        renamed.names["group-2"] == "Person 1 · group-2" and renamed.names["group-1"] == "Person 1 · group-1"
    )
    assert view.labels["group-2"] == "Person 2", "the view read before is left as it was"

    mine.people.save("group-5", "Newcomer")  # someone new has a place by age: everyone is read again
    asked.clear()
    grown = library.people_view(mine, tz=timezone.utc, since=renamed)
    assert asked == [({"group-5"}, False), (None, True)]
    same_as_fresh(grown, mine)

    # Their assets changed: they are counted again.
    mine.videos.record(
        prompt="p", model="m", assets=[], params={}, task_id=None, status="submitting", group_id="group-1"
    )
    asked.clear()
    counted = library.people_view(mine, tz=timezone.utc, since=grown)
    assert asked == [({"group-1"}, True)]
    same_as_fresh(counted, mine)


def test_a_search_drops_a_renamed_person_it_no_longer_finds(tmp_path):
    mine, _ = stores(tmp_path)
    for i, name in enumerate(("Lin", "Lina", "Mei")):
        mine.people.save(f"group-{i}", name)
    view = library.people_view(mine, "lin", timezone.utc)
    assert view.group_ids == ["group-1", "group-0"]
    mine.people.rename("group-1", "Anna")
    after = library.people_view(mine, "lin", timezone.utc, since=view)
    assert after.group_ids == ["group-0"] and after.names == {"group-0": "Lin"}
    same_as_fresh(after, mine, "lin")
    assert library.people_view(mine, "mei", timezone.utc, since=after).group_ids == ["group-2"]


def test_a_persons_version_is_read_again_only_when_the_connections_items_moved(tmp_path, monkeypatch):
    mine, theirs = stores(tmp_path)
    for i in range(2):
        mine.people.save(f"group-{i}", f"Person {i}")
    reads: list = []
    stamps_of = mine.db.person_stamps

    def person_stamps(scope, group_id):
        reads.append(group_id)
        return stamps_of(scope, group_id)

    monkeypatch.setattr(mine.db, "person_stamps", person_stamps)

    def current(held):
        return library.person_version(mine, "group-1", library.stamps(mine)[1], held)

    held = current(None)
    assert held[2] == library.version(mine, "group-1") and reads == ["group-1", "group-1"]
    reads.clear()
    mine.people.rename("group-1", "Renamed")  # their name only: their photos, clips and videos stay
    theirs.videos.record(  # another connection's video
        prompt="p", model="m", assets=[], params={}, task_id=None, status="submitting", group_id="group-1"
    )
    assert current(held) is held and reads == []
    mine.videos.record(  # someone else's video under this connection: read again, still the same
        prompt="p", model="m", assets=[], params={}, task_id=None, status="submitting", group_id="group-0"
    )
    again = current(held)
    assert reads == ["group-1"] and again[2] == held[2] and again[0] != held[0]
    mine.videos.record(  # theirs: it moves
        prompt="p", model="m", assets=[], params={}, task_id=None, status="submitting", group_id="group-1"
    )
    moved = current(again)
    assert moved[2] != again[2] and moved[2] == library.version(mine, "group-1")
    assert current(moved) is moved
    assert library.person_version(mine, "group-0", moved[0], moved)[1] == "group-0"  # another person: read
