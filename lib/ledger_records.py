"""The ledger's records: an asset's attempts, the review tasks that judge them, and the status codes they
carry. Plain data; the ledger (lib.ledger) changes them."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.store.codes import AssetStatus

# The stored codes (lib.store.codes.AssetStatus), by their short names.
PENDING, USABLE, FAILED = AssetStatus.PENDING, AssetStatus.USABLE, AssetStatus.FAILED
# Written before a request goes out (write-ahead), so a crash mid-send leaves a row; read back after a
# restart it means UNKNOWN: nobody knows whether the request arrived.
SENDING = AssetStatus.SENDING
# The request may have been carried out, but no answer says so: never sent again without the operator.
UNKNOWN = AssetStatus.UNKNOWN
UNSETTLED = (SENDING, UNKNOWN)
TASK_NOT_FOUND = "TaskNotFound"  # our own code: the review task is gone, its outcome unreadable


@dataclass
class Attempt:
    number: int
    url: str
    task_id: str
    status: str = PENDING
    asset_id: str | None = None
    asset_url: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    send_key: str = ""  # the Idempotency-Key of the request that carried this attempt
    # The name this attempt was sent under: a resubmission with a new URL may carry a new name, and the
    # earlier attempts keep theirs ("" only in a ledger built before names were kept per attempt).
    name: str = ""
    asset_type: str = ""  # Image or Video, as this attempt was sent ("": the ledger's asset_type)


@dataclass
class TrackedAsset:
    key: int
    name: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def current(self) -> Attempt:
        return self.attempts[-1]

    @property
    def status(self) -> str:
        return self.current.status

    @property
    def previous_codes(self) -> list[str]:
        return [a.error_code or "no reason given" for a in self.attempts[:-1] if a.status == FAILED]


@dataclass
class ReviewTask:
    task_id: str
    asset_keys: list[int]
    status: str = "processing"
    progress: int = 0
    final: bool = False
    raw: dict = field(default_factory=dict)
    not_found: int = 0  # 404s in a row while polling
    asset_type: str = ""  # the type its request carried ("": the ledger's asset_type)
