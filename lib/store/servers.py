"""The app servers sharing this database (table `servers`): each writes its row when it starts and again every
`BEAT_S` seconds while it runs (lib.media.sharing.Heartbeat), and removes it when it stops. A row not written for
`LIVE_S` is a server that is gone (killed, or its machine lost); rows gone for `FORGET_S` are deleted by the
next beat of any server, so the table stays as small as the team's servers. No Streamlit.

Written with `quiet_write`: a heartbeat is no person's row and moves no change stamp (the Library's caches stay)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select

from lib.store.database import Database, insert_for, quiet_write
from lib.store.tables import servers

BEAT_S = 30.0
LIVE_S = 90.0  # three beats missed: gone
FORGET_S = 86400.0

_S = servers.c
_LIVE = select(_S.id, _S.started_at, _S.seen_at, _S.storage, _S.media_marker).where(
    _S.seen_at >= bindparam("since")
)


@dataclass(frozen=True)
class ServerRow:
    id: str
    started_at: float
    seen_at: float
    storage: str  # "app" | "s3:<bucket>"
    media_marker: str | None  # the marker file's name in its app-hosted media folder; None with a bucket


def beat(db: Database, row: ServerRow) -> None:
    """Write (or refresh) this server's row at `row.seen_at`, and delete rows gone for FORGET_S."""
    values = {
        "id": row.id,
        "started_at": row.started_at,
        "seen_at": row.seen_at,
        "storage": row.storage,
        "media_marker": row.media_marker,
    }
    with quiet_write(db) as conn:
        conn.execute(delete(servers).where(_S.seen_at < row.seen_at - FORGET_S))
        stmt = insert_for(conn, servers).values(**values)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[_S.id], set_={k: v for k, v in values.items() if k not in ("id", "started_at")}
            )
        )


def leave(db: Database, server_id: str) -> None:
    """This server stops: its row goes (the others stop counting it at once)."""
    with quiet_write(db) as conn:
        conn.execute(delete(servers).where(_S.id == server_id))


def live_servers(db: Database, now: float) -> list[ServerRow]:
    """Every server seen in the last LIVE_S seconds (this one included, once it has beaten), oldest first."""
    return sorted((ServerRow(*r) for r in db.rows(_LIVE.params(since=now - LIVE_S))), key=lambda r: r.started_at)
