"""Which network addresses the app may fetch from, and a HEAD request that keeps to them. It must never let
a URL typed by a user make this server talk to a private, loopback, link-local, multicast or reserved
address, whatever the spelling (127.1, 2130706433, 0x7f000001, ::ffff:127.0.0.1, a name resolving there, a
redirect there). Pure of Streamlit; the only way past the check is an allow-list of exact origins passed by
code (tests), never anything read from a request or a form."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import idna
import urllib3

from lib.i18n import N_, Said, said_of

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_REDIRECTS = 3
# RFC 6761 and friends: names that mean "this machine" or "this network", whatever DNS says.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain", ".lan", ".intranet")
_LOCAL_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "broadcasthost"}
)
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_LOOKALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})
_REDIRECTS = (301, 302, 303, 307, 308)


class BlockedAddressError(Exception):
    """A URL the app refuses to fetch; `reason` is a readable sentence for the operator."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class UnresolvedHostError(BlockedAddressError):
    """The name does not resolve from here: not a private address, only unreachable from this server."""


# ------------------------------------------------------------------ host names and literal addresses


def _ipv4_number(part: str) -> int | None:
    """One dotted part as inet_aton reads it: decimal, 0x hex or 0-prefixed octal; None if not a number."""
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
        if digits == "":
            return 0
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    try:
        return int(digits, base) if digits and digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def _ends_in_number(labels: list[str]) -> bool:
    last = labels[-1]
    return bool(last) and (last.isascii() and last.isdigit() or _ipv4_number(last) is not None)


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address in any spelling inet_aton and getaddrinfo accept (127.1, 2130706433, 0x7f000001,
    0177.0.0.1, a trailing dot), or None when `host` is a name. A name whose last label is a number but
    that is no valid address (1.2.3.08, 256.1.1.1.1) raises ValueError, as the WHATWG URL standard does."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not labels or not _ends_in_number(labels):
        return None
    numbers = [_ipv4_number(label) for label in labels]
    if len(labels) > 4 or any(n is None for n in numbers):
        raise ValueError(f"{host} looks like a numeric address but is not a valid one")
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host} looks like a numeric address but a part is out of range")
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (5 - len(numbers)) + last
    return ipaddress.IPv4Address(value)


def ip_literal(host: str) -> IPAddress | None:
    """The address a host literally is (IPv6 with or without brackets, IPv4 in any spelling), else None."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in bare:
        return ipaddress.IPv6Address(bare.split("%", 1)[0])  # a zone id (%eth0) does not change the class
    return parse_ipv4(bare)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: mapped, NAT64, 6to4, Teredo, or deprecated compatible."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d (IPv4-compatible, deprecated)
        return ipaddress.IPv4Address(int(ip))
    return None


def address_problem(ip: IPAddress) -> str | None:
    """Why the app must not fetch from this address, or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return Said(N_("{ip} is a link-local address"), ip=str(ip))
        if (inner := _embedded_ipv4(ip)) is not None:
            problem = address_problem(inner)
            return Said(N_("{ip} carries {problem}"), ip=str(ip), problem=problem) if problem else None
    # Said (lib.i18n): English as it reads, and a page can say it in the operator's language.
    kinds = [
        (N_("{ip} is an unspecified address"), ip.is_unspecified),
        (N_("{ip} is a loopback (this computer) address"), ip.is_loopback),
        (N_("{ip} is a link-local (cloud metadata lives there) address"), ip.is_link_local),
        (N_("{ip} is a multicast address"), ip.is_multicast),
        (N_("{ip} is a private address"), ip.is_private),
        (N_("{ip} is a reserved address"), ip.is_reserved),
        (N_("{ip} is a non-public address"), not ip.is_global),
    ]
    kind = next((sentence for sentence, hit in kinds if hit), None)
    if kind is None:
        return None
    return Said(kind, ip=str(ip))


def _mixed_script(label: str) -> bool:
    scripts = {unicodedata.name(ch, "?").split(" ")[0] for ch in label if ch.isalpha()}
    return len(scripts & _LOOKALIKE_SCRIPTS) > 1


