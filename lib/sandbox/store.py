"""The sandbox's state behind one lock (moto style): the settings, a backend of tenants (lib.sandbox.tenants)
whose tasks advance by time when read (lib.sandbox.tasks), the faults and the request log
(lib.sandbox.faults), and the workers that judge submitted files by their bytes (lib.sandbox.judging). Each
method takes the lock, finds the tenant and hands the work to the module of its step: verification, assets,
videos. No HTTP here; it never keeps an API key, only its fingerprint."""

from __future__ import annotations

import threading
import time
from typing import Any

from lib.sandbox import assets, tasks, verification, videos
from lib.sandbox.config import SandboxConfig
from lib.sandbox.errors import SandboxError
from lib.sandbox.faults import Fault, FaultBook, RequestLog
from lib.sandbox.fetching import FileHosts, Origin
from lib.sandbox.ids import fingerprint
from lib.sandbox.judging import Judges
from lib.sandbox.tenants import Backend
from lib.sandbox.verification import Session

__all__ = ["SandboxError", "Store", "fingerprint"]


class Store:
    def __init__(self, config: SandboxConfig | None = None, *, clock=time.time) -> None:
        self.initial = SandboxConfig(**(config or SandboxConfig()).as_dict())
        self.config = SandboxConfig(**self.initial.as_dict())
        self.clock = clock
        self.lock = threading.RLock()
        self.judges = Judges()  # kept across resets: a judging under way ends on its own, unread
        self.reset()

    def reset(self) -> None:
        """Forgets every tenant, fault and logged request; the settings go back to the initial ones."""
        with self.lock:
            self.config = SandboxConfig(**self.initial.as_dict())
            self.backend = Backend()
            self.faults = FaultBook()
            self.requests = RequestLog()

    # ---- the /v1 API, one tenant at a time

    def create_session(self, tenant: str, callback_url: Any, base_url: str) -> dict:
        with self.lock:
            owner, now = self.backend.tenant(tenant), self.clock()
            return verification.open_session(owner, callback_url, base_url, now, self.config.session_ttl)

    def query_token(self, tenant: str, token: Any) -> dict:
        with self.lock:
            return verification.query(self.backend.tenant(tenant), token, self.clock())

    def _review(self, server: Origin | None) -> assets.Review:
        return assets.Review(FileHosts.of(self.config, server), self.judges)

    def submit_assets(self, tenant: str, body: dict, server: Origin | None = None) -> dict:
        """`server`: the local end of the submit's connection, where the app's own /files/ route is read."""
        with self.lock:
            owner, review = self.backend.tenant(tenant), self._review(server)
            return assets.submit(owner, body, self.clock(), self.config, review)

    def private_avatar(self, tenant: str, body: dict, server: Origin | None = None) -> dict:
        with self.lock:
            owner, review = self.backend.tenant(tenant), self._review(server)
            return assets.private_avatar(owner, body, self.clock(), self.config, review)

    def generate(self, tenant: str, body: dict, base_url: str) -> list[dict]:
        with self.lock:
            return videos.generate(self.backend.tenant(tenant), body, base_url, self.clock(), self.config)

    def task_view(self, tenant: str, task_id: str) -> dict:
        with self.lock:
            return tasks.view(self.backend.tenant(tenant).task(task_id), self.clock())

    # ---- what comes without a key: the person's phone, the video files

    def session_for_page(self, token: str) -> tuple[Session | None, str]:
        with self.lock:
            session = self.backend.session(token)
            return session, (session.state_at(self.clock()) if session else "unknown")

    def finish_session(self, token: str, approve: bool) -> str:
        """The person approves or fails on the H5 page; returns the callback redirect URL."""
        with self.lock:
            return verification.answer(self.backend.session(token), approve, self.clock())

    def video_ready(self, task_id: str) -> bool:
        with self.lock:
            task = self.backend.task(task_id)
            if task is None or task.kind != "video":
                return False
            tasks.advance(task, self.clock())
            return task.status == tasks.COMPLETED

    # ---- the control plane's view

    def add_fault(self, spec: dict) -> Fault:
        return self.faults.add(spec)

    def take_fault(self, path: str, method: str, selector: str | None = None) -> Fault | None:
        return self.faults.take(path, method, selector)

    def log(self, entry: dict) -> None:
        self.requests.add(entry)

    def task_rows(self, kind: str | None = None) -> list[dict]:
        """Every task the sandbox created (of one kind: session, query, review, group, video), for tests
        that count upstream objects."""
        with self.lock:
            return [tasks.row(t) for t in self.backend.tasks() if kind is None or t.kind == kind]

    def asset_rows(self) -> list[dict]:
        with self.lock:
            now = self.clock()
            return [asset.row(now) for asset in self.backend.assets()]
