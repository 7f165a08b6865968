"""Session state: the workflow dataclass under one key, the connection settings, and the API client
(built once per session and connection). The only place that decides where the sandbox lives.

A finished review read from the store is shared by every session showing it, with its tables (one copy per
server: lib.ledger_shelf); AVATAR_DESK_SHARE_REVIEWS=0 gives each session its own copy (as before issue 14;
bench/memory.py compares the two)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import streamlit as st

from lib import ledger_shelf as shelf
from lib.apimart import ApimartClient
from lib.assets import AssetRow
from lib.connection import ConnectionSettings, resolve_settings
from lib.flow import GenerationJob
from lib.generation import GenerateChoices
from lib.idle_collect import IdleCollector
from lib.ledger import AssetLedger
from lib.media.intake import Intake, intake_dir
from lib.media.storage.base import Storage
from lib.media.storage.settings import StorageSettings, make_storage
from lib.sandbox.control import SandboxControl
from lib.server import CALLBACK_PATH, SANDBOX_PREFIX, sandbox_is_mounted
from lib.signin import OPERATOR_KEY
from lib.store.database import Database, shared_database
from lib.store.people import Person
from lib.store.workspace import Store
from lib.verification import SESSION_LIFETIME_S, VerificationAttempt

WORKFLOW_KEY = "avatar_desk__workflow"
CLIENT_KEY = "avatar_desk__client"
SESSION_API_KEY = "sidebar__api_key"  # the key box: emptied by its own callback, never holds the key after
TYPED_KEY = "avatar_desk__typed_key"  # the one place a typed key lives (a TypedKey, not a widget value)


@dataclass
class Workflow:
    """Everything the operator has made in this browser session (the working copy)."""

    language: str = "en"
    auto_renew: bool = False
    callback_url: str = ""
    verification: VerificationAttempt | None = None
    expired_sessions: int = 0
    group_id: str = ""
    group_label: str = ""
    known_groups: dict[str, str] = field(default_factory=dict)  # group id -> label
    asset_type: str = "Video"
    draft: list[AssetRow] = field(default_factory=list)
    ledger: AssetLedger | None = None
    review_started_at: float | None = None
    videos: list = field(default_factory=list)  # lib.flow.GenerationJob, newest last
    generate_picks: list[str] = field(default_factory=list)  # asset:// URLs Review hands to Generate
    generate: GenerateChoices = field(default_factory=GenerateChoices)  # the Generate page's choices
    notice: str = ""  # a one-time message for the group page
    # What a new session picked up from the store: (whose review, "" for none; how many videos). The sidebar
    # says it in the session's language while it runs (lib/ui/components/sidebar.resumed_notice).
    resumed: tuple[str, int] = ("", 0)

    @property
    def running(self) -> bool:
        """A review or a generation is still under way."""
        return bool(self.ledger and self.ledger.pending_task_ids()) or any(v.running for v in self.videos)

    def own_ledger(self) -> AssetLedger | None:
        """The working ledger, to change (send, resubmit, settle): a shared one (lib.ledger_shelf) is first
        replaced by the session's own copy, so the other sessions showing it see no change."""
        if shelf.is_shared(self.ledger):
            self.ledger = shelf.private_copy(self.ledger)
        return self.ledger

    def remember_group(self, group_id: str, label: str) -> None:
        self.group_id, self.group_label = group_id, label
        self.known_groups[group_id] = label
        if self.ledger is None or self.ledger.group_id != group_id:
            self.ledger = AssetLedger(group_id, self.asset_type)


@dataclass
class TypedKey:
    """The API key typed in the sidebar, for this browser session only: kept out of every widget (a widget's
    value goes to the browser on every rerun), the URL, logs and the store; shown masked."""

    value: str = field(default="", repr=False)


def typed_key() -> TypedKey:
    if TYPED_KEY not in st.session_state:
        st.session_state[TYPED_KEY] = TypedKey()
    return st.session_state[TYPED_KEY]


def init_state() -> Workflow:
    """The session's workflow; a new session (reload, restart) picks up where the store says the
    operator was: the known people, and a review still running."""
    idle_collector().ran()
    if WORKFLOW_KEY not in st.session_state:
        st.session_state[WORKFLOW_KEY] = resumed_workflow()
    return st.session_state[WORKFLOW_KEY]


def resumed_workflow() -> Workflow:
    wf = Workflow()
    try:
        kept = store()
        wf.known_groups = kept.people.labels()
        unfinished = kept.videos.unfinished() + kept.videos.unsettled()
    except Exception:  # an unreadable store must not keep the app from starting
        return wf
    # Generations sent but not final when the last session ended: the Generate page polls them again, and
    # their outcome lands in the same rows.
    wf.videos = [GenerationJob.from_record(row) for row in unfinished]
    review_of = ""
    open_groups = kept.assets.groups_with_open_reviews()
    if open_groups:
        group_id = open_groups[0]
        wf.group_id, wf.group_label = group_id, wf.known_groups.get(group_id, "")
        wf.ledger = stored_ledger(kept, group_id)
        wf.asset_type = wf.ledger.asset_type
        review_of = wf.group_label or group_id
    elif (last := kept.people.last()) in wf.known_groups:
        # No review running: the person last worked on, with their last review, as the operator left them.
        wf.group_id, wf.group_label = last, wf.known_groups[last]
        wf.ledger = stored_ledger(kept, last) or AssetLedger(last, wf.asset_type)
        wf.asset_type = wf.ledger.asset_type
    wf.resumed = (review_of, len(wf.videos))
    return wf


