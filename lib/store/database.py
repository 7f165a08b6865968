"""The database the store lives in: one SQLAlchemy engine (SQLite by default, in WAL mode; a team's
PostgreSQL through psycopg 3, pooled by AVATAR_DESK_DB_POOL_SIZE / AVATAR_DESK_DB_MAX_OVERFLOW), its schema
brought up to date with Alembic (servers starting at once take turns), write transactions that move the
change stamps (the scope's and its people's, see `write`), the salt, and the scope a connection's rows are
kept under. A URL's password stays in the engine: `Database.url` and every message show it as ***.
Dialect-specific code lives only in the engine setup, the upgrade's lock and `insert_for` (upserts).
`shared_database` hands the pages and the server's routes one Database per URL."""

from __future__ import annotations

import hashlib
import operator
import os
import secrets
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    bindparam,
    cast,
    create_engine,
    event,
    exc,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy import Integer as SqlInteger
from sqlalchemy import Text as SqlText
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import Executable

from lib.store import legacy
from lib.store.tables import change_stamps, meta

DEFAULT_PATH = Path("data") / "avatar-desk.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# A write the change stamp is moved by: rows read before it are stale.
CHANGES, SALT = "changes", "salt"
# change_stamps' group_id for the scope as a whole and for "any person of it"; "*" as a scope: any scope.
WHOLE, ANY = "", "*"
# PostgreSQL's advisory lock held by the transaction that upgrades the schema (any fixed number: "AvDk").
UPGRADE_LOCK = 0x4176446B


@dataclass(frozen=True)
class Scope:
    """One connection's slice of the store: mode, base URL and a salted fingerprint of the key."""

    mode: str
    base_url: str
    key_fingerprint: str

    @property
    def id(self) -> str:
        return f"{self.mode}|{self.base_url}|{self.key_fingerprint}"

    @classmethod
    def from_id(cls, text: str) -> Scope:
        """The scope a row was kept under (its `scope` column), for routes that start from a row (a phone's
        capture link), not from a connection."""
        mode, rest = text.split("|", 1)
        base_url, fingerprint = rest.rsplit("|", 1)
        return cls(mode, base_url, fingerprint)


# A PostgreSQL URL without a driver (as the team's settings give it) is driven by psycopg 3.
_PG_SCHEMES = ("postgresql://", "postgres://")
PG_DRIVER = "postgresql+psycopg://"


