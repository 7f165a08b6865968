"""Shared fixtures: one real sandbox over HTTP on loopback per test session, reset before each test; the app
in AppTest on it. Shared helpers live in tests/helpers/ (a test module never imports another)."""

from __future__ import annotations

import os

import pytest
import requests

from lib.sandbox.config import SandboxConfig
from lib.sandbox.runner import start_sandbox
from lib.store.database import Database
from lib.ui import state
from tests.helpers.apptest import framed_app, new_app, sandbox_mode


@pytest.fixture(scope="session")
def sandbox_server():
    # Instant timing: tasks are final on their first read, so tests never sleep.
    running = start_sandbox(SandboxConfig(timing="instant"), host="127.0.0.1", port=0)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL 15 for the session (tests/helpers/postgres.py: initdb/pg_ctl in a temporary folder, on
    a free loopback port). Missing binaries fail the test loudly: scripts/test.sh and CI install them."""
    from tests.helpers.postgres import running_postgres

    with running_postgres() as server:
        yield server


@pytest.fixture
def pg_url(postgres_server):
    """A fresh, empty PostgreSQL database for this test (`postgresql+psycopg://postgres@127.0.0.1:PORT/NAME`),
    dropped after it (connections still open on it are closed)."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sqlite_only: reads or writes the SQLite file itself (skipped where registries are PostgreSQL's)"
    )


def _registries_on_postgresql(request, monkeypatch):
    """Each SQLite file the test opens (a path, or AVATAR_DESK_DB) becomes a fresh PostgreSQL database of its
    own, the same one for the same path, dropped after. A test marked sqlite_only is skipped."""
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("reads the SQLite file itself")
    from lib.store import database

    server, made, original = request.getfixturevalue("postgres_server"), {}, database.database_url

    def on_postgresql(target=None) -> str:
        url = original(target)
        if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
            return url
        if url not in made:
            made[url] = server.new_database()
        return made[url]

    monkeypatch.setattr(database, "database_url", on_postgresql)
    state.database.clear()
    yield
    state.database.clear()
    for url in made.values():
        server.drop_database(url)


@pytest.fixture(autouse=True)
def _registry_files_on_postgresql(request, monkeypatch):
    """AVATAR_DESK_TEST_DB=postgresql runs every test's registries on PostgreSQL (_registries_on_postgresql).
    Unset: nothing changes."""
    if os.environ.get("AVATAR_DESK_TEST_DB", "sqlite") != "postgresql":
        yield
        return
    yield from _registries_on_postgresql(request, monkeypatch)


@pytest.fixture(params=["sqlite", "postgresql"])
def both_dialects(request, monkeypatch):
    """A module opts in with `pytestmark = pytest.mark.usefixtures("both_dialects")`: each of its tests runs
    once on SQLite files and once with every registry it opens on PostgreSQL instead."""
    if request.param == "sqlite" or os.environ.get("AVATAR_DESK_TEST_DB") == "postgresql":
        yield  # (with the switch on, the autouse fixture has moved them already)
        return
    yield from _registries_on_postgresql(request, monkeypatch)


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_target(request, tmp_path):
    """Where a registry lives, once per dialect: a SQLite file in tmp_path, or a fresh PostgreSQL database (its
    URL). `Database(registry_target)` opens it, as often as the test needs: each a handle (an engine) of its
    own, like two processes or two servers."""
    if request.param == "sqlite":
        return tmp_path / "r.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def moto_s3():
    """An S3 endpoint (moto's server, real HTTP on loopback) for the session: tests/helpers/s3.py."""
    from tests.helpers.s3 import moto_s3_server  # moto is imported only by the tests that use it

    with moto_s3_server() as s3:
        yield s3


@pytest.fixture
def sandbox(sandbox_server):
    """A running sandbox with clean state (tenants, tasks, faults, request log, instant timing)."""
    requests.post(f"{sandbox_server.base_url}/_sandbox/reset", timeout=5).raise_for_status()
    return sandbox_server


@pytest.fixture
def api_key() -> str:
    return "sk-test-canary-0123456789abcdef"


@pytest.fixture
def sandbox_env(sandbox, monkeypatch, tmp_path):
    """Sandbox mode (no key, AVATAR_DESK_PUBLIC_URL unset) on tmp_path/registry.db, the file every session of
    the test shares; the sandbox. The app's database cache is cleared before and after."""
    sandbox_mode(monkeypatch, tmp_path, sandbox)
    yield sandbox
    state.database.clear()


@pytest.fixture
def new_session(sandbox_env):
    """A factory of new sessions of app.py (each run once, not framed), in sandbox mode, all on one registry
    file: a second call is a reload, or a new browser on the same server."""
    return new_app


@pytest.fixture
def at(new_session):
    """A new session of app.py in AppTest, run once, in sandbox mode on a registry file of its own (not
    framed: `framed_at` is the app inside its frame). A module may override it."""
    return new_session()


@pytest.fixture
def media_dir(monkeypatch, tmp_path):
    """App-hosted storage in tmp_path/media (AVATAR_DESK_MEDIA_DIR); the app's storage is made once per server,
    so its cache is cleared before and after."""
    monkeypatch.setenv("AVATAR_DESK_MEDIA_DIR", str(tmp_path / "media"))
    state.media_storage.clear()
    yield tmp_path / "media"
    state.media_storage.clear()


@pytest.fixture
def framed_at(sandbox_env, monkeypatch):
    """The app inside its frame, as `streamlit run` serves it (tests/helpers/apptest.framed_app), run once in
    sandbox mode on a registry file of its own."""
    return framed_app(monkeypatch)


@pytest.fixture
def db(tmp_path):
    """A real registry file in tmp_path (the one AppTest sessions use too: sandbox_mode points
    AVATAR_DESK_DB there), opened as a server's routes open it: a Database of its own."""
    database = Database(tmp_path / "registry.db")
    yield database
    database.close()