def workflow() -> Workflow:
    return init_state()


@st.cache_resource(show_spinner="Starting the sandbox…")
def _threaded_sandbox():
    # Used when no `streamlit run` server mounted the sandbox (AppTest, or a plain script run).
    from lib.sandbox.runner import start_sandbox

    return start_sandbox(host="127.0.0.1", port=0)


def _server_port() -> int:
    return int(st.get_option("server.port") or 8501)


def sandbox_base_url() -> str:
    """Where the sandbox answers, started at most once per server (AVATAR_DESK_SANDBOX_URL points the app
    at one already running, e.g. `python -m lib.sandbox`)."""
    if external := os.environ.get("AVATAR_DESK_SANDBOX_URL", "").rstrip("/"):
        return external
    if sandbox_is_mounted():
        return f"http://127.0.0.1:{_server_port()}{SANDBOX_PREFIX}"
    return _threaded_sandbox().base_url


def read_secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: the usual case on a newcomer's machine
        return {}


# One run of the frame (lib.ui.shell.run_dashboard, on the script's thread): the connection settings worked out
# in it, which the sidebar and the page both ask for (reading the secrets was most of their cost).
_this_run = threading.local()
_SETTINGS_ENV = ("APIMART_API_KEY", "APIMART_BASE_URL", "APIMART_PROJECT_NAME", "AVATAR_DESK_SANDBOX_URL")


@contextmanager
def one_run() -> Iterator[None]:
    """The length of one run of the frame: connection_settings() is worked out once inside it (again when the
    typed key or the environment changes meanwhile); outside it (the callbacks before a run) on every call."""
    _this_run.active, _this_run.settings = True, None
    try:
        yield
    finally:
        _this_run.active, _this_run.settings = False, None


def connection_settings() -> ConnectionSettings:
    typed = typed_key().value
    asked = (typed, *(os.environ.get(name) for name in _SETTINGS_ENV))
    held = getattr(_this_run, "settings", None)
    if held is not None and held[0] == asked:
        return held[1]
    settings = _connection_settings(typed)
    if getattr(_this_run, "active", False):
        _this_run.settings = (asked, settings)
    return settings


def _connection_settings(typed: str) -> ConnectionSettings:
    env, secrets = os.environ, read_secrets()
    if typed or env.get("APIMART_API_KEY") or secrets.get("APIMART_API_KEY"):
        return resolve_settings(env, secrets, session_key=typed)
    return resolve_settings(env, secrets, sandbox_base_url=sandbox_base_url())


def _fingerprint(settings: ConnectionSettings) -> str:
    raw = f"{settings.mode}|{settings.base_url}|{settings.project_name}|{settings.api_key}"
    return hashlib.sha256(raw.encode()).hexdigest()


def client() -> ApimartClient:
    """The session's client, rebuilt only when the connection changes (so polling reuses one connection)."""
    settings = connection_settings()
    fingerprint = _fingerprint(settings)
    held = st.session_state.get(CLIENT_KEY)
    if held and held[0] == fingerprint:
        return held[1]
    if held:
        held[1].close()
    built = ApimartClient(settings.api_key, settings.base_url, project_name=settings.project_name)
    st.session_state[CLIENT_KEY] = (fingerprint, built)
    return built


@st.cache_resource(show_spinner=False)
def database() -> Database:
    """One database per server (AVATAR_DESK_DB: a path or a URL; default data/avatar-desk.db), the very one
    the server's /files and /capture routes use (lib.store.database.shared_database)."""
    return shared_database()


def store() -> Store:
    """This session's connection's view of the database (cheap: made on each call, never stale)."""
    settings = connection_settings()
    operator = st.session_state.get(OPERATOR_KEY)  # signed in (lib/ui/components/sign_in): rows record who
    actor = operator.actor if operator else None
    return Store.for_connection(database(), settings.mode, settings.base_url, settings.api_key, actor=actor)


# What pages read of the store, so that no page reaches into it.


def people() -> list[Person]:
    """Everyone verified under this connection, newest first, with their asset counts."""
    return store().people.find()


def rename_person(group_id: str, label: str) -> None:
    store().people.rename(group_id, label)


def stored_verification(task_id: str) -> dict | None:
    """What the store knows about a verification session (the durable word, not the session's)."""
    return store().verifications.get(task_id)


def unread_verification_results() -> list[dict]:
    """Verifications whose token was spent but whose group id was never read, newest first."""
    return store().verifications.unread_results()


def usable_assets() -> list[dict]:
    """Every person's approved assets (lib.generation.references reads them)."""
    return store().assets.usable()


