"""The asset ledger: every asset sent to a group, its attempts, and the review tasks that judge them.
Plain data that lives in session state (and is mirrored by the registry); no HTTP, no Streamlit. The records
are in lib.ledger_records, the write-ahead of a send in lib.ledger_sends."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lib.assets import MAX_ASSETS_PER_REQUEST, batched
from lib.ledger_records import (  # noqa: F401  (re-exported: callers import them from here)
    FAILED,
    PENDING,
    SENDING,
    TASK_NOT_FOUND,
    UNKNOWN,
    UNSETTLED,
    USABLE,
    Attempt,
    ReviewTask,
    TrackedAsset,
)
from lib.ledger_sends import WriteAhead

if TYPE_CHECKING:
    from lib.apimart import ReviewResult, SubmittedTask


class SharedLedgerError(RuntimeError):
    """A change to a ledger that sessions share (lib.ledger_shelf): a bug, never the operator's doing."""


@dataclass
class AssetLedger(WriteAhead):
    """Assets of one group under review. Keys are stable across resubmissions. Each attempt and review task
    knows the type it was sent as; `asset_type` is the type of those that do not (older records)."""

    group_id: str
    asset_type: str = "Video"
    assets: dict[int, TrackedAsset] = field(default_factory=dict)
    tasks: dict[str, ReviewTask] = field(default_factory=dict)
    # Bumped on every change of an asset's outcome or list, so views derived from it can be cached.
    version: int = 0
    # What changed since the ledger was last saved, so a save writes only those rows (a finishing poll of a
    # 20,000-asset review writes its 20 assets, not 20,000): the keys of assets with an attempt added,
    # removed or changed, and the ids of review tasks whose stored fields changed. Every change goes through
    # a method below, which records it (or through `touch`). `saved_as` is where the last save went and the
    # ledger's asset_type then; None: never saved, so the next save writes everything.
    changed_keys: set[int] = field(default_factory=set, repr=False, compare=False)
    changed_tasks: set[str] = field(default_factory=set, repr=False, compare=False)
    saved_as: tuple | None = field(default=None, repr=False, compare=False)
    # Set when sessions share this ledger read-only (lib.ledger_shelf: its key): every change raises
    # SharedLedgerError; a session changes its own copy (lib.ledger_shelf.private_copy).
    shared_as: tuple | None = field(default=None, repr=False, compare=False)
    # kind()'s answer and the (version, asset_type, size) it was worked out at.
    _kind: tuple | None = field(default=None, repr=False, compare=False)

    def writable(self) -> None:
        """Raises SharedLedgerError when this ledger is shared: called first by every method that changes it."""
        if self.shared_as is not None:
            raise SharedLedgerError(
                f"the ledger of {self.group_id} is shared by sessions: change a private copy "
                "(lib.ui.state.Workflow.own_ledger)"
            )

    def touch(self, keys: Collection[int] = (), tasks: Collection[str] = ()) -> None:
        """Record that these assets (any of their attempts) and review tasks changed: the next save writes
        them."""
        self.writable()
        self.changed_keys.update(keys)
        self.changed_tasks.update(tasks)

    def mark_saved(self, where: object, keys: Collection[int] | None, tasks: Collection[str] | None) -> None:
        """A save to `where` wrote these keys and tasks (None: everything) as they are now."""
        self.writable()
        if keys is None:
            self.changed_keys.clear()
        else:
            self.changed_keys.difference_update(keys)
        if tasks is None:
            self.changed_tasks.clear()
        else:
            self.changed_tasks.difference_update(tasks)
        self.saved_as = (where, self.asset_type)

    def saved_to(self, where: object) -> bool:
        """Whether the store at `where` holds this ledger as of its last save, so writing the changes since
        suffices (not when it was saved elsewhere, or its asset_type, which rows fall back to, has moved)."""
        return self.saved_as == (where, self.asset_type)

    def _record_batches(
        self, items: Sequence[tuple[int, str]], tasks: Sequence[SubmittedTask], batch_size: int
    ) -> None:
        # The client splits in order, so batch i of the items belongs to task i.
        for task, batch in zip(tasks, batched(items, batch_size), strict=False):
            self.tasks[task.id] = ReviewTask(task.id, [key for key, _ in batch], status=task.status)
            for key, url in batch:
                asset = self.assets[key]
                asset.attempts.append(Attempt(len(asset.attempts) + 1, url, task.id, name=asset.name))
            self.touch([key for key, _ in batch], [task.id])
        self.version += 1

    def add_submission(
        self,
        rows: Sequence[tuple[str, str]],
        tasks: Sequence[SubmittedTask],
        batch_size: int = MAX_ASSETS_PER_REQUEST,
    ) -> list[int]:
        """Record (name, url) rows sent as `tasks`. Rows past the last task (a batch that failed to send)
        are not recorded: they stay in the operator's draft. Returns the keys recorded."""
        self.writable()
        sent = rows[: len(tasks) * batch_size]
        start = max(self.assets, default=-1) + 1
        items = []
        for offset, (name, url) in enumerate(sent):
            self.assets[start + offset] = TrackedAsset(start + offset, name)
            items.append((start + offset, url))
        self._record_batches(items, tasks, batch_size)
        return [key for key, _ in items]

    def add_resubmission(
        self,
        replacements: Sequence[tuple[int, str]],
        tasks: Sequence[SubmittedTask],
        batch_size: int = MAX_ASSETS_PER_REQUEST,
    ) -> list[int]:
        """Record a new attempt for each (key, url) sent as `tasks`; returns the keys recorded."""
        self.writable()
        sent = list(replacements[: len(tasks) * batch_size])
        self._record_batches(sent, tasks, batch_size)
        return [key for key, _ in sent]

    def apply_review(self, review: ReviewResult) -> None:
        """Fold a review result into the attempts it judged; a non-final result only moves progress."""
        self.writable()
        task = self.tasks.get(review.task.id)
        if task is None:
            return
        if task.status != review.task.status or task.raw != review.task.raw:
            self.touch(tasks=[task.task_id])  # its stored row (progress is not stored)
        task.status = review.task.status
        task.progress = review.task.progress or task.progress
        task.raw = review.task.raw
        if not review.is_final:
            return
        task.final = True
        task.progress = 100
        self.version += 1
        self.touch(task.asset_keys, [task.task_id])
        # (name, attempt) pairs of this task, matched to the review's items by URL, then by name.
        unmatched = [
            (a.name or self.assets[key].name, a)
            for key in task.asset_keys
            for a in self.assets[key].attempts
            if a.task_id == task.task_id
        ]
        leftover = []
        for item, status in [(i, USABLE) for i in review.usable] + [(i, FAILED) for i in review.failed]:
            pair = _match(item, unmatched)
            if pair is None:
                leftover.append((item, status))
                continue
            unmatched.remove(pair)
            _take_verdict(pair[1], item, status)
        for _, attempt in unmatched:
            # A final task that does not mention an asset has not approved it.
            attempt.status = FAILED
            attempt.error_code = attempt.error_code or "NotReported"
        self._settle_from(leftover, task.task_id)

    def _settle_from(self, items: list, task_id: str) -> None:
        """A result may list more of the group than its own task (`assets`: every item). An asset whose
        send had an unknown outcome and that such a result names (same URL and name) did arrive: take its
        verdict, so it is never offered for sending again."""
        if not items:
            return  # nothing beyond the task's own: no need to walk every asset of the group
        unsettled = [
            (asset, asset.current.name or asset.name, asset.current)
            for asset in self.assets.values()
            if asset.status in UNSETTLED
        ]
        if not unsettled:
            return
        for item, status in items:
            found = [p for p in unsettled if p[2].url == item.source_url and p[1] == item.name]
            if not found or not item.source_url:
                continue
            attempt = found[0][2]
            unsettled.remove(found[0])
            self.touch([found[0][0].key])
            attempt.task_id = attempt.task_id or task_id
            _take_verdict(attempt, item, status)

    def lose_task(self, task_id: str) -> None:
        """APIMart no longer knows the task (404): close it, and fail what it still held, so the review
        ends and those assets can be resubmitted instead of being polled forever."""
        self.writable()
        task = self.tasks.get(task_id)
        if task is None or task.final:
            return
        task.status, task.final, task.progress = "not found", True, 100
        self.version += 1
        self.touch(task.asset_keys, [task_id])
        for key in task.asset_keys:
            for attempt in self.assets[key].attempts:
                if attempt.task_id == task_id and attempt.status == PENDING:
                    attempt.status, attempt.error_code = FAILED, TASK_NOT_FOUND

    def type_of(self, key: int) -> str:
        """The type an asset was last sent as: a resubmission sends it as the same."""
        return self.assets[key].current.asset_type or self.asset_type

    def kind(self) -> str:
        """Image or Video when every asset was last sent as that; "" when photos and clips are mixed (files
        dropped together often are). Worked out again only when the ledger changed: the Review page asks on
        every rerun, and going over 20,000 assets each time was a tenth of its rerun."""
        state = (self.version, self.asset_type, len(self.assets))
        if self._kind is None or self._kind[0] != state:
            kinds = {self.type_of(key) for key in self.assets} or {self.asset_type}
            self._kind = (state, kinds.pop() if len(kinds) == 1 else "")
        return self._kind[1]

    def pending_task_ids(self) -> list[str]:
        return [t.task_id for t in self.tasks.values() if not t.final]

    def by_status(self, status: str) -> list[TrackedAsset]:
        return [a for a in self.assets.values() if a.status == status]

    def counts(self) -> dict[str, int]:
        counts = {"submitted": len(self.assets), USABLE: 0, FAILED: 0, PENDING: 0, UNKNOWN: 0}
        for asset in self.assets.values():
            counts[UNKNOWN if asset.status in UNSETTLED else asset.status] += 1
        return counts

    def progress(self) -> float:
        """Overall review progress 0..1, final tasks counting as done."""
        if not self.tasks:
            return 0.0
        return sum(100 if t.final else min(t.progress, 99) for t in self.tasks.values()) / (
            100 * len(self.tasks)
        )

    def usable_urls(self) -> list[str]:
        return [a.current.asset_url for a in self.by_status(USABLE) if a.current.asset_url]


def _take_verdict(attempt: Attempt, item, status: str) -> None:
    """A review item's verdict on an attempt: its asset id, and its asset:// URL or its failure."""
    attempt.status, attempt.asset_id = status, item.asset_id
    attempt.asset_url = item.asset_url if status == USABLE else None
    attempt.error_code = item.error_code if status == FAILED else None
    attempt.error_message = item.error_message if status == FAILED else None


def _match(item, pairs: list[tuple[str, Attempt]]) -> tuple[str, Attempt] | None:
    by_url = [p for p in pairs if item.source_url and p[1].url == item.source_url]
    if len(by_url) == 1:
        return by_url[0]
    pool = by_url or pairs
    by_name = [p for p in pool if item.name and p[0] == item.name]
    if by_name:
        return by_name[0]
    # An item with neither URL nor name (a bare single-asset result) belongs to the only candidate.
    return pool[0] if len(pool) == 1 and not item.source_url and not item.name else None
