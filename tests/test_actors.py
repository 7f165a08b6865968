"""Who did it (issue Teams): every row a signed-in operator adds records them (created_by), on SQLite and
PostgreSQL; a row keeps its first author; each operator has their own last person; team members with the same
key see the same people; migration 0006 adds the column to an older registry in place; and the Library says
who added each person and narrows to one operator's, from the frame already read."""

from __future__ import annotations

import time
from datetime import timezone

import requests
from alembic import command
from sqlalchemy import inspect

from lib import library
from lib.apimart import SubmittedTask
from lib.ledger import AssetLedger
from lib.store.codes import VerificationStatus
from lib.store.database import Database
from lib.store.tables import (
    ACTOR_TABLES,
    assets,
    capture_links,
    media,
    people,
    submissions,
    verifications,
    videos,
)
from lib.store.workspace import Store
from lib.verification import VerificationAttempt
from tests.helpers.media_rows import media_row

ACTOR_COLUMNS = [t.name for t in ACTOR_TABLES]


def store(db: Database, actor: str | None, key: str = "team-key") -> Store:
    return Store.for_connection(db, "sandbox", "http://x", key, actor=actor)


def make_everything(s: Store, group_id: str) -> None:
    """One row of each kind the operator makes: a verification, a person, a send, its assets, a file, a phone
    link, a video."""
    attempt = VerificationAttempt(f"task-{group_id}", "https://h5/x", "token", "https://cb", time.time())
    s.verifications.record(attempt, VerificationStatus.WAITING)
    s.people.save(group_id, f"Label {group_id}")
    submission = s.submissions.start(group_id, "Image", 1)
    ledger = AssetLedger(group_id, "Image")
    ledger.add_submission(
        [("a", "https://x.example/a.png")], [SubmittedTask(f"review-{group_id}", "processing", {})]
    )
    s.assets.save_ledger(ledger)
    s.submissions.finish(group_id, submission, [f"review-{group_id}"], "sent")
    s.media.add(media_row(group_id=group_id))
    s.captures.open(group_id, "Label", 1800)
    s.videos.record(
        prompt="p", model="m", assets=[], params={}, task_id=None, status="submitting", group_id=group_id
    )


def authors(db: Database, group_id: str) -> dict[str, set]:
    """Table name -> the created_by values of `group_id`'s rows in it."""
    found = {}
    for table in (people, submissions, assets, media, videos, capture_links):
        found[table.name] = {
            r.created_by for r in db.rows(table.select().where(table.c.group_id == group_id))
        }
    found["verifications"] = {
        r.created_by
        for r in db.rows(verifications.select().where(verifications.c.task_id == f"task-{group_id}"))
    }
    return found


def test_every_row_records_who_made_it(registry_target):
    db = Database(registry_target)
    make_everything(store(db, "lin@example.com"), "group-lin")
    make_everything(store(db, None), "group-laptop")  # nobody signed in: as before
    assert authors(db, "group-lin") == {name: {"lin@example.com"} for name in ACTOR_COLUMNS}
    assert authors(db, "group-laptop") == {name: {None} for name in ACTOR_COLUMNS}


def test_a_row_keeps_its_first_author(registry_target):
    db = Database(registry_target)
    lin, ana = store(db, "Lin"), store(db, "Ana")
    lin.people.save("group-1", "Lin's person")
    ana.people.save("group-1", "Renamed by Ana")
    attempt = VerificationAttempt("task-1", "https://h5/x", "token", "https://cb", time.time())
    lin.verifications.record(attempt, VerificationStatus.WAITING)
    ana.verifications.record(attempt, VerificationStatus.USED, group_id="group-1")
    ledger = AssetLedger("group-1", "Image")
    ledger.add_submission([("a", "https://x.example/a.png")], [SubmittedTask("review-1", "processing", {})])
    lin.assets.save_ledger(ledger)
    ledger.add_resubmission([(0, "https://x.example/a2.png")], [SubmittedTask("review-2", "processing", {})])
    ana.assets.save_ledger(ledger)  # Ana's retry is hers; Lin's first try stays Lin's
    (person,) = ana.people.find()
    assert (person.label, person.created_by) == ("Renamed by Ana", "Lin")
    assert lin.verifications.get("task-1")["created_by"] == "Lin"
    tries = db.rows(assets.select().order_by(assets.c.attempt))
    assert [(r.attempt, r.created_by) for r in tries] == [(1, "Lin"), (2, "Ana")]