def unsettled() -> tuple[list[dict], list[dict]]:
    """The asset sends and the video rows whose outcome is unknown: they wait for the operator's decision
    (lib.ui.unsettled shows them)."""
    kept = store()
    return kept.assets.unsettled_sends(), kept.videos.unsettled()


def cached_view(name: str, version: object, build):
    """A value derived from session data, rebuilt only when `version` changes (e.g. a ledger's)."""
    key = f"avatar_desk__view__{name}"
    held = st.session_state.get(key)
    if held is None or held[0] != version:
        held = (version, build())
        st.session_state[key] = held
    return held[1]


@st.cache_resource(show_spinner=False)
def idle_collector() -> IdleCollector:
    """The server's full garbage collection once it is quiet (lib.idle_collect): closed sessions' memory goes
    back."""
    collector = IdleCollector()
    collector.start()
    return collector


@st.cache_resource(show_spinner=False)
def ledger_shelf() -> shelf.LedgerShelf:
    """The server's shared finished reviews (lib.ledger_shelf)."""
    return shelf.LedgerShelf()


def sharing_reviews() -> bool:
    """AVATAR_DESK_SHARE_REVIEWS: on unless 0/false/no/off."""
    return os.environ.get("AVATAR_DESK_SHARE_REVIEWS", "").strip().lower() not in ("0", "false", "no", "off")


def stored_ledger(kept: Store, group_id: str) -> AssetLedger | None:
    """A person's ledger as the store holds it now: a finished review is the one every session showing it
    shares (read-only; Workflow.own_ledger before changing it), a review under way the session's own; None
    when the person has none."""
    if not sharing_reviews():
        return kept.assets.load_ledger(group_id)
    # The key is read before the rows: a write in between gives newer rows under this key, never older.
    return ledger_shelf().ledger(shelf.key_for(kept, group_id), lambda: kept.assets.load_ledger(group_id))


def ledger_view(ledger: AssetLedger, name: str, version: object, build):
    """A value derived from a ledger (a review table, an export), rebuilt only when `version` changes: one for
    the whole server when the ledger is shared (lib.ledger_shelf), else the session's own (cached_view).
    Never change what it gives (other sessions hold the same object)."""
    if shelf.is_shared(ledger):
        return ledger_shelf().view(ledger, name, version, build)
    return cached_view(name, version, build)


def refreshed(name: str, refresh):
    """A value kept in the session and brought up to date on each run: `refresh(held)` gets the one held (None
    the first time) and returns the current one (the same when nothing changed), e.g. lib.library.people_view."""
    key = f"avatar_desk__view__{name}"
    value = refresh(st.session_state.get(key))
    st.session_state[key] = value
    return value


def use_group(group_id: str, label: str = "") -> None:
    """Make `group_id` the working group: saved as a person, and with its stored assets when it has any
    (a group picked again must not start from an empty review)."""
    wf, kept = workflow(), store()
    label = label.strip() or wf.known_groups.get(group_id, "")
    kept.people.save(group_id, label)
    wf.remember_group(group_id, label)
    kept.people.remember_last(group_id)  # a reload or a restart comes back to this person
    if not wf.ledger.assets and (stored := stored_ledger(kept, group_id)) is not None:
        wf.ledger, wf.asset_type = stored, stored.asset_type


def storage_settings() -> StorageSettings:
    return StorageSettings.from_env(os.environ, read_secrets())


@st.cache_resource(show_spinner=False)
def media_storage() -> Storage:
    """Where uploaded files are hosted, one per server (lib/media/storage/settings: app-hosted, or an
    S3-compatible bucket when one is configured)."""
    return make_storage(storage_settings())


def intake() -> Intake:
    """The file intake for this session's connection (cheap: made on each call)."""
    settings = storage_settings()
    return Intake(store().media, media_storage(), intake_dir(settings), url_seconds=settings.url_seconds)


def capture_lifetime() -> float:
    """How long a phone capture link stays open: AVATAR_DESK_CAPTURE_MINUTES, default 30."""
    try:
        minutes = float(os.environ.get("AVATAR_DESK_CAPTURE_MINUTES", "") or 30)
    except ValueError:
        minutes = 30.0
    return max(minutes, 1.0) * 60


def app_base_url() -> str:
    """Where phones and browsers reach this app: AVATAR_DESK_PUBLIC_URL, else the operator's own URL."""
    configured = os.environ.get("AVATAR_DESK_PUBLIC_URL", "").rstrip("/")
    if configured:
        return configured
    seen = st.context.url
    if seen:
        parts = urlsplit(seen)
        return f"{parts.scheme}://{parts.netloc}"
    return f"http://127.0.0.1:{_server_port()}"


def session_lifetime() -> float:
    """How long a new H5 link lives: upstream about 120 s; in sandbox mode whatever the sandbox was set
    to (a demo or test may shorten it), so the countdown ends when the link really does."""
    settings = connection_settings()
    if settings.is_sandbox:
        ttl = SandboxControl(settings.base_url, timeout=2.0).session_ttl()
        if ttl is not None:
            return ttl
    return SESSION_LIFETIME_S


def default_callback_url() -> str:
    return app_base_url() + CALLBACK_PATH
