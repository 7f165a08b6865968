"""Files written before Alembic: their schema was moved by hand-made migrations kept in a `schema_version`
table. Such a file is brought to the last of those versions (the same SQL, frozen here), then stamped as
Alembic's revision 0001, which is that same schema; nothing is dropped and every row is kept. Only SQLite
files were ever written this way, so the SQL here is SQLite's."""

from __future__ import annotations

from sqlalchemy import Connection, inspect

# The hand-made migrations, as released: each moved the schema up one version. Never edit them.
MIGRATIONS: list[str] = [
    # 1: people, verification sessions, submissions, assets.
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE people (
        id INTEGER PRIMARY KEY, scope TEXT NOT NULL, group_id TEXT NOT NULL, label TEXT NOT NULL DEFAULT '',
        mode TEXT NOT NULL, created_at REAL NOT NULL, UNIQUE (scope, group_id));
    CREATE TABLE verifications (
        id INTEGER PRIMARY KEY, scope TEXT NOT NULL, task_id TEXT NOT NULL, status TEXT NOT NULL,
        created_at REAL NOT NULL, expires_at REAL, outcome TEXT, byted_token TEXT, group_id TEXT,
        UNIQUE (scope, task_id));
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY, scope TEXT NOT NULL, group_id TEXT NOT NULL, asset_type TEXT NOT NULL,
        task_ids TEXT NOT NULL DEFAULT '[]', status TEXT NOT NULL, created_at REAL NOT NULL, detail TEXT);
    CREATE TABLE assets (
        id INTEGER PRIMARY KEY, scope TEXT NOT NULL, group_id TEXT NOT NULL, asset_key INTEGER NOT NULL,
        attempt INTEGER NOT NULL, name TEXT NOT NULL, source_url TEXT NOT NULL, task_id TEXT NOT NULL,
        status TEXT NOT NULL, asset_id TEXT, asset_url TEXT, error_code TEXT, error_message TEXT,
        replaces_id INTEGER REFERENCES assets(id), updated_at REAL NOT NULL,
        UNIQUE (scope, group_id, asset_key, attempt));
    CREATE TABLE review_tasks (
        scope TEXT NOT NULL, group_id TEXT NOT NULL, task_id TEXT NOT NULL, asset_type TEXT NOT NULL,
        status TEXT NOT NULL, final INTEGER NOT NULL DEFAULT 0, raw TEXT, PRIMARY KEY (scope, task_id));
    CREATE INDEX assets_by_group ON assets (scope, group_id);
    """,
    # 2: notes on people, videos, and the write-ahead intents.
    """
    ALTER TABLE people ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    CREATE TABLE videos (
        id INTEGER PRIMARY KEY, scope TEXT NOT NULL, task_id TEXT, group_id TEXT, prompt TEXT NOT NULL,
        model TEXT NOT NULL, assets TEXT NOT NULL DEFAULT '[]', params TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL, video_url TEXT, expires_at REAL, error TEXT, created_at REAL NOT NULL);
    CREATE TABLE intents (
        id INTEGER PRIMARY KEY, scope TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,
        created_at REAL NOT NULL, completed_at REAL, outcome TEXT);
    """,
    # 3: mark each asset's current attempt.
    """
    ALTER TABLE assets ADD COLUMN is_latest INTEGER NOT NULL DEFAULT 1;
    UPDATE assets SET is_latest = 0 WHERE EXISTS (SELECT 1 FROM assets b WHERE b.scope = assets.scope
        AND b.group_id = assets.group_id AND b.asset_key = assets.asset_key AND b.attempt > assets.attempt);
    CREATE INDEX assets_current ON assets (scope, group_id, is_latest);
    """,
    # 4: the same index with the status in it (counts from the index alone).
    """
    DROP INDEX assets_current;
    CREATE INDEX assets_current ON assets (scope, group_id, is_latest, status);
    """,
    # 5: the task that holds a verification's group id when reading it failed.
    """
    ALTER TABLE verifications ADD COLUMN result_task_id TEXT;
    """,
    # 6: the Idempotency-Key each asset attempt and video was sent with.
    """
    ALTER TABLE assets ADD COLUMN send_key TEXT;
    ALTER TABLE videos ADD COLUMN send_key TEXT;
    CREATE INDEX assets_by_send_key ON assets (scope, send_key);
    """,
    # 7: the type (Image or Video) each asset attempt was sent as.
    """
    ALTER TABLE assets ADD COLUMN asset_type TEXT;
    """,
]
LAST_VERSION = len(MIGRATIONS)
# The Alembic revision whose schema is LAST_VERSION's.
ADOPTED_AS = "0001"


def version(conn: Connection) -> int | None:
    """The hand-made schema version of a file that has one (None: not such a file)."""
    if not inspect(conn).has_table("schema_version"):
        return None
    row = conn.exec_driver_sql("SELECT version FROM schema_version").first()
    return int(row[0]) if row else 0


def needs_adoption(conn: Connection) -> bool:
    return version(conn) is not None and not inspect(conn).has_table("alembic_version")


def bring_to_last_version(conn: Connection) -> None:
    """Apply the hand-made migrations the file lacks, in the caller's transaction (the table
    schema_version stays, at LAST_VERSION: an older release reading the file finds nothing to do)."""
    current = version(conn) or 0
    if not conn.exec_driver_sql("SELECT 1 FROM schema_version").first():
        conn.exec_driver_sql("INSERT INTO schema_version VALUES (0)")
    for number in range(current, LAST_VERSION):
        for statement in filter(str.strip, MIGRATIONS[number].split(";")):
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql("UPDATE schema_version SET version = ?", (number + 1,))
