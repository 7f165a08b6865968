"""Who may use the operator's pages, and who they are (issue Teams): whether sign-in is required, how (Streamlit's
own st.login when `[auth]` is configured, else a team passphrase), the passphrase check (constant time) and its
rate limit. No Streamlit here: lib/ui/components/sign_in.py draws the form and keeps the operator in the session.

Settings: AVATAR_DESK_SIGN_IN = required | auto (default auto: required when the server binds beyond loopback, or
a session reached it from beyond loopback); AVATAR_DESK_PASSPHRASE, or `passphrase` in secrets; `[auth]` in
secrets (OIDC). The phone's routes (callback, /capture, /files) are server routes and never pass through here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lib.i18n import N_
from lib.sandbox.control import is_loopback_host

log = logging.getLogger(__name__)

SIGN_IN_ENV = "AVATAR_DESK_SIGN_IN"
PASSPHRASE_ENV = "AVATAR_DESK_PASSPHRASE"
PASSPHRASE_SECRET = "passphrase"
# Where the signed-in operator is kept in a browser session (lib/ui/components/sign_in.py writes it,
# lib.ui.state.store reads the actor from it).
OPERATOR_KEY = "avatar_desk__operator"
NAME_MAX = 80

OIDC, PASSPHRASE, UNCONFIGURED, OPEN = "oidc", "passphrase", "unconfigured", "open"
# Headers a reverse proxy adds: a session that carries one came through a proxy, i.e. from beyond loopback.
_FORWARDED = ("x-forwarded-for", "x-forwarded-host", "x-real-ip", "forwarded")


@dataclass(frozen=True)
class Operator:
    """Who is signed in: a name (typed, or the provider's), an email when the provider gave one."""

    name: str
    email: str = ""
    method: str = PASSPHRASE
    remembered: bool = False  # signed in by this browser's remember-me cookie (signing out clears it)

    @property
    def actor(self) -> str:
        """What rows record as created_by: the email when known, else the name."""
        return self.email or self.name


@dataclass(frozen=True)
class SignIn:
    """How this session signs in. `method`: OIDC (st.login), PASSPHRASE (the team's), UNCONFIGURED (required
    but neither is set: no operator page, only how to set one) or OPEN (not required: everything as on a
    laptop)."""

    method: str
    provider: str | None = None  # the st.login provider ([auth.<name>]); None: [auth]'s own settings
    passphrase: str = field(default="", repr=False)
    why: str = ""  # why sign-in is required ("" when it is not)

    @property
    def required(self) -> bool:
        return self.method != OPEN


def _mapping(value: object) -> bool:
    return isinstance(value, Mapping) or hasattr(value, "keys") and hasattr(value, "__getitem__")


def oidc_provider(secrets: Mapping) -> tuple[bool, str | None]:
    """(whether `[auth]` is configured, the provider to pass st.login): None when the provider's settings are
    in [auth] itself, else the first provider's own section by name ([auth.google] -> "google")."""
    auth = secrets.get("auth") if secrets else None
    if not auth or not _mapping(auth):
        return False, None
    if "client_id" in auth:
        return True, None
    providers = sorted(k for k in auth if _mapping(auth[k]))
    return bool(providers), providers[0] if providers else None


def configured_passphrase(env: Mapping[str, str], secrets: Mapping) -> str:
    """The team passphrase: the environment's, else the secrets file's; "" when neither."""
    value = env.get(PASSPHRASE_ENV, "") or (secrets.get(PASSPHRASE_SECRET, "") if secrets else "")
    return str(value).strip()


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def reached_from_beyond_loopback(client_ip: str | None, headers: Mapping[str, str] | None) -> bool:
    """Whether this session came from another machine: its client address is not loopback, or a reverse
    proxy's header or a Host other than loopback's says it came through one (a proxy on the same machine makes
    every client look like loopback). Unknown (None, as in tests): no."""
    if client_ip and not is_loopback_host(client_ip):
        return True
    if not headers:
        return False
    lowered = _lowered(headers)
    if any(lowered.get(h) for h in _FORWARDED):
        return True
    host = lowered.get("host", "")
    if host:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return not is_loopback_host(name)
    return False


def headers_read(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Of a request's headers, only those sign-in goes by (a reverse proxy's and Host), keys lowered:
    reached_from_beyond_loopback and client_address give the same answers from these as from all of them."""
    if not headers:
        return {}
    lowered = _lowered(headers)
    return {h: lowered[h] for h in (*_FORWARDED, "host") if h in lowered}


def client_address(peer: str | None, headers: Mapping[str, str] | None) -> str | None:
    """Whom to count a sign-in attempt against: the connecting address, or, when that is a proxy's (loopback
    or a private network's), the address the proxy says it served: X-Real-IP, else the last X-Forwarded-For hop
    (the one the proxy itself added; earlier hops are whatever the client sent). Behind one proxy, every client
    would otherwise share one count."""
    if not peer:
        return None
    try:
        proxied = ipaddress.ip_address(peer.strip("[]")).is_private  # loopback and private networks
    except ValueError:
        return peer
    if not proxied or not headers:
        return peer
    lowered = _lowered(headers)
    forwarded = (
        lowered.get("x-real-ip", "").strip() or lowered.get("x-forwarded-for", "").split(",")[-1].strip()
    )
    try:
        return str(ipaddress.ip_address(forwarded)) if forwarded else peer
    except ValueError:
        return peer


def required_because(
    env: Mapping[str, str],
    server_address: str | None,
    client_ip: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """Why the operator's pages need sign-in, or "" when they do not. AVATAR_DESK_SIGN_IN=required always;
    auto (the default; any other value counts as required, so a typo never opens the app): when the server
    binds beyond loopback (unset server.address binds every interface), or this session came from beyond it.
    (decide() also requires it whenever a passphrase or [auth] is configured.)"""
    setting = (env.get(SIGN_IN_ENV, "") or "auto").strip().lower()
    if setting == "required":
        return f"{SIGN_IN_ENV}=required"
    if setting != "auto":
        log.warning("%s has an unknown value; sign-in is required", SIGN_IN_ENV)
        return f"{SIGN_IN_ENV} is neither required nor auto"
    if not server_address or not is_loopback_host(server_address):
        return N_("the server listens beyond this computer (server.address)")
    if reached_from_beyond_loopback(client_ip, headers):
        return N_("this browser reached the app from another machine or through a proxy")
    return ""


def decide(
    env: Mapping[str, str],
    secrets: Mapping,
    server_address: str | None,
    client_ip: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> SignIn:
    """How this session signs in. On loopback with nothing configured: OPEN (the laptop default). A configured
    passphrase or [auth] is always asked for, on loopback too (whoever set one wants it used, e.g. behind a
    proxy on the same machine, where every browser looks like loopback); [auth] wins over a passphrase."""
    has_auth, provider = oidc_provider(secrets)
    passphrase = configured_passphrase(env, secrets)
    why = required_because(env, server_address, client_ip, headers)
    if not why and (has_auth or passphrase):
        why = N_("a team sign-in is set up on this server")
    if not why:
        return SignIn(OPEN)
    if has_auth:
        return SignIn(OIDC, provider=provider, why=why)
    if passphrase:
        return SignIn(PASSPHRASE, passphrase=passphrase, why=why)
    return SignIn(UNCONFIGURED, why=why)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def passphrase_matches(given: str, expected: str) -> bool:
    """Constant time (both hashed first, so even their lengths are not compared); never True for an empty
    expected passphrase."""
    if not expected:
        return False
    return hmac.compare_digest(_digest(given or ""), _digest(expected))


def clean_name(name: str) -> str:
    """A typed name as recorded: one line, no control characters, at most NAME_MAX characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in name or "")
    return " ".join(printable.split())[:NAME_MAX]