def test_team_members_with_one_key_see_the_same_people_and_each_their_own_last_person(registry_target):
    db = Database(registry_target)
    lin, ana, laptop = store(db, "Lin"), store(db, "Ana"), store(db, None)
    other_team = store(db, "Lin", key="another-key")
    lin.people.save("group-1", "One")
    ana.people.save("group-2", "Two")
    assert (
        {p.group_id for p in lin.people.find()}
        == {p.group_id for p in ana.people.find()}
        == {"group-1", "group-2"}
    )
    assert other_team.people.find() == []  # the key is the team, not the operator
    lin.people.remember_last("group-1")
    ana.people.remember_last("group-2")
    assert (lin.people.last(), ana.people.last(), laptop.people.last()) == ("group-1", "group-2", None)
    laptop.people.remember_last("group-2")
    assert store(db, "Lin").people.last() == "group-1"  # a new session of Lin's finds theirs


def test_migration_0006_adds_the_column_to_an_older_registry_in_place(registry_target):
    db = Database(registry_target)
    store(db, "Lin").people.save("group-1", "Lin")
    with db.engine.begin() as conn:  # back to the schema before 0006, by the migrations' own downgrades
        command.downgrade(db._alembic(conn), "0005")
        assert "created_by" not in {c["name"] for c in inspect(conn).get_columns("people")}
    db.close()
    upgraded = Database(registry_target)
    assert upgraded.revision() >= "0006"
    (person,) = store(upgraded, "Ana").people.find()
    assert (person.label, person.created_by) == ("Lin", None)  # the row is kept; who made it was not known
    store(upgraded, "Ana").people.save("group-2", "Two")
    assert {p.group_id: p.created_by for p in store(upgraded, "Ana").people.find()} == {
        "group-1": None,
        "group-2": "Ana",
    }


def test_the_library_says_who_added_each_person_and_narrows_to_one(tmp_path):
    db = Database(tmp_path / "r.db")
    store(db, None).people.save("group-0", "Before sign-in")
    for i, who in enumerate(["Lin", "Ana", "Lin"], start=1):
        store(db, who).people.save(f"group-{i}", f"Person {i}")
    view = library.people_view(store(db, "Ana"), tz=timezone.utc)
    assert dict(zip(view.frame["group_id"], view.frame["created_by"], strict=True)) == {
        "group-0": library.NOBODY,
        "group-1": "Lin",
        "group-2": "Ana",
        "group-3": "Lin",
    }
    assert library.actors(view) == ["Ana", "Lin"]
    assert library.added_by(view, "") is view
    lins = library.added_by(view, "Lin")
    assert lins.group_ids == ["group-3", "group-1"]  # newest first, as the whole table
    assert lins.frame["group_id"].tolist() == lins.group_ids
    assert lins.labels == {"group-3": "Person 3", "group-1": "Person 1"}
    assert lins.names == {"group-3": "Person 3", "group-1": "Person 1"}
    assert library.added_by(view, "Nobody by this name").frame.empty
    # On the laptop nobody signs in: no one to filter by.
    laptop = Database(tmp_path / "laptop.db")
    store(laptop, None).people.save("group-1", "Lin")
    assert library.actors(library.people_view(store(laptop, None))) == []


