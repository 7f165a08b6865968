"""The callback inbox: where the H5 redirect (which lands on the person's phone, not in the operator's
tab) is recorded, so the operator's page can see it without an API call. No Streamlit, no HTTP.

Why a secret: the one-time token is in the QR code and the link, so anyone who saw either could send
`bytedToken=…&resultCode=10000` to /callback. Each verification attempt therefore gets its own callback
secret (`s=` in the callback URL the app sends to APIMart in step 1, never shown on a page); the page that
made the attempt announces it here (`expect`) with the attempt's token and the link's end. A callback is
recorded only when its secret is one announced here (found by a hash of the secret, confirmed with
`hmac.compare_digest`), its token is that attempt's token and it arrives while the link lives; anything
else changes nothing. Each page reads only its own secret, so one operator's callback never shows up in
another's session. The first callback for a secret stays: a later one cannot turn a success into a failure
or the reverse. Entries are dropped `KEEP_AFTER_EXPIRY_S` after their link ends, and the inbox never holds
more than `max_entries` (the oldest goes first); a refused callback stores nothing, so a flood of forged
callbacks cannot push real ones out.

What is left, and why it is accepted: whoever sees the phone's redirect URL (the phone's history, a proxy
or access log on the way) holds that attempt's secret. The sandbox's H5 link does not carry the callback
URL; whether upstream's does is not documented, and if it did, whoever holds the link would hold the secret
too. The worst such a person can do is send a callback for that one attempt before the person finishes: a
forged success makes the page query the token early, which burns it (the person needs a new link, one
click away); a forged failure shows a failure and offers a new link. Neither spends anything else, reaches
another attempt, or survives the attempt. The inbox lives in this process's memory: a restart forgets it
(the operator confirms by hand), and several servers need a shared store behind the same small interface.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SUCCESS_CODE = "10000"
SECRET_PARAM = "s"  # the query parameter of the callback URL that carries the attempt's secret
# A callback may arrive this long after the link's end: the redirect's trip from a phone that finished
# in the last second.
CALLBACK_GRACE_S = 5.0
# How long an entry stays readable after its link ended, for a page that looks again a little later.
KEEP_AFTER_EXPIRY_S = 600.0
_MAX_SECRET_LEN = 256


def new_callback_secret() -> str:
    return secrets.token_urlsafe(24)


def with_callback_secret(callback_url: str, secret: str) -> str:
    """`callback_url` with the attempt's secret in its query (any `s` already there is replaced)."""
    parts = urlsplit(callback_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != SECRET_PARAM]
    query.append((SECRET_PARAM, secret))
    return urlunsplit(parts._replace(query=urlencode(query)))


def callback_secret_of(callback_url: str) -> str:
    """The secret carried by a callback URL made with `with_callback_secret` ("" when there is none)."""
    for key, value in parse_qsl(urlsplit(callback_url or "").query):
        if key == SECRET_PARAM:
            return value
    return ""


@dataclass(frozen=True)
class CallbackRecord:
    byted_token: str
    result_code: str
    params: Mapping[str, str] = field(default_factory=dict)
    received_at: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.result_code == SUCCESS_CODE


@dataclass
class _Expected:
    secret: str
    byted_token: str
    expires_at: float  # the link's end
    record: CallbackRecord | None = None


def _key(secret: str) -> str:
    # Entries are found by a hash of the secret, so a lookup's timing says nothing about the secret itself.
    return hashlib.sha256(secret.encode()).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class CallbackInbox:
    """Thread-safe, bounded map of callback secret -> the attempt it belongs to and its callback, if any."""

    def __init__(
        self, max_entries: int = 2000, clock=time.time, keep_after_expiry: float = KEEP_AFTER_EXPIRY_S
    ) -> None:
        self._entries: OrderedDict[str, _Expected] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock
        self._keep = keep_after_expiry

    def expect(self, secret: str, byted_token: str, expires_at: float) -> None:
        """A page made an attempt: callbacks carrying `secret` and `byted_token` are now welcome."""
        if not secret or len(secret) > _MAX_SECRET_LEN or not byted_token:
            raise ValueError("a callback needs a secret and a token")
        with self._lock:
            self._drop_expired(self._clock())
            key = _key(secret)
            self._entries[key] = _Expected(secret, byted_token, float(expires_at))
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def record(self, secret: str, params: Mapping[str, str]) -> CallbackRecord | None:
        """Record the callback carrying `secret`; None (and nothing changed) when it is refused: an unknown
        or expired secret, another token, a link already ended, or a second callback that contradicts the
        first."""
        token = str(params.get("bytedToken") or params.get("byted_token") or "").strip()
        code = str(params.get("resultCode") or params.get("result_code") or "").strip()
        if not token:
            return None
        now = self._clock()
        with self._lock:
            entry = self._find(secret, now)
            if (
                entry is None
                or not _same(token, entry.byted_token)
                or now > entry.expires_at + CALLBACK_GRACE_S
            ):
                return None
            if entry.record is not None:
                # The first word stays; the same callback again (a reload on the phone) is answered alike.
                return entry.record if entry.record.result_code == code else None
            # Keep only the documented fields: the inbox is not a place for arbitrary client input.
            kept = {
                k: str(params[k])[:200]
                for k in ("resultCode", "algorithmBaseRespCode", "reqMeasureInfoValue", "verify_type")
                if k in params
            }
            entry.record = CallbackRecord(entry.byted_token, code[:50], kept, now)
            return entry.record

    def get(self, secret: str) -> CallbackRecord | None:
        """The callback recorded for `secret`, if one arrived (and the entry has not expired)."""
        with self._lock:
            entry = self._find(secret, self._clock())
            return entry.record if entry else None

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired(self._clock())
            return len(self._entries)

    def _find(self, secret: str, now: float) -> _Expected | None:
        if not secret or len(secret) > _MAX_SECRET_LEN:
            return None
        key = _key(secret)
        entry = self._entries.get(key)
        if entry is None or not _same(secret, entry.secret):
            return None
        if now > entry.expires_at + self._keep:
            del self._entries[key]
            return None
        return entry

    def _drop_expired(self, now: float) -> None:
        for key in [k for k, e in self._entries.items() if now > e.expires_at + self._keep]:
            del self._entries[key]


_SERVER_INBOX = CallbackInbox()


def server_inbox() -> CallbackInbox:
    """The one inbox of this server process: pages announce their attempts in it, the callback route
    records into it, and each page reads its own attempt's entry."""
    return _SERVER_INBOX