def normalise_host(host: str) -> str:
    """The host as it goes on the wire: lower case, IDNA (punycode) for international names, no trailing
    dot, IPv4 in dotted decimal. Raises ValueError with a readable reason when it is not a valid host."""
    if not host:
        raise ValueError(Said(N_("URL has no host name")))
    if host.startswith("[") or ":" in host:
        try:
            return f"[{ip_literal(host).compressed}]"
        except ValueError as error:
            raise ValueError(Said(N_("{host} is not a valid IPv6 address"), host=host)) from error
    if not host.isascii():
        for label in re.split(r"[.\u3002\uff0e\uff61]", host):
            if _mixed_script(label):
                raise ValueError(
                    Said(
                        N_("host name {host} mixes alphabets (e.g. Latin and Cyrillic): it may imitate another site"),
                        host=repr(host),
                    )
                )
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            raise ValueError(
                Said(N_("host name {host} is not a valid international domain name"), host=repr(host))
            ) from error
    host = host.lower()
    # UTS46 maps full-width digits and dots, so the address test comes after it.
    if (ip := parse_ipv4(host)) is not None:
        return str(ip)
    if host.endswith("."):
        host = host[:-1]
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(
            Said(N_("host name {host} is not valid (letters, digits and hyphens between dots)"), host=repr(host))
        )
    for label in labels:
        if label.startswith("xn--"):
            try:
                decoded = idna.decode(label)
            except (idna.IDNAError, UnicodeError) as error:
                raise ValueError(Said(N_("host name {host} has an invalid xn-- label"), host=repr(host))) from error
            if _mixed_script(decoded):
                raise ValueError(Said(N_("host name {host} mixes alphabets: it may imitate another site"), host=repr(host)))
    return host


def host_problem(host: str) -> str | None:
    """Offline verdict on a normalised host: literal addresses of any kind and names that always mean a
    local machine. A public-looking name is judged when it is resolved (see `resolve_public`)."""
    try:
        ip = ip_literal(host)
    except ValueError as error:
        return said_of(error)
    if ip is not None:
        return address_problem(ip)
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        return Said(N_("{host} names a machine on a local network"), host=host)
    if "." not in host:
        return Said(N_("{host} is a local name (a public host name has a dot, e.g. cdn.example.com)"), host=host)
    return None


# ------------------------------------------------------------------ origins, resolution, the guarded HEAD


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Origin:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = normalise_host(parts.hostname or "")
        return cls(scheme, host, parts.port or (443 if scheme == "https" else 80))


Resolver = Callable[[str, int], list[IPAddress]]


def _system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    out: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    return out


