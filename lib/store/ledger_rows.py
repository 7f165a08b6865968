"""An asset ledger (lib.ledger) as table rows and back: the shape conversion of the assets repository, pure
of any database call."""

from __future__ import annotations

import json
from collections.abc import Collection

from lib.ledger import AssetLedger, Attempt, ReviewTask, TrackedAsset
from lib.store.codes import AssetStatus, plain


def attempt_rows(
    scope_id: str,
    ledger: AssetLedger,
    now: float,
    keys: Collection[int] | None = None,
    actor: str | None = None,
) -> list[dict]:
    """One dict per attempt of every asset, or of the assets with these `keys` (those still in the ledger),
    by key. Each attempt keeps the name and type it was sent under; `actor` is who saves it (kept by an
    attempt already stored: the save's upsert leaves created_by)."""
    if keys is None:
        chosen = ledger.assets.values()
    else:
        chosen = [ledger.assets[k] for k in sorted(keys) if k in ledger.assets]
    return [
        {
            "scope": scope_id,
            "group_id": ledger.group_id,
            "asset_key": asset.key,
            "attempt": a.number,
            "name": a.name or asset.name,
            "source_url": a.url,
            "task_id": a.task_id,
            "status": plain(a.status),
            "asset_id": a.asset_id,
            "asset_url": a.asset_url,
            "error_code": a.error_code,
            "error_message": a.error_message,
            "updated_at": now,
            "is_latest": int(a is asset.current),
            "send_key": a.send_key or None,
            "asset_type": a.asset_type or ledger.asset_type,
            "created_by": actor,
        }
        for asset in chosen
        for a in asset.attempts
    ]


def task_rows(scope_id: str, ledger: AssetLedger, task_ids: Collection[str] | None = None) -> list[dict]:
    """One dict per review task, or per task of `task_ids`, with its place in the ledger (the order sent)."""
    return [
        {
            "scope": scope_id,
            "group_id": ledger.group_id,
            "task_id": t.task_id,
            "asset_type": t.asset_type or ledger.asset_type,
            "status": plain(t.status),
            "final": int(t.final),
            "raw": json.dumps(t.raw or {}),
            "position": position,
        }
        for position, t in enumerate(ledger.tasks.values())
        if task_ids is None or t.task_id in task_ids
    ]


def _attempt(row, task_types: dict[str, str]) -> Attempt:
    return Attempt(
        row.attempt,
        row.source_url,
        row.task_id,
        row.status,
        row.asset_id,
        row.asset_url,
        row.error_code,
        row.error_message,
        row.send_key or "",
        row.name,
        row.asset_type or task_types.get(row.task_id, ""),
    )


def rebuild(group_id: str, asset_type: str, tasks: list, asset_rows: list) -> AssetLedger:
    """A ledger from its review task rows (in the order sent) and attempt rows (by key, oldest first). The
    ledger's changes (AssetLedger.changed_keys) are the assets read differently from their rows."""
    ledger = AssetLedger(group_id, asset_type)
    task_types = {t.task_id: t.asset_type for t in tasks}
    for row in asset_rows:
        asset = ledger.assets.setdefault(row.asset_key, TrackedAsset(row.asset_key, row.name))
        asset.attempts.append(_attempt(row, task_types))
        asset.name = row.name  # rows come oldest first: the asset reads as its latest attempt
        if asset.attempts[-1].status == AssetStatus.SENDING:
            # Written before a request that never reported back (the app stopped mid-send).
            asset.attempts[-1].status = AssetStatus.UNKNOWN.value
            ledger.touch([asset.key])
    keys_by_task: dict[str, list[int]] = {}
    for asset in ledger.assets.values():
        for a in asset.attempts:
            if a.task_id:
                keys_by_task.setdefault(a.task_id, []).append(asset.key)
    for t in tasks:
        ledger.tasks[t.task_id] = ReviewTask(
            t.task_id,
            keys_by_task.get(t.task_id, []),
            t.status,
            100 if t.final else 0,
            bool(t.final),
            json.loads(t.raw or "{}"),
            asset_type=t.asset_type,
        )
    return ledger