class AttemptLimiter:
    """Failed sign-ins, per key (a session, a client address, and everyone): `limits` maps a key's kind to how
    many failures it may have within `window` seconds; past that it waits until the oldest one leaves the
    window. One per process (thread-safe): a new session starts no new count for its client address."""

    def __init__(
        self,
        limits: Mapping[str, int] | None = None,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Behind one proxy every client shares an address: that count is looser than a session's. Everyone's
        # is a ceiling on guessing from ever-new sessions and addresses.
        self.limits = dict(limits or {"session": 5, "client": 20, "everyone": 100})
        self.window, self.clock = window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(session_id: str, client_ip: str | None) -> dict[str, str]:
        """The keys an attempt counts under, by kind."""
        keys = {"session": f"session:{session_id}", "everyone": "everyone"}
        if client_ip:
            keys["client"] = f"client:{client_ip}"
        return keys

    def _recent(self, key: str, now: float) -> deque[float]:
        """The failures of `key` still within the window (an empty one is not kept)."""
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def wait(self, keys: Mapping[str, str]) -> float:
        """Seconds to wait before trying again (0: may try now)."""
        now, longest = self.clock(), 0.0
        with self._lock:
            for kind, key in keys.items():
                times = self._recent(key, now)
                limit = self.limits.get(kind)
                if limit is not None and len(times) >= limit:
                    longest = max(longest, times[-limit] + self.window - now)
        return max(longest, 0.0)

    def failed(self, keys: Mapping[str, str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys.values():
                self._failures[key] = self._recent(key, now)
                self._failures[key].append(now)
            # Keys whose failures all left the window are dropped, so the table does not grow forever.
            for key in [k for k, times in self._failures.items() if times[-1] <= now - self.window]:
                del self._failures[key]

    def succeeded(self, keys: Mapping[str, str]) -> None:
        """A right passphrase clears the session's count (not its address's, nor everyone's)."""
        with self._lock:
            self._failures.pop(keys.get("session", ""), None)


LIMITER = AttemptLimiter()


@dataclass(frozen=True)
class Attempt:
    """What a passphrase attempt came to: the operator (signed in), or a refusal's words and the wait."""

    operator: Operator | None = None
    refusal: str = ""
    wait_seconds: float = 0.0


def try_passphrase(
    name: str,
    given: str,
    expected: str,
    keys: Mapping[str, str],
    limiter: AttemptLimiter | None = None,
) -> Attempt:
    """Check a passphrase attempt under the rate limit. A refusal is logged without the passphrase (nor the
    typed name: the log line says which client, not what was typed)."""
    limiter = limiter or LIMITER  # read at call time: one per process
    where = keys.get("client", "an unknown address")
    if wait := limiter.wait(keys):
        log.warning("sign-in refused: too many failed attempts (from %s)", where)
        # The page says how long, counted by the catalog (lib/ui/components/sign_in._refusal_words).
        return Attempt(refusal=N_("Too many wrong tries. Wait, then try again."), wait_seconds=wait)
    cleaned = clean_name(name)
    if not any(ch.isalnum() for ch in cleaned):
        return Attempt(refusal=N_("Type your name: it is shown on what you do."))
    if not passphrase_matches(given, expected):
        limiter.failed(keys)
        log.warning("sign-in refused: wrong passphrase (from %s)", where)
        return Attempt(refusal=N_("That passphrase is not the team's. Nothing was changed."))
    limiter.succeeded(keys)
    log.info("signed in with the team passphrase (from %s)", where)
    return Attempt(operator=Operator(cleaned, method=PASSPHRASE))


def oidc_operator(user: Mapping) -> Operator | None:
    """The operator st.user describes once signed in with st.login (None when not logged in)."""
    if not user or not user.get("is_logged_in"):
        return None
    email = str(user.get("email") or "").strip()
    name = clean_name(str(user.get("name") or "")) or email or "signed in"
    return Operator(name, email=email, method=OIDC)


# ------------------------------------------------------------------ remembered on this browser (passphrase)
# After signing in with the passphrase, "Remember me on this browser" posts a short-lived ticket to a server
# route (lib/signin_routes.py), which sets an HttpOnly cookie holding the operator's name, signed with a key
# derived from the passphrase: every server with the same passphrase accepts it, and changing the passphrase
# signs everyone out. A new session (a reload, a new tab) with a valid cookie is signed in.
COOKIE_NAME = "avatar_desk_operator"
REMEMBER_SECONDS = 30 * 86400
TICKET_SECONDS = 3600  # a page left open for a while still remembers; each ticket works once
REMEMBER_PATH = "/sign-in/remember"
FORGET_PATH = "/sign-in/forget"
TICKET, COOKIE = "ticket", "cookie"


def signing_key(passphrase: str) -> bytes:
    """The key tickets and cookies are signed with (never the passphrase itself)."""
    return hashlib.sha256(b"avatar-desk/remember/v1\0" + passphrase.encode("utf-8")).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(name: str, key: bytes, purpose: str, lifetime: float, now: float | None = None) -> str:
    """A signed token naming `name` for `purpose` (TICKET or COOKIE) until `lifetime` seconds from now."""
    now = time.time() if now is None else now
    # A random part: two tokens are never the same (a ticket works once, and another may follow in the second).
    claims = {"p": purpose, "n": name, "e": int(now + lifetime), "r": _b64(os.urandom(9))}
    payload = _b64(json.dumps(claims).encode("utf-8"))
    signature = _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def redeem(token: str | None, key: bytes, purpose: str, now: float | None = None) -> str | None:
    """The name a token of `purpose` was issued for, or None: forged, for another purpose, or expired."""
    now = time.time() if now is None else now
    try:
        payload, signature = str(token or "").split(".")
        expected = _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            return None
        data = json.loads(_unb64(payload))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("p") != purpose or not isinstance(data.get("e"), int):
        return None
    name = clean_name(str(data.get("n") or ""))
    return name if name and now < data["e"] else None


def remembered_operator(cookies: Mapping[str, str] | None, passphrase: str) -> Operator | None:
    """The operator this browser's cookie names, when it was signed with the current passphrase and is
    still valid."""
    if not passphrase or not cookies:
        return None
    name = redeem(cookies.get(COOKIE_NAME), signing_key(passphrase), COOKIE)
    return Operator(name, method=PASSPHRASE, remembered=True) if name else None