def database_url(target: str | os.PathLike | None = None) -> str:
    """AVATAR_DESK_DB (or `target`): a URL is kept as is (`postgresql://` and `postgres://` become
    `postgresql+psycopg://`), a path becomes a SQLite file (its folder made)."""
    raw = str(target or os.environ.get("AVATAR_DESK_DB") or DEFAULT_PATH)
    for scheme in _PG_SCHEMES:
        if raw.startswith(scheme):
            return PG_DRIVER + raw[len(scheme) :]
    if "://" in raw:
        return raw
    if raw != ":memory:":
        Path(raw).parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{raw}"


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _setup(dbapi_connection, _record) -> None:
        # Transactions are begun here (below), not by the driver: a write takes the lock when it starts
        # (BEGIN IMMEDIATE), so two writers wait on the busy timeout instead of failing on an upgrade.
        dbapi_connection.isolation_level = None
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Reads run in autocommit (each statement its own snapshot, no BEGIN/ROLLBACK round trip per read):
        # the Library re-reads after every write and pays for each statement.
        if conn.get_execution_options().get("writing"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def safe_url(url: str) -> str:
    """The URL as it may be shown or logged: its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: show its scheme only (it may hold anything)
        return url.split("://", 1)[0] + "://***"


def _pool_setting(name: str, default: int, least: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < least:  # (SQLAlchemy would read a pool of 0, or an overflow of -1, as "no limit")
        raise ValueError(f"{name} must be {least} or more, not {value}")
    return value


def pool_settings() -> dict[str, int]:
    """The connection pool of a server database (PostgreSQL): AVATAR_DESK_DB_POOL_SIZE connections kept open
    (default 5), and up to AVATAR_DESK_DB_MAX_OVERFLOW more opened at a busy moment (default 5)."""
    return {
        "pool_size": _pool_setting("AVATAR_DESK_DB_POOL_SIZE", 5, least=1),
        "max_overflow": _pool_setting("AVATAR_DESK_DB_MAX_OVERFLOW", 5, least=0),
    }


def _server_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception:  # SQLAlchemy's own message quotes the whole URL, password and all
        raise ValueError(f"AVATAR_DESK_DB is not a database URL: {safe_url(url)}") from None
    # pool_pre_ping: a connection the server closed (a restart, an idle timeout) is replaced, not handed out.
    # hide_parameters: a failed statement's message never carries its values (a query's error reaches logs).
    # Reads run in autocommit, as on SQLite: no BEGIN before and no ROLLBACK after each read (two of its
    # three round trips; the Library reads 2-4 times per rerun). A write begins its transaction itself.
    engine = create_engine(
        parsed, pool_pre_ping=True, hide_parameters=True, isolation_level="AUTOCOMMIT", **pool_settings()
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # The driver commits or rolls back what this began (psycopg does so by the server's transaction
        # status, in autocommit too).
        if conn.get_execution_options().get("writing"):
            conn.exec_driver_sql("BEGIN")

    return engine


def _create_if_missing(engine: Engine) -> None:
    """A PostgreSQL database the URL names but the server lacks is created (the role needs CREATEDB), so a
    team's first server starts on an empty server; two servers creating it at once are both fine. Any
    other reason not to connect is raised as it was."""
    from psycopg import sql

    try:
        engine.connect().close()
        return
    except exc.OperationalError as refused:
        failure = refused
    name = engine.url.database
    maintenance = create_engine(engine.url.set(database="postgres"), poolclass=NullPool, hide_parameters=True)
    try:
        with maintenance.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:

            def exists() -> bool:
                found = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": name})
                return found.first() is not None

            if exists():
                raise failure  # it exists: connecting failed for another reason
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            try:
                conn.exec_driver_sql(statement.as_string(conn.connection.driver_connection))
            except exc.DBAPIError:  # another server created it a moment before: fine
                if not exists():
                    raise
    except exc.OperationalError:
        raise failure from None  # no maintenance database either: the first reason is the one to show
    finally:
        maintenance.dispose()


def make_engine(url: str) -> Engine:
    return _sqlite_engine(url) if url.startswith("sqlite") else _server_engine(url)


def insert_for(conn: Connection, table: Table):
    """An INSERT with `on_conflict_do_update`/`_do_nothing`: each dialect has its own."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"no upsert for {conn.dialect.name}")
    return insert(table)


_MOVE_STAMP = (
    update(meta)
    .where(meta.c.name == CHANGES)
    .values(value=cast(cast(meta.c.value, SqlInteger) + 1, meta.c.value.type))
)
_COUNTER = select(cast(meta.c.value, SqlInteger)).where(meta.c.name == CHANGES).scalar_subquery()


def _mark(items: bool):
    """Upsert (scope, group_id) in change_stamps at the counter's new value; `items_stamp` too when `items`."""
    cs = change_stamps.c

    def statement(conn: Connection):
        stmt = insert_for(conn, change_stamps).from_select(
            ["scope", "group_id", "stamp", "items_stamp"],
            select(
                bindparam("scope", type_=SqlText),
                bindparam("group_id", type_=SqlText),
                _COUNTER,
                _COUNTER if items else literal(0, SqlInteger),
            ),
        )
        moved = {"stamp": stmt.excluded.stamp}
        if items:
            moved["items_stamp"] = stmt.excluded.items_stamp
        return stmt.on_conflict_do_update(index_elements=[cs.scope, cs.group_id], set_=moved)

    return statement


_MARKS: dict[tuple[bool, str], object] = {}


def _marks(conn: Connection, items: bool):
    """The upsert of `_mark`, built once per dialect."""
    key = (items, conn.dialect.name)
    if key not in _MARKS:
        _MARKS[key] = _mark(items)(conn)
    return _MARKS[key]


def _newest(keys: int):
    """The newest stamp and items_stamp over `keys` rows of change_stamps (bound by name: scope_i, group_i)."""
    cs = change_stamps.c
    return select(func.max(cs.stamp), func.max(cs.items_stamp)).where(
        or_(
            *(
                and_(cs.scope == bindparam(f"scope_{i}"), cs.group_id == bindparam(f"group_{i}"))
                for i in range(keys)
            )
        )
    )


# A scope's stamps: its own row, or an unscoped write's. A person's: their row, a write to "any person" of the
# scope, or an unscoped write (built once: values bound per call).
_SCOPE_STAMPS, _PERSON_STAMPS = _newest(2), _newest(3)
_CHANGED_SINCE = select(change_stamps.c.group_id, change_stamps.c.items_stamp > bindparam("since")).where(
    or_(
        change_stamps.c.scope == bindparam("scope"),
        and_(change_stamps.c.scope == ANY, change_stamps.c.group_id == ANY),
    ),
    change_stamps.c.stamp > bindparam("since"),
)


# Compiled bulk statements by (name, dialect, columns): compiling an upsert took as long as the driver's
# insert of 1,000 rows, and a save statement has the same shape every time.
_COMPILED: dict[tuple, tuple[str, tuple[str, ...] | None]] = {}


def execute_many(conn: Connection, statement, rows: list[dict], *, name: str = "") -> None:
    """One statement for many rows, handed to the driver's executemany as tuples: compiled once per
    `name`, dialect and column set (SQLAlchemy's own per-row parameter handling cost 2.5x the time on a
    10,000-asset save). Without a `name` it is compiled on every call."""
    key = (name, conn.dialect.name, tuple(rows[0]))
    held = _COMPILED.get(key) if name else None
    if held is None:
        compiled = statement.compile(dialect=conn.dialect, column_keys=list(rows[0]))
        held = (str(compiled), tuple(compiled.positiontup) if compiled.positional else None)
        if name:
            _COMPILED[key] = held
    sql, order = held
    if order is None:
        conn.exec_driver_sql(sql, rows)
        return
    # itemgetter builds each row's tuple in C.
    pick = operator.itemgetter(*order)
    conn.exec_driver_sql(sql, [pick(row) for row in rows] if len(order) > 1 else [(pick(r),) for r in rows])


@contextmanager
def quiet_write(db: Database) -> Iterator[Connection]:
    """A write transaction that moves no change stamp (Database.write moves them on every write): for rows that
    are no person's and no scope's (the callback inbox, the servers' heartbeats). On SQLite it takes the write
    lock when it begins, as Database.write does."""
    with db.engine.connect().execution_options(writing=True) as conn, conn.begin():
        yield conn


class Database:
    """Owns the engine; one per URL and process (shared_database), used by the pages and the routes."""

    def __init__(self, target: str | os.PathLike | None = None, *, clock=time.time) -> None:
        url = database_url(target)
        # Only the engine holds the password: `url` is what may be shown (and what tells databases apart).
        self.url = safe_url(url)
        self.engine = make_engine(url)
        self.clock = clock
        if self.engine.dialect.name == "postgresql":
            _create_if_missing(self.engine)
        self.upgrade()
        # Written once when the file is created: read it once, not on every scope lookup.
        self._salt = self.scalar(select(meta.c.value).where(meta.c.name == SALT))

    # -------------------------------------------------------------- schema

    def _alembic(self, conn: Connection) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        # Migrations run on `conn` (env.py): the URL is only a name here, without its password.
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        config.attributes["connection"] = conn
        return config

    def upgrade(self) -> None:
        """Bring the schema to Alembic's head in one write transaction (two processes starting at once
        take turns); an older hand-migrated file is adopted first (lib.store.legacy), keeping its rows."""
        with self.write() as conn:
            if conn.dialect.name == "postgresql":
                # Two servers starting at once on an empty database would both create the tables: the
                # second waits here for the first's commit, then finds the schema at head.
                conn.execute(select(func.pg_advisory_xact_lock(UPGRADE_LOCK)))
            config = self._alembic(conn)
            if legacy.needs_adoption(conn):
                legacy.bring_to_last_version(conn)
                command.stamp(config, legacy.ADOPTED_AS)
            head = ScriptDirectory.from_config(config).get_current_head()
            if MigrationContext.configure(conn).get_current_revision() != head:
                command.upgrade(config, "head")
            for name, value in ((SALT, secrets.token_hex(16)), (CHANGES, "0")):
                conn.execute(insert_for(conn, meta).values(name=name, value=value).on_conflict_do_nothing())

    @staticmethod
    def hold(conn: Connection, name: str) -> None:
        """Hold `name` until the write transaction on `conn` ends: writes that read before they write (close
        what is open, then add) take turns per name. SQLite's write already holds the whole file (BEGIN
        IMMEDIATE); PostgreSQL takes an advisory lock on the name's hash."""
        if conn.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            conn.execute(select(func.pg_advisory_xact_lock(key)))

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    # -------------------------------------------------------------- reading and writing

    @contextmanager
    def write(
        self, scope: str | None = None, people: Iterable[str] | None = None, *, items: bool = True
    ) -> Iterator[Connection]:
        """One write transaction; it moves the change stamps in it, so any process sees them: the counter
        ("changes", on every write) and, at its new value, `scope`'s stamp and those of `people` (group ids
        of the scope whose rows it touched; None: it may have touched any person's; empty: no person's).
        `items=False` says that of the people only their own row (name, notes) changed, not their photos,
        clips, videos or files. Without a scope, every scope and person reads as changed."""
        with self.engine.connect().execution_options(writing=True) as conn, conn.begin():
            yield conn
            conn.execute(_MOVE_STAMP)
            if scope is None:
                keys = [(ANY, ANY)]
            else:
                keys = [(scope, WHOLE)]
                keys += [(scope, ANY)] if people is None else [(scope, g) for g in dict.fromkeys(people)]
            conn.execute(
                _marks(conn, items or people is None), [{"scope": s, "group_id": g} for s, g in keys]
            )

    def rows(self, statement: Executable) -> list:
        """Every row of a SELECT, as Row tuples."""
        with self.engine.connect() as conn:
            return conn.execute(statement).all()

    def tuples(self, statement: Executable) -> list[tuple]:
        """Every row of a SELECT as the driver's own tuples (no Row object per row: a table's thousand rows
        are re-read after each write)."""
        with self.engine.connect() as conn:
            return conn.execute(statement).cursor.fetchall()

    def scalar(self, statement: Executable):
        with self.engine.connect() as conn:
            return conn.execute(statement).scalar()

    def change_stamp(self) -> int:
        """A number that moves whenever anything is written, by any process: readers cache between changes."""
        return int(self.scalar(select(meta.c.value).where(meta.c.name == CHANGES)))

    def scope_stamps(self, scope: str) -> tuple[int, int]:
        """(stamp, items stamp) of `scope`, by any process: the first moves on every write under it, the
        second only on those touching someone's photos, clips, videos or files (not a rename); both on a
        write that named no scope. Writes under other scopes leave them. 0 before the first."""
        stamp, items = self.rows(
            _SCOPE_STAMPS.params(scope_0=scope, group_0=WHOLE, scope_1=ANY, group_1=ANY)
        )[0]
        return int(stamp or 0), int(items or 0)

    def person_stamps(self, scope: str, group_id: str) -> tuple[int, int]:
        """(stamp, items stamp) of one person of `scope`: moved by a write naming them (the second only when
        it touched their photos, clips, videos or files), or any person of the scope, or no scope; not by a
        write to someone else."""
        stamp, items = self.rows(
            _PERSON_STAMPS.params(
                scope_0=scope, group_0=group_id, scope_1=scope, group_1=ANY, scope_2=ANY, group_2=ANY
            )
        )[0]
        return int(stamp or 0), int(items or 0)

    def changes_since(self, scope: str, since: int) -> dict[str, bool] | None:
        """The group ids of `scope` written to after its stamp was `since` (their own row or their items), each
        with whether their photos, clips, videos or files changed too; None when a write since may have
        touched anyone's (it named no person, or no scope)."""
        changes = dict(self.tuples(_CHANGED_SINCE.params(scope=scope, since=since)))
        if ANY in changes:
            return None
        changes.pop(WHOLE, None)
        return {g: bool(moved) for g, moved in changes.items()}

    def scope_for(self, mode: str, base_url: str, api_key: str) -> Scope:
        digest = hashlib.sha256(f"{self._salt}:{api_key}".encode()).hexdigest()[:24]
        return Scope(mode, base_url.rstrip("/"), digest)

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url})"


class ScopedDatabase:
    """The Database as one scope's repositories see it: its writes move that scope's change stamps
    (`write(people)`: the group ids whose rows the write touches; None, the default, any person's). Anything
    else is the Database's own (reads, the clock)."""

    def __init__(self, db: Database, scope: str) -> None:
        self.database, self.scope = db, scope

    def write(self, people: Iterable[str] | None = None, *, items: bool = True):
        return self.database.write(self.scope, people, items=items)

    def __getattr__(self, name: str):
        return getattr(self.database, name)


# The Database of each URL while anything in the process holds it: the pages (lib.ui.state.database) and the
# server's own routes (lib.server: /media, /capture) share one engine and pool. Held weakly, so a test that
# drops its database (a new file each test) leaves no engine behind.
_SHARED: weakref.WeakValueDictionary[str, Database] = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def shared_database(target: str | os.PathLike | None = None) -> Database:
    """This process's Database for `target` (AVATAR_DESK_DB when None; see database_url), made on first use."""
    url = database_url(target)  # the full URL: two passwords are two Databases
    with _SHARED_LOCK:
        db = _SHARED.get(url)
        if db is None:
            db = _SHARED[url] = Database(url)
        return db
