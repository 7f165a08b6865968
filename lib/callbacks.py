"""The callback inbox: where the H5 redirect (which lands on the person's phone, not in the operator's
tab) is recorded by token, so the operator's page can see it without an API call. No Streamlit."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

SUCCESS_CODE = "10000"


@dataclass(frozen=True)
class CallbackRecord:
    byted_token: str
    result_code: str
    params: Mapping[str, str] = field(default_factory=dict)
    received_at: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.result_code == SUCCESS_CODE


class CallbackInbox:
    """Thread-safe, bounded map of token -> last callback. Tokens are unguessable one-time values, so one
    inbox per server is safe to share between operators' sessions."""

    def __init__(self, max_entries: int = 2000, clock=time.time) -> None:
        self._records: OrderedDict[str, CallbackRecord] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock

    def record(self, params: Mapping[str, str]) -> CallbackRecord | None:
        token = (params.get("bytedToken") or params.get("byted_token") or "").strip()
        if not token:
            return None
        code = str(params.get("resultCode") or params.get("result_code") or "").strip()
        # Keep only the documented fields: the inbox is not a place for arbitrary client input.
        kept = {
            k: str(params[k])[:200]
            for k in ("resultCode", "algorithmBaseRespCode", "reqMeasureInfoValue", "verify_type")
            if k in params
        }
        rec = CallbackRecord(token, code, kept, self._clock())
        with self._lock:
            self._records[token] = rec
            self._records.move_to_end(token)
            while len(self._records) > self._max:
                self._records.popitem(last=False)
        return rec

    def get(self, byted_token: str) -> CallbackRecord | None:
        with self._lock:
            return self._records.get(byted_token)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)


_SERVER_INBOX = CallbackInbox()


def server_inbox() -> CallbackInbox:
    """The one inbox of this server process: the callback route writes it, every session reads it."""
    return _SERVER_INBOX