def _within(deadline: float, what: Callable[[], list[IPAddress]]) -> list[IPAddress]:
    """getaddrinfo has no timeout: run it in a daemon thread and stop waiting at the deadline."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = what()
        except Exception as error:  # noqa: BLE001 (handed back to the caller's thread)
            box["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    if thread.is_alive():
        raise TimeoutError("the host name did not resolve in time")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def resolve_public(
    origin: Origin,
    *,
    allow_private: Collection[Origin] = (),
    resolver: Resolver | None = None,
    deadline: float | None = None,
) -> list[IPAddress]:
    """Every address the origin's host resolves to, all of them public (a name with one private address
    among public ones is refused: a rebinding name would pick it). Raises BlockedAddressError."""
    literal_problem = host_problem(origin.host)
    trusted = origin in allow_private
    if literal_problem and not trusted:
        raise BlockedAddressError(
            Said(N_("the app does not fetch from private addresses: {problem}"), problem=literal_problem)
        )
    literal = ip_literal(origin.host)
    if literal is not None:
        return [literal]
    resolve = resolver or _system_resolver
    try:
        addresses = _within(deadline or time.monotonic() + 5.0, lambda: resolve(origin.host, origin.port))
    except TimeoutError:
        raise
    except (OSError, UnicodeError) as error:
        raise UnresolvedHostError(Said(N_("the host name {host} does not resolve"), host=origin.host)) from error
    if not addresses:
        raise UnresolvedHostError(Said(N_("the host name {host} does not resolve"), host=origin.host))
    if not trusted:
        for ip in addresses:
            if problem := address_problem(ip):
                raise BlockedAddressError(
                    Said(
                        N_("the app does not fetch from private addresses: {host} resolves to {problem}"),
                        host=origin.host,
                        problem=problem,
                    )
                )
    return addresses


@dataclass(frozen=True)
class HeadResponse:
    url: str  # the last URL asked (after redirects)
    status: int
    headers: Mapping[str, str]


def _host_header(origin: Origin) -> str:
    default = 443 if origin.scheme == "https" else 80
    return origin.host if origin.port == default else f"{origin.host}:{origin.port}"


def _pool(origin: Origin, ip: IPAddress, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    # The connection goes to the address that was checked; TLS still verifies the certificate against the
    # name (SNI and hostname check), so a pinned address cannot be used to impersonate a site.
    if origin.scheme == "https":
        server_name = None if ip_literal(origin.host) is not None else origin.host
        return urllib3.HTTPSConnectionPool(
            str(ip),
            origin.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=server_name,
            assert_hostname=origin.host.strip("[]"),
            cert_reqs="CERT_REQUIRED",
            ca_certs=_ca_bundle(),
        )
    return urllib3.HTTPConnectionPool(str(ip), origin.port, timeout=timeout, retries=False, maxsize=1)


def _ca_bundle() -> str | None:
    try:
        import certifi
    except ImportError:  # pragma: no cover (requests brings certifi)
        return None
    return certifi.where()


BodyReader = Callable[[urllib3.BaseHTTPResponse], None]


def _once(
    url: str,
    method: str,
    headers: dict[str, str],
    addresses: list[IPAddress],
    origin: Origin,
    deadline: float,
    body: BodyReader | None = None,
) -> urllib3.BaseHTTPResponse:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    last_error: Exception | None = None
    for ip in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        pool = _pool(origin, ip, urllib3.Timeout(connect=remaining, read=remaining))
        try:
            response = pool.urlopen(
                method,
                target,
                headers={**headers, "Host": _host_header(origin)},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.HTTPError as error:
            last_error = error
            pool.close()
            continue
        # Nothing of a body is read unless the caller reads the final answer's (a download, bounded by the
        # reader); HEAD has none, and a ranged GET is only asked for its headers.
        try:
            if body is not None and response.status not in _REDIRECTS:
                body(response)
        finally:
            response.release_conn()
            pool.close()
        return response
    # NewConnectionError (refused) derives from ConnectTimeoutError in urllib3 2: test it first.
    if isinstance(last_error, urllib3.exceptions.NewConnectionError):
        raise ConnectionError("could not connect") from last_error
    if last_error is None or isinstance(last_error, urllib3.exceptions.TimeoutError):
        raise TimeoutError("no answer in time")
    raise ConnectionError("could not connect") from last_error


def guarded_request(
    url: str,
    *,
    method: str = "HEAD",
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    max_redirects: int = MAX_REDIRECTS,
    allow_private: Collection[str] = (),
    resolver: Resolver | None = None,
    body: BodyReader | None = None,
) -> HeadResponse:
    """One HEAD (or a headers-only GET) that follows at most `max_redirects` redirects, checking every hop
    before connecting and connecting to the address it checked. `timeout` bounds the exchange up to the
    final answer's headers. `body`, with a GET, is handed that answer (not a redirect) to read its body
    from the checked address before the connection is released; it bounds its own reading (size, time)
    and its exceptions (urllib3's while reading) reach the caller.
    `allow_private` lists exact origins ("http://127.0.0.1:8123") that may be private: for tests, and
    never derived from user input; a redirect to any other origin is checked as usual.
    Raises BlockedAddressError, TimeoutError or ConnectionError."""
    deadline = time.monotonic() + timeout
    trusted = {Origin.of(o) for o in allow_private}
    sent_headers = {"User-Agent": "avatar-desk-probe/1", "Accept": "*/*", **(headers or {})}
    for _hop in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            if parts.scheme:
                raise BlockedAddressError(
                    Said(N_("a redirect leads to a {scheme} URL, not http(s)"), scheme=parts.scheme)
                )
            raise BlockedAddressError(Said(N_("a redirect leads to a relative URL, not http(s)")))
        if parts.username is not None or parts.password is not None:
            raise BlockedAddressError(Said(N_("a redirect leads to a URL with a user name or password")))
        try:
            origin = Origin.of(url)
        except ValueError as error:
            raise BlockedAddressError(Said(N_("a URL on the way is not valid: {error}"), error=said_of(error))) from error
        addresses = resolve_public(origin, allow_private=trusted, resolver=resolver, deadline=deadline)
        response = _once(url, method, sent_headers, addresses, origin, deadline, body)
        location = response.headers.get("Location")
        if response.status not in _REDIRECTS or not location:
            return HeadResponse(url, response.status, dict(response.headers))
        url = urljoin(url, location.strip())
    raise BlockedAddressError(Said(N_("more than {n} redirects"), n=max_redirects))
