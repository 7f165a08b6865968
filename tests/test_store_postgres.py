"""The store on a real PostgreSQL (tests/helpers/postgres.py: the fixtures start it and hand each test an
empty database of its own): a fresh database brought to head by the app, an older schema upgraded in place
with its rows, servers starting at once, the pool from the settings, and the password kept out of sight.
(tests/test_store.py runs the registry's own tests on both SQLite and PostgreSQL.)"""

from __future__ import annotations

import logging
import threading
import time

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, exc, text

from lib.store.database import MIGRATIONS, Database, database_url, safe_url
from lib.store.tables import metadata
from lib.store.workspace import Store

HEAD = ScriptDirectory.from_config(
    (lambda c: (c.set_main_option("script_location", str(MIGRATIONS)), c)[1])(Config())
).get_current_head()


def store(db: Database, key: str = "k") -> Store:
    return Store.for_connection(db, "sandbox", "http://x", key)


def plain(url: str) -> str:
    """The URL as psycopg itself takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_each_test_gets_an_empty_database_of_its_own(postgres_server, pg_url):
    assert pg_url.startswith(f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/")
    with psycopg.connect(plain(pg_url)) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        assert tables == 0
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"


def test_a_postgresql_url_without_a_driver_is_driven_by_psycopg(pg_url):
    assert database_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    db = Database(plain(pg_url))  # as a team's settings give it
    assert db.engine.dialect.name == "postgresql" and db.engine.dialect.driver == "psycopg"
    assert db.revision() == HEAD
    with psycopg.connect(plain(pg_url)) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"people", "assets", "videos", "media", "change_stamps", "alembic_version"} <= tables
    db.close()


def test_a_database_the_server_lacks_is_created_on_start_by_the_first_server(postgres_server):
    url = postgres_server.url("made_by_the_app")
    start, opened, errors = threading.Barrier(3), [], []

    def server() -> None:
        try:
            start.wait()
            opened.append(Database(url))
        except Exception as error:  # surfaced below
            errors.append(error)

    try:
        threads = [threading.Thread(target=server) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and [db.revision() for db in opened] == [HEAD] * 3
        for db in opened:
            db.close()
        assert Database(url).revision() == HEAD, "found the next time"
    finally:
        postgres_server.drop_database(url)


def test_the_migrations_reach_the_declared_tables_on_postgresql(pg_url):
    db = Database(pg_url)
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    db.close()


def test_a_database_at_0002_is_upgraded_in_place_and_keeps_its_rows(pg_url):
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")  # as a release of that revision left it
        conn.execute(text("INSERT INTO meta VALUES ('salt', 'oldsalt'), ('changes', '7')"))
        conn.execute(
            text(
                "INSERT INTO people (scope, group_id, label, mode, created_at) "
                "VALUES ('sandbox|http://x|abc', 'group-1', 'Lin', 'sandbox', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO assets (scope, group_id, asset_key, attempt, name, source_url, task_id, status, "
                "updated_at, is_latest, send_key) VALUES "
                "('sandbox|http://x|abc', 'group-1', 0, 1, 'a', 'https://x/a.png', 't1', 'usable', 0, 1, 'k1')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO review_tasks (scope, group_id, task_id, asset_type, status, position) "
                "VALUES ('sandbox|http://x|abc', 'group-1', 't1', 'Image', 'completed', 0)"
            )
        )
    engine.dispose()

    db = Database(pg_url)
    assert db.revision() == HEAD
    with psycopg.connect(plain(pg_url)) as conn:
        assert conn.execute("SELECT group_id, label, notes FROM people").fetchall() == [("group-1", "Lin", "")]
        assert conn.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone() == ("oldsalt",)
        assert conn.execute("SELECT name, status, send_key FROM assets").fetchall() == [("a", "usable", "k1")]
    assert db.change_stamp() > 7, "the counter goes on from where it was"
    s = Store(db, db.scope_for("sandbox", "http://x", "any"))
    s.people.save("group-2", "Mei")  # the upgraded tables take new rows
    assert len(s.people.find()) == 1  # another scope: its own person only
    assert Database(pg_url).revision() == HEAD, "reopening an up-to-date database changes nothing"
    db.close()


def test_servers_starting_at_once_on_an_empty_database_take_turns(pg_url):
    start = threading.Barrier(4)
    opened, errors = [], []

    def server() -> None:
        try:
            start.wait()
            opened.append(Database(pg_url))
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=server) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {db.revision() for db in opened} == {HEAD}
    assert len({db._salt for db in opened}) == 1, "one salt: the first server's"
    for db in opened:
        db.close()


def test_the_pool_is_sized_by_the_settings(pg_url, monkeypatch, postgres_server):
    monkeypatch.setenv("AVATAR_DESK_DB_POOL_SIZE", "3")
    monkeypatch.setenv("AVATAR_DESK_DB_MAX_OVERFLOW", "2")
    db = Database(pg_url)
    assert (db.engine.pool.size(), db.engine.pool._max_overflow) == (3, 2)
    held = [db.engine.connect() for _ in range(5)]
    name = pg_url.rsplit("/", 1)[1]
    assert postgres_server.connections(name) == 5
    for conn in held:
        conn.close()
    assert db.engine.pool.checkedin() == 3, "the overflow is closed, the pool's own are kept"
    # A closed connection's server process ends a moment after the client hangs up.
    deadline = time.monotonic() + 10
    while postgres_server.connections(name) > 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert postgres_server.connections(name) == 3
    db.close()
    monkeypatch.setenv("AVATAR_DESK_DB_POOL_SIZE", "many")
    with pytest.raises(ValueError, match="AVATAR_DESK_DB_POOL_SIZE must be a whole number"):
        Database(pg_url)
    monkeypatch.setenv("AVATAR_DESK_DB_POOL_SIZE", "0")  # SQLAlchemy's "no limit": refused
    with pytest.raises(ValueError, match="AVATAR_DESK_DB_POOL_SIZE must be 1 or more"):
        Database(pg_url)
    monkeypatch.setenv("AVATAR_DESK_DB_POOL_SIZE", "1")
    monkeypatch.setenv("AVATAR_DESK_DB_MAX_OVERFLOW", "-1")
    with pytest.raises(ValueError, match="AVATAR_DESK_DB_MAX_OVERFLOW must be 0 or more"):
        Database(pg_url)


def test_the_password_never_shows(pg_url, postgres_server, caplog):
    password = "pw-canary-7f3a9e"
    postgres_server.add_password_user("team", password)
    name = pg_url.rsplit("/", 1)[1]
    url = f"postgresql://team:{password}@127.0.0.1:{postgres_server.port}/{name}"
    caplog.set_level(logging.DEBUG)

    db = Database(url)  # it connects and upgrades with the password
    assert db.revision() == HEAD
    shown = [db.url, repr(db), str(db.engine.url), repr(db.engine), db._alembic(None).get_main_option("sqlalchemy.url")]
    assert all(password not in s for s in shown) and "team:***@" in db.url
    db.close()

    wrong = url.replace(password, "pw-wrong-canary")
    with pytest.raises(exc.OperationalError) as refused:
        Database(wrong)
    assert "password authentication failed" in str(refused.value)
    assert "pw-wrong-canary" not in str(refused.value) and "pw-wrong-canary" not in repr(refused.value)
    with pytest.raises(ValueError) as unreadable:
        Database(f"postgresql://team:{password}@127.0.0.1:notaport/{name}")
    assert password not in str(unreadable.value)
    assert password not in caplog.text and "pw-wrong-canary" not in caplog.text
    assert safe_url(url) == f"postgresql://team:***@127.0.0.1:{postgres_server.port}/{name}"
