"""The callback inbox: where the H5 redirect (which lands on the person's phone, not in the operator's
tab) is recorded, so the operator's page can see it without an API call. No Streamlit, no HTTP.

Why a secret: the one-time token is in the QR code and the link, so anyone who saw either could send
`bytedToken=…&resultCode=10000` to /callback. Each verification attempt therefore gets its own callback
secret (`s=` in the callback URL the app sends to APIMart in step 1, never shown on a page); the page that
made the attempt announces it here (`expect`) with the attempt's token and the link's end. A callback is
recorded only when its secret is one announced here (found by its SHA-256; the secret itself is never
stored), its token is that attempt's token and it arrives
while the link lives; anything else changes nothing. Each page reads only its own secret, so one operator's callback never shows up in
another's session. The first callback for a secret stays: a later one cannot turn a success into a failure
or the reverse. Entries are dropped `KEEP_AFTER_EXPIRY_S` after their link ends, and the inbox never holds
more than `max_entries` (the oldest goes first); a refused callback stores nothing, so a flood of forged
callbacks cannot push real ones out. The entries live in the database (lib.store.callbacks, table
`callback_inbox`), keyed by a hash of the secret: the phone's redirect may reach any server on it.

What is left, and why it is accepted: whoever sees the phone's redirect URL (the phone's history, a proxy
or access log on the way) holds that attempt's secret. The sandbox's H5 link does not carry the callback
URL; whether upstream's does is not documented, and if it did, whoever holds the link would hold the secret
too. The worst such a person can do is send a callback for that one attempt before the person finishes: a
forged success makes the page query the token early, which burns it (the person needs a new link, one
click away); a forged failure shows a failure and offers a new link. Neither spends anything else, reaches
another attempt, or survives the attempt. The inbox lives in the database, so a restart keeps it and every
server sharing the database sees every callback.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SUCCESS_CODE = "10000"
SECRET_PARAM = "s"  # the query parameter of the callback URL that carries the attempt's secret
# A callback may arrive this long after the link's end: the redirect's trip from a phone that finished
# in the last second.
CALLBACK_GRACE_S = 5.0
# How long an entry stays readable after its link ended, for a page that looks again a little later.
KEEP_AFTER_EXPIRY_S = 600.0
MAX_SECRET_LEN = 256


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


KEPT_FIELDS = ("resultCode", "algorithmBaseRespCode", "reqMeasureInfoValue", "verify_type")


def callback_fields(params: Mapping[str, str]) -> dict[str, str]:
    """The documented fields of a callback, each cut to 200 characters: the inbox is not a place for
    arbitrary client input."""
    return {k: str(params[k])[:200] for k in KEPT_FIELDS if k in params}


class CallbackInbox(Protocol):
    """What pages and the callback route use (lib.store.callbacks.StoredCallbackInbox keeps it in the
    database)."""

    def expect(self, secret: str, byted_token: str, expires_at: float) -> None: ...

    def record(self, secret: str, params: Mapping[str, str]) -> CallbackRecord | None: ...

    def get(self, secret: str) -> CallbackRecord | None: ...


class SharedCallbackInbox:
    """The inbox of the database this process's pages use (lib.store.database.shared_database, the
    AVATAR_DESK_DB rule), found again on each call, so it follows the setting as the pages do; every server
    on that database shares it."""

    def __init__(self) -> None:
        self._held = None  # the last database used: kept, so it is not opened again on every call

    def _inbox(self):
        from lib.store.callbacks import StoredCallbackInbox
        from lib.store.database import shared_database

        self._held = shared_database()
        return StoredCallbackInbox(self._held)

    def expect(self, secret: str, byted_token: str, expires_at: float) -> None:
        self._inbox().expect(secret, byted_token, expires_at)

    def record(self, secret: str, params: Mapping[str, str]) -> CallbackRecord | None:
        return self._inbox().record(secret, params)

    def get(self, secret: str) -> CallbackRecord | None:
        return self._inbox().get(secret)


_SERVER_INBOX = SharedCallbackInbox()


def server_inbox() -> CallbackInbox:
    """The inbox of this process's shared database: pages announce their attempts in it, the callback route
    of any server on the same database records into it, and each page reads its own attempt's row."""
    return _SERVER_INBOX
