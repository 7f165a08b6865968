"""Per-tenant state, as moto keeps a backend per region: every API key (by its fingerprint) has its own
sessions, tasks, groups and assets, so one tenant can never reach another's. The `Backend` holds the
tenants; the few lookups that come without a key (the phone's verification page, a video file) search
them all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lib.sandbox.errors import SandboxError
from lib.sandbox.tasks import TaskRecord

if TYPE_CHECKING:
    from lib.sandbox.assets import Asset
    from lib.sandbox.verification import Session


@dataclass
class Tenant:
    key: str  # the API key's fingerprint
    sessions: dict[str, Session] = field(default_factory=dict)  # by token
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    assets: dict[str, Asset] = field(default_factory=dict)  # by asset id

    def add_task(self, task: TaskRecord) -> TaskRecord:
        self.tasks[task.id] = task
        for asset in task.assets:
            self.assets[asset.asset_id] = asset
        return task

    def task(self, task_id: str) -> TaskRecord:
        task = self.tasks.get(task_id)
        if task is None:
            raise SandboxError(404, f"task {task_id} not found", "not_found_error")
        return task

    def own_group(self, group_id: Any, message: str) -> str:
        # Another tenant's group is "unknown" too: its existence is not revealed.
        if not isinstance(group_id, str) or group_id not in self.groups:
            raise SandboxError(400, message)
        return group_id


class Backend:
    """Every tenant, made on first use."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}

    def tenant(self, key: str) -> Tenant:
        if key not in self.tenants:
            self.tenants[key] = Tenant(key)
        return self.tenants[key]

    def session(self, token: str) -> Session | None:
        return next((t.sessions[token] for t in self.tenants.values() if token in t.sessions), None)

    def task(self, task_id: str) -> TaskRecord | None:
        return next((t.tasks[task_id] for t in self.tenants.values() if task_id in t.tasks), None)

    def tasks(self) -> list[TaskRecord]:
        """Every tenant's tasks, in the order they were created."""
        return sorted((task for t in self.tenants.values() for task in t.tasks.values()), key=lambda t: t.seq)

    def assets(self) -> Iterator[Asset]:
        """Every asset, in the order it was submitted."""
        for task in self.tasks():
            yield from task.assets
