"""A real PostgreSQL for tests and benches: `running_postgres()` runs initdb and pg_ctl (PostgreSQL's own
binaries, found on PATH, /usr/local/bin or /usr/lib/postgresql/*/bin) in a temporary folder owned by the
`postgres` user (the server refuses to run as root; sessions and CI are root, so it is started through
`runuser -u postgres --`), listening only on 127.0.0.1 on a free port, with settings for speed over
durability (fsync, synchronous_commit and full_page_writes off: a crash loses a throwaway cluster).
`PostgresServer.new_database()` creates an empty database and returns its SQLAlchemy URL
(`postgresql+psycopg://postgres@127.0.0.1:PORT/NAME`); `drop_database` drops it. No password: trust
authentication on loopback, inside a folder only this run knows."""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "postgres"
HOST = "127.0.0.1"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL binaries are missing or the server did not start (the message says which)."""


def find_binary(name: str) -> str:
    """`initdb`/`pg_ctl`: PATH first, then /usr/local/bin, then the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name) or shutil.which(name, path="/usr/local/bin")
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if versions:
        return versions[-1]
    raise PostgresUnavailable(
        f"PostgreSQL's `{name}` was not found (PATH, /usr/local/bin, /usr/lib/postgresql/*/bin): "
        "install it with `apt-get install -y postgresql` (scripts/test.sh does)"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """The command run as the `postgres` user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return args
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root needs the `{SUPERUSER}` user to start PostgreSQL as (Debian's postgresql package "
            "makes it: `apt-get install -y postgresql`)"
        ) from None
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", SUPERUSER, "--", *args]
    return ["su", SUPERUSER, "-s", "/bin/sh", "-c", shlex.join(args)]


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(_as_postgres(args), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise PostgresUnavailable(f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


@dataclass
class PostgresServer:
    """One running cluster: its port and data folder; databases are made and dropped per test."""

    port: int
    folder: Path
    _made: set[str] = field(default_factory=set)

    def url(self, dbname: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{SUPERUSER}@{HOST}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host=HOST, port=self.port, user=SUPERUSER, dbname=dbname, autocommit=True)

    def new_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._made.add(name)
        return self.url(name)

    def drop_database(self, url_or_name: str) -> None:
        """Drop a database made by new_database, closing whatever connections are still open on it."""
        name = url_or_name.rsplit("/", 1)[-1]
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self._made.discard(name)

    def add_password_user(self, name: str, password: str) -> None:
        """A login role that must give its password (scram-sha-256) from loopback, where every other role is
        trusted: for tests of what a URL's password may reach (a log, an error, a page)."""
        with self.connect() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
            hba = self.folder / "data" / "pg_hba.conf"
            rule = f"host all {name} {HOST}/32 scram-sha-256\n"
            if rule not in hba.read_text():
                hba.write_text(rule + hba.read_text())  # first match wins: before the trust lines
            conn.execute("SELECT pg_reload_conf()")

    def connections(self, dbname: str | None = None) -> int:
        """Client connections held now (on `dbname`, or on all databases but this query's own)."""
        with self.connect() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            if dbname is None:
                return conn.execute(query).fetchone()[0]
            return conn.execute(query + " AND datname = %s", (dbname,)).fetchone()[0]


@contextmanager
def running_postgres(*, max_connections: int = 200) -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL cluster on loopback; stop it and delete its folder on exit."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    # As root the server runs as `postgres`, who must reach the folder: /tmp, whatever TMPDIR says.
    folder = Path(tempfile.mkdtemp(prefix="avatar-desk-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    data, socket_dir, log = folder / "data", folder / "sock", folder / "server.log"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, SUPERUSER, SUPERUSER)
        shutil.chown(socket_dir, SUPERUSER, SUPERUSER)
    folder.chmod(0o700)
    started = False
    try:
        _run(
            [initdb, "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            "initdb",
        )
        options = " ".join(
            [
                f"-c listen_addresses={HOST}",
                f"-c unix_socket_directories={socket_dir}",
                f"-c max_connections={max_connections}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c shared_buffers=32MB",
                "-c max_wal_size=1GB",
                "-c log_min_messages=warning",
            ]
        )
        # A port is taken between finding it free and binding it only rarely: try a few.
        last_error: Exception | None = None
        for _ in range(5):
            port = _free_port()
            try:
                _run(
                    [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", f"-p {port} {options}", "start"],
                    "pg_ctl start",
                )
            except PostgresUnavailable as error:
                last_error = error
                continue
            started = True
            break
        if not started:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"{last_error}\n{tail}")
        server = PostgresServer(port=port, folder=folder)
        deadline = time.monotonic() + 30
        while True:
            try:
                server.connect().close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield server
    finally:
        if started:
            subprocess.run(
                _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(folder, ignore_errors=True)