def test_who_added_them_follows_the_view_as_it_is_brought_up_to_date(tmp_path):
    db = Database(tmp_path / "r.db")
    for i, who in enumerate(["Lin", "Ana", None]):
        store(db, who).people.save(f"group-{i}", f"Person {i}")
    ana = store(db, "Ana")
    view = library.people_view(ana, "Person")
    assert library.actors(view) == ["Ana", "Lin"]
    ana.people.rename("group-1", "Person One")  # a rename: only that person is read again
    renamed = library.people_view(ana, "Person", since=view)
    assert renamed.stamp != view.stamp and renamed.frame.iat[renamed.positions["group-1"], 0] == "Person One"
    assert library.actors(renamed) == ["Ana", "Lin"]
    ana.people.rename("group-0", "Zed")  # Lin's only person leaves the search
    narrowed = library.people_view(ana, "Person", since=renamed)
    assert narrowed.group_ids == ["group-2", "group-1"]
    assert library.actors(narrowed) == ["Ana"]
    store(db, "Kim").people.save("group-3", "Person 3")  # someone new: everyone is read again
    assert library.actors(library.people_view(ana, "Person", since=narrowed)) == ["Ana", "Kim"]
    assert library.actors(library.added_by(narrowed, "Ana")) == ["Ana"]


def test_the_library_filter_reads_nothing(tmp_path, monkeypatch):
    db = Database(tmp_path / "r.db")
    for i, who in enumerate(["Lin", "Ana"]):
        store(db, who).people.save(f"group-{i}", f"Person {i}")
    view = library.people_view(store(db, "Lin"))

    def no_read(*_args, **_kwargs):
        raise AssertionError("the filter read the store")

    monkeypatch.setattr(Database, "rows", no_read)
    monkeypatch.setattr(Database, "tuples", no_read)
    assert library.added_by(view, "Ana").group_ids == ["group-1"]
    assert library.actors(view) == ["Ana", "Lin"]


def test_the_library_shows_who_sent_photos_and_videos(tmp_path):
    db = Database(tmp_path / "r.db")
    make_everything(store(db, "Lin"), "group-1")
    frame = library.assets_frame(store(db, "Ana"), "group-1", columns=library.PERSON_ASSET_COLUMNS)
    assert frame["created_by"].tolist() == ["Lin"]
    assert library.videos_frame(store(db, "Ana"), "group-1")["created_by"].tolist() == ["Lin"]
    assert "created_by" in library.export_csv(store(db, "Ana")).decode().splitlines()[0]


def test_a_new_session_resumes_its_operators_own_open_review(registry_target):
    db = Database(registry_target)
    for who, group_id in (("Lin", "group-lin"), ("Ana", "group-ana")):
        ledger = AssetLedger(group_id, "Image")
        ledger.add_submission(
            [("a", "https://x.example/a.png")], [SubmittedTask(f"review-{group_id}", "processing", {})]
        )
        store(db, who).assets.save_ledger(ledger)
    assert store(db, "Lin").assets.groups_with_open_reviews() == ["group-lin"]
    assert store(db, "Ana").assets.groups_with_open_reviews() == ["group-ana"]
    assert store(db, "Bo").assets.groups_with_open_reviews() == []  # nothing of theirs under way
    assert sorted(store(db, None).assets.groups_with_open_reviews()) == ["group-ana", "group-lin"]  # laptop


def test_a_file_from_the_phone_is_the_operators_who_opened_the_link(tmp_path):
    from PIL import Image
    from skimage import data
    from starlette.applications import Starlette

    from lib.media.capture_routes import capture_routes, capture_url
    from lib.media.storage.app_hosted import AppHostedStorage
    from tests.helpers.serving import serve_asgi

    db = Database(tmp_path / "r.db")
    storage = AppHostedStorage(tmp_path / "media")
    routes = capture_routes(db, lambda: storage, tmp_path / "intake", max_bytes=2 * 1024 * 1024)
    Image.fromarray(data.astronaut()).resize((512, 512)).save(tmp_path / "p.jpg", "JPEG", quality=90)
    link, token = store(db, "Lin").captures.open("group-1", "Person", 1800)
    assert link.created_by == "Lin"
    with serve_asgi(Starlette(routes=routes)) as base:
        answer = requests.post(
            f"{capture_url(base, token)}/upload",
            data=(tmp_path / "p.jpg").read_bytes(),
            headers={"X-File-Name": "front.jpg"},
            timeout=60,
        )
    assert answer.status_code == 200, answer.text
    assert {r.created_by for r in db.rows(media.select().where(media.c.group_id == "group-1"))} == {"Lin"}
