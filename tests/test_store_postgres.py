"""The store on a real PostgreSQL (tests/helpers/postgres.py): the fixtures start it and hand each test an
empty database of its own."""

from __future__ import annotations

import psycopg


def test_each_test_gets_an_empty_database_of_its_own(postgres_server, pg_url):
    assert pg_url.startswith(f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/")
    with psycopg.connect(pg_url.replace("+psycopg", "")) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        assert tables == 0
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
