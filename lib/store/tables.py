"""Every table the store keeps, as SQLAlchemy Core `Table`s on one `MetaData`: the schema the migrations
reach (lib/store/migrations), written so that SQLite and PostgreSQL read it alike. No queries here."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()


def _owner() -> tuple[Column, Column]:
    """Whose a row is: the connection's scope and the person's group at APIMart (new Columns per table)."""
    return Column("scope", Text, nullable=False), Column("group_id", Text, nullable=False)


# name -> value: the file's salt, the change counter ("changes"), each connection's last person.
meta = Table(
    "meta",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

# Where the last write to each scope, and to each person of it, happened: a value of the "changes" counter
# (so every stamp compares with every other). group_id "" is the scope as a whole (every write under it),
# "*" any person of it (a write that did not say whose rows it touched); the scope "*" with group_id "*" is a
# write that did not say its scope. `stamp` moves on every write naming the person, `items_stamp` only on
# those touching their photos, clips, videos or files (not on a rename). See Database.write.
change_stamps = Table(
    "change_stamps",
    metadata,
    Column("scope", Text, nullable=False),
    Column("group_id", Text, nullable=False),
    Column("stamp", Integer, nullable=False),
    Column("items_stamp", Integer, nullable=False),
    PrimaryKeyConstraint("scope", "group_id"),
)
Index("change_stamps_by_stamp", change_stamps.c.scope, change_stamps.c.stamp)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    *_owner(),
    Column("label", Text, nullable=False, server_default=""),
    Column("mode", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("notes", Text, nullable=False, server_default=""),
    UniqueConstraint("scope", "group_id"),
)

verifications = Table(
    "verifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", Text, nullable=False),
    Column("task_id", Text, nullable=False),
    Column("status", Text, nullable=False),  # a VerificationStatus code
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float),
    Column("outcome", Text),
    Column("byted_token", Text),
    Column("group_id", Text),
    Column("result_task_id", Text),  # the task holding the group id when reading it failed
    UniqueConstraint("scope", "task_id"),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    *_owner(),
    Column("asset_type", Text, nullable=False),
    Column("task_ids", Text, nullable=False, server_default="[]"),  # JSON list
    Column("status", Text, nullable=False),  # a SubmissionStatus code
    Column("created_at", Float, nullable=False),
    Column("detail", Text),
)

# One row per attempt of an asset; `is_latest` marks each asset's current attempt.
assets = Table(
    "assets",
    metadata,
    Column("id", Integer, primary_key=True),
    *_owner(),
    Column("asset_key", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("source_url", Text, nullable=False),
    Column("task_id", Text, nullable=False),
    Column("status", Text, nullable=False),  # an AssetStatus code
    Column("asset_id", Text),
    Column("asset_url", Text),
    Column("error_code", Text),
    Column("error_message", Text),
    Column("replaces_id", Integer, ForeignKey("assets.id")),
    Column("updated_at", Float, nullable=False),
    Column("is_latest", Integer, nullable=False, server_default=text("1")),
    Column("send_key", Text),  # the Idempotency-Key of the request that carried the attempt
    Column("asset_type", Text),  # Image or Video as sent; NULL in old rows: their review task's type
    UniqueConstraint("scope", "group_id", "asset_key", "attempt"),
)
Index("assets_by_group", assets.c.scope, assets.c.group_id)
# Covering: each person's usable/failed/pending counts are read from the index alone (the Library re-reads
# them after every write).
Index("assets_current", assets.c.scope, assets.c.group_id, assets.c.is_latest, assets.c.status)
# (scope, send_key): see assets_once_per_send, below (migration 0007).

review_tasks = Table(
    "review_tasks",
    metadata,
    *_owner(),
    Column("task_id", Text, nullable=False),
    Column("asset_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("final", Integer, nullable=False, server_default=text("0")),
    Column("raw", Text),  # JSON
    Column("position", Integer),  # the task's place in its ledger (the order they were sent in)
    PrimaryKeyConstraint("scope", "task_id"),
)

videos = Table(
    "videos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", Text, nullable=False),
    Column("task_id", Text),
    Column("group_id", Text),
    Column("prompt", Text, nullable=False),
    Column("model", Text, nullable=False),
    Column("assets", Text, nullable=False, server_default="[]"),  # JSON list of asset:// URLs
    Column("params", Text, nullable=False, server_default="{}"),  # JSON
    Column("status", Text, nullable=False),  # a VideoStatus code (or upstream's own)
    Column("video_url", Text),
    Column("expires_at", Float),
    Column("error", Text),
    Column("created_at", Float, nullable=False),
    Column("send_key", Text),
)

# Write-ahead intents of versions before per-row write-ahead: kept, listed while open.
intents = Table(
    "intents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("detail", Text, nullable=False),  # JSON
    Column("created_at", Float, nullable=False),
    Column("completed_at", Float),
    Column("outcome", Text),
)

# Files as assets (lib/media): one row per file received, its id the unguessable part of its URL. `fix` is
# "" for an original (not NULL: NULLs never collide, and the same file twice must be one row).
media = Table(
    "media",
    metadata,
    Column("id", Text, primary_key=True),
    *_owner(),
    Column("sha256", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("source", Text, nullable=False),  # "computer" | "phone" | "fix" | "url"
    Column("derived_from", Text),  # the media id a fix was made from
    Column("fix", Text, nullable=False, server_default=""),  # a lib.media.report.Fix value, or ""
    Column("kind", Text, nullable=False),  # "Image" | "Video" | ""
    Column("format", Text, nullable=False, server_default=""),
    Column("ext", Text, nullable=False, server_default=""),
    Column("content_type", Text, nullable=False, server_default=""),
    Column("size", Integer, nullable=False),
    Column("backend", Text),  # "app" | "s3"; NULL when nothing is hosted (refused)
    Column("storage_key", Text),
    Column("report", Text, nullable=False, server_default="{}"),  # JSON: MediaReport.to_dict()
    Column("thumbnail", LargeBinary),  # JPEG; NULL when refused
    Column("face_frame", LargeBinary),  # JPEG of the frame where faces were not one
    Column("state", Text, nullable=False),  # "ready" | "refused" | "deleted"
    Column("capture_id", Text),  # the capture link it came through
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float),
    Column("review_ended_at", Float),
    Column("deleted_at", Float),
    UniqueConstraint("scope", "group_id", "sha256", "fix", name="media_once"),
)
Index("media_by_group", media.c.scope, media.c.group_id, media.c.created_at)
Index("media_by_key", media.c.storage_key)
Index("media_by_capture", media.c.capture_id)

# Phone capture links: only a hash of the token is kept (the token itself is in the QR code alone).
capture_links = Table(
    "capture_links",
    metadata,
    Column("id", Text, primary_key=True),
    *_owner(),
    Column("label", Text, nullable=False, server_default=""),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("closed_at", Float),
)
Index("capture_links_by_group", capture_links.c.scope, capture_links.c.group_id)

# ---------------------------------------------------------------- several app servers (issue 15, SERVERS)
# What one server kept in memory and another must see (migration 0005).

# The phone's callbacks (lib.store.callbacks): one row per verification attempt a page announced, found by the
# SHA-256 of the attempt's callback secret (the secret itself is never kept). `result_code` stays NULL until
# the first accepted callback; the first one stays.
callback_inbox = Table(
    "callback_inbox",
    metadata,
    Column("key", Text, primary_key=True),  # sha256 hex of the callback secret
    Column("byted_token", Text, nullable=False),
    Column("expires_at", Float, nullable=False),  # the link's end
    Column("created_at", Float, nullable=False),
    Column("result_code", Text),
    Column("params", Text),  # JSON: the documented fields of the accepted callback
    Column("received_at", Float),
)
Index("callback_inbox_by_expiry", callback_inbox.c.expires_at)
Index("callback_inbox_by_age", callback_inbox.c.created_at)

# The app servers sharing this database (lib.store.servers): each writes its row at start and every ~30 s.
# `storage` is the backend its uploads go to ("app" | "s3:<bucket>"); `media_marker` the name of the file it
# keeps in its app-hosted media folder (NULL with a bucket), which a server that shares the folder sees.
servers = Table(
    "servers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("started_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),
    Column("storage", Text, nullable=False, server_default="app"),
    Column("media_marker", Text),
)
Index("servers_by_seen", servers.c.seen_at)


# ------------------------------------------------------------------ Who did it (issue Teams, migration 0006)
# The signed-in operator (their email, else the name they signed in with) who made each row; NULL when nobody
# signs in (the laptop default) and in rows older than 0006. Written on insert, never changed after. A phone's
# file is the operator's who opened its capture link.
ACTOR_TABLES = (people, verifications, submissions, assets, videos, media, capture_links)
for _table in ACTOR_TABLES:
    _table.append_column(Column("created_by", Text))


# ------------------------------------------------- one claim per send (issue Teams, PostgreSQL, migration 0007)
# A send's Idempotency-Key names its write-ahead rows once: each asset attempt of a send, and each video
# request. Two servers or two tabs writing the same send find one row (lib.store.assets, lib.store.videos).
_KEYED = text("send_key IS NOT NULL")
Index(
    "assets_once_per_send",
    assets.c.scope,
    assets.c.send_key,
    assets.c.asset_key,
    unique=True,
    sqlite_where=_KEYED,
    postgresql_where=_KEYED,
)
Index(
    "videos_once_per_send",
    videos.c.scope,
    videos.c.send_key,
    unique=True,
    sqlite_where=_KEYED,
    postgresql_where=_KEYED,
)
