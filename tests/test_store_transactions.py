"""Reads run without a transaction and writes in one, on SQLite and PostgreSQL (lib.store.database: reads in
autocommit, a write begins its own): a write that fails leaves nothing, another connection never sees a write
before it commits, and a read leaves no transaction open on the server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lib.store.database import Database
from lib.store.tables import meta


def _value(db: Database, name: str):
    return db.scalar(select(meta.c.value).where(meta.c.name == name))


def test_a_failed_write_leaves_nothing_and_moves_no_stamp(registry_target):
    db = Database(registry_target)
    try:
        before = db.change_stamp()
        with pytest.raises(RuntimeError), db.write() as conn:
            conn.execute(meta.insert().values(name="half", value="1"))
            raise RuntimeError("stopped half-way")
        assert _value(db, "half") is None
        assert db.change_stamp() == before
        with db.write() as conn:
            conn.execute(meta.insert().values(name="whole", value="1"))
        assert _value(db, "whole") == "1"
        assert db.change_stamp() == before + 1
    finally:
        db.close()


def test_another_connection_sees_a_write_only_once_it_commits(registry_target):
    writer, reader = Database(registry_target), Database(registry_target)
    try:
        with writer.write() as conn:
            conn.execute(meta.insert().values(name="pending", value="1"))
            assert _value(reader, "pending") is None
        assert _value(reader, "pending") == "1"
    finally:
        writer.close()
        reader.close()


def _in_transaction(driver_connection) -> bool:
    if hasattr(driver_connection, "in_transaction"):  # sqlite3
        return driver_connection.in_transaction
    from psycopg import pq

    return driver_connection.info.transaction_status != pq.TransactionStatus.IDLE


def test_a_read_runs_outside_any_transaction_and_a_write_inside_one(registry_target):
    """No BEGIN before a read (nor ROLLBACK after it): on PostgreSQL each is a round trip, and the Library reads
    2-4 times per rerun."""
    db = Database(registry_target)
    try:
        with db.engine.connect() as conn:
            conn.execute(select(meta.c.name)).all()
            assert not _in_transaction(conn.connection.driver_connection)
        with db.write() as conn:
            assert _in_transaction(conn.connection.driver_connection)
    finally:
        db.close()


def test_reads_leave_no_transaction_open_on_postgresql(pg_url, postgres_server):
    db = Database(pg_url)
    try:
        for _ in range(3):
            db.change_stamp()
            db.rows(select(meta.c.name))
        name = pg_url.rsplit("/", 1)[-1]
        with postgres_server.connect() as conn:
            states = [
                r[0]
                for r in conn.execute(
                    "SELECT state FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                    (name,),
                )
            ]
        assert states, "the pool keeps its connection open"
        assert "idle in transaction" not in states, states
    finally:
        db.close()
