"""The ledger's write-ahead of a send: every row is recorded before its request goes out, then confirmed
(under review), taken back (certainly not sent) or left unknown (the answer was lost) until the operator
settles it. A part of AssetLedger (lib.ledger), kept apart so each module has one job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lib.ledger_records import PENDING, SENDING, UNKNOWN, UNSETTLED, Attempt, ReviewTask, TrackedAsset

if TYPE_CHECKING:
    from lib.apimart import SubmittedTask


class WriteAhead:
    """Methods of AssetLedger: they read and change its `assets`, `tasks`, `asset_type` and `version`, and
    record what they change with its `touch`; each first calls its `writable` (a shared ledger refuses)."""

    def stage_new(
        self, rows: Sequence[tuple[str, str]], send_key: str, asset_type: str = "", start: int = 0
    ) -> list[int]:
        """New (name, url) assets about to be sent in one request (of `asset_type`); returns their keys, from
        `start` on (keys the store reserved: Assets.reserve_keys) or past this ledger's own."""
        self.writable()
        start = max(max(self.assets, default=-1) + 1, start)
        kind = asset_type or self.asset_type
        keys = []
        for offset, (name, url) in enumerate(rows):
            key = start + offset
            self.assets[key] = TrackedAsset(
                key, name, [Attempt(1, url, "", SENDING, send_key=send_key, name=name, asset_type=kind)]
            )
            keys.append(key)
        self.version += 1
        self.touch(keys)
        return keys

    def stage_retry(
        self, items: Sequence[tuple[int, str]], send_key: str, names: dict[int, str] | None = None
    ) -> list[int]:
        """A new attempt for each (key, url) of failed assets, about to be sent in one request. `names`: the
        name each new attempt goes out under (default: the asset's); it becomes the asset's current name,
        while the earlier attempts keep the one they were sent under."""
        self.writable()
        for key, url in items:
            asset = self.assets[key]
            for earlier in asset.attempts:
                earlier.name = earlier.name or asset.name
            asset.name = (names or {}).get(key) or asset.name
            kind = asset.current.asset_type or self.asset_type  # sent again as what it was sent as
            number = len(asset.attempts) + 1
            asset.attempts.append(
                Attempt(number, url, "", SENDING, send_key=send_key, name=asset.name, asset_type=kind)
            )
        self.version += 1
        self.touch([key for key, _ in items])
        return [key for key, _ in items]

    def attempts_sent_with(self, send_key: str) -> list[tuple[TrackedAsset, Attempt]]:
        return [
            (asset, a)
            for asset in self.assets.values()
            for a in asset.attempts
            if send_key and a.send_key == send_key and a.status in UNSETTLED
        ]

    def confirm(self, send_key: str, task: SubmittedTask) -> list[int]:
        """The request carrying `send_key` was answered with `task`: its attempts are under review."""
        self.writable()
        pairs = self.attempts_sent_with(send_key)
        for _, attempt in pairs:
            attempt.task_id, attempt.status = task.id, PENDING
        kind = next((a.asset_type for _, a in pairs if a.asset_type), "")
        self.tasks[task.id] = ReviewTask(
            task.id, [asset.key for asset, _ in pairs], status=task.status, asset_type=kind
        )
        self.version += 1
        self.touch([asset.key for asset, _ in pairs], [task.id])
        return [asset.key for asset, _ in pairs]

    def mark_unknown(self, send_key: str) -> list[int]:
        self.writable()
        pairs = self.attempts_sent_with(send_key)
        for _, attempt in pairs:
            attempt.status = UNKNOWN
        self.version += 1
        self.touch([asset.key for asset, _ in pairs])
        return [asset.key for asset, _ in pairs]

    def mark_sending(self, send_key: str) -> list[tuple[TrackedAsset, Attempt]]:
        """The attempts of an unsettled send, about to go out again with the same key: SENDING (written
        ahead) until answered. Returns them."""
        self.writable()
        pairs = self.attempts_sent_with(send_key)
        if not pairs:
            return pairs  # settled already: nothing changes
        for _, attempt in pairs:
            attempt.status = SENDING
        self.version += 1
        self.touch([asset.key for asset, _ in pairs])
        return pairs

    def unstage(self, send_key: str) -> list[tuple[str, str]]:
        """Take back attempts that certainly did not go out (or that the operator decided not to send):
        a new asset disappears, a retried one is failed again. Returns their (name, url) for the draft."""
        self.writable()
        taken = []
        for asset, attempt in self.attempts_sent_with(send_key):
            self.touch([asset.key])  # its rows: the one taken back is deleted (Assets.forget_attempts)
            asset.attempts.remove(attempt)
            taken.append((attempt.name or asset.name, attempt.url))
            if not asset.attempts:
                del self.assets[asset.key]
            else:  # a retry taken back: the asset reads as it did before it
                asset.name = asset.current.name or asset.name
        self.version += 1
        return taken

    def unsettled_sends(self) -> dict[str, list[TrackedAsset]]:
        """Requests whose outcome is unknown, by their key, with the assets they carried."""
        found: dict[str, list[TrackedAsset]] = {}
        for asset in self.assets.values():
            if asset.status in UNSETTLED:
                found.setdefault(asset.current.send_key, []).append(asset)
        return found
