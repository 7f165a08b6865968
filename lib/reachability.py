"""Whether a phone can open the addresses this app hands it (the QR code's link, the callback it is sent to
after the face check), and the exact fix when it cannot. Pure and offline: it reads no request, resolves no
name and sends nothing (the local-network address comes from a UDP socket's `connect`, which only picks a
route). Host classes reuse lib.netguard's rules. No Streamlit: the Verify page renders what this returns,
in the operator's language (each advice function takes a translator, `_`; English when none is given)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lib.i18n import N_, Translator, translator
from lib.netguard import address_problem, host_problem, ip_literal, normalise_host

ENGLISH = translator("en")

# Where a URL's host can be reached from.
THIS_COMPUTER = "this computer"  # loopback (127.0.0.1, localhost, ::1) or the unspecified 0.0.0.0
LOCAL_NETWORK = "local network"  # private, link-local, .local/.lan names, dotless names
PUBLIC = "public"

_THIS_COMPUTER_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# Private addresses a UDP socket is "connected" to, to learn which local address the default route uses.
# A UDP connect sends no packet.
_ROUTE_PROBES = ("10.254.254.254", "192.168.254.254", "172.31.254.254")
LAN_PLACEHOLDER = N_("<this computer's address on the local network>")
FIND_LAN_HINT = N_(
    "Find this computer's address with `hostname -I` (Linux), `ipconfig getifaddr en0` (macOS) "
    "or `ipconfig` (Windows)."
)


def reach_of(url: str) -> str:
    """THIS_COMPUTER, LOCAL_NETWORK or PUBLIC for the host of `url` (an unreadable URL counts as this
    computer: nothing else can open it either)."""
    try:
        host = normalise_host(urlsplit(url or "").hostname or "")
        ip = ip_literal(host)
    except ValueError:
        return THIS_COMPUTER
    if ip is not None:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip.is_loopback or ip.is_unspecified:
            return THIS_COMPUTER
        return PUBLIC if address_problem(ip) is None else LOCAL_NETWORK
    if host in _THIS_COMPUTER_NAMES or host.endswith(".localhost"):
        return THIS_COMPUTER
    return PUBLIC if host_problem(host) is None else LOCAL_NETWORK


def lan_address(probes: Iterable[str] = _ROUTE_PROBES) -> str | None:
    """This computer's IPv4 address on its local network, as the routing table picks it, or None."""
    for target in probes:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect((target, 9))  # UDP: chooses the route and the source address, sends nothing
                found = ipaddress.ip_address(probe.getsockname()[0])
        except (OSError, ValueError):
            continue
        if not (found.is_loopback or found.is_unspecified or found.is_link_local):
            return str(found)
    return None


def _port_of(url: str, default: int) -> int:
    try:
        return urlsplit(url).port or default
    except ValueError:
        return default


@dataclass(frozen=True)
class Advice:
    """What the operator must know before handing a link to a phone. `problem` and `consequence` are plain
    sentences; `command` is the exact command line that fixes it (shown as code), `note` a last hint."""

    problem: str
    consequence: str
    command: str = ""
    note: str = ""
    blocking: bool = True  # True: the phone cannot do it at all; False: only some phones can


def phone_link_advice(
    link: str, *, app_port: int, lan: str | None, sandbox_url: str | None = None, _: Translator = ENGLISH
) -> Advice | None:
    """Sandbox mode: None when a phone can open the QR code's link; else why not and the fix. The app's own
    sandbox is served on the app's port; `sandbox_url` is set when it runs alone (AVATAR_DESK_SANDBOX_URL)."""
    reach = reach_of(link)
    host = urlsplit(link).hostname or link
    address = lan or _(LAN_PLACEHOLDER)
    if reach == PUBLIC:
        return None
    if reach == LOCAL_NETWORK:
        return Advice(
            problem=_(
                "Only a phone on the same network as this computer (the same Wi-Fi) can open the link ({host})."
            ).format(host=host),
            consequence=_("A phone on mobile data cannot: switch it to this Wi-Fi first."),
            blocking=False,
        )
    app_command = (
        f"AVATAR_DESK_PUBLIC_URL=http://{address}:{app_port} streamlit run app.py --server.address 0.0.0.0"
    )
    if sandbox_url:
        # The sandbox runs alone: its link must carry this computer's address, and the app (where the phone
        # is sent afterwards) must be reachable too.
        port = _port_of(sandbox_url, 8765)
        command = (
            f"python -m lib.sandbox --host 0.0.0.0 --port {port} --public-url http://{address}:{port}\n"
            f"AVATAR_DESK_SANDBOX_URL=http://127.0.0.1:{port} {app_command}"
        )
        how = _(
            "Start the sandbox with `--host 0.0.0.0` and `--public-url` set to this computer's address on the "
            "local network, and the app with `streamlit run app.py --server.address 0.0.0.0` and "
            "`AVATAR_DESK_PUBLIC_URL=http://{address}:{port}`; a phone on the same Wi-Fi can then open the link:"
        ).format(address=address, port=app_port)
    else:
        command = app_command
        how = _(
            "Start the app with `streamlit run app.py --server.address 0.0.0.0` and set "
            "`AVATAR_DESK_PUBLIC_URL=http://{address}:{port}` (this computer's address on the local "
            "network); a phone on the same Wi-Fi can then open the link. In one line:"
        ).format(address=address, port=app_port)
    return Advice(
        problem=_("Phones cannot open {host}: the link in the QR code points at this computer itself.").format(
            host=host
        ),
        consequence=how,
        command=command,
        note="" if lan else _(FIND_LAN_HINT),
    )


def callback_advice(callback_url: str, _: Translator = ENGLISH) -> Advice | None:
    """Live mode: None when the phone's browser can come back to this app after the face check (the callback
    URL is public); else what happens instead."""
    reach = reach_of(callback_url)
    if reach == PUBLIC:
        return None
    host = urlsplit(callback_url).hostname or callback_url
    if reach == LOCAL_NETWORK:
        return Advice(
            problem=_(
                "After the face check the phone is sent back to {host}, which only devices on this network reach."
            ).format(host=host),
            consequence=_(
                "A phone on the same Wi-Fi comes back and this page moves on by itself; on mobile data it does "
                "not, and you confirm by hand once the person's phone shows 'done'."
            ),
            blocking=False,
        )
    return Advice(
        problem=_(
            "The phone's browser will not reach this app after the check: it is sent back to {host}, "
            "which is this computer itself."
        ).format(host=host),
        consequence=_(
            "Nothing is lost: when the person's phone shows 'done', you confirm by hand and the app then asks "
            "APIMart for the person's group. To make it automatic, set AVATAR_DESK_PUBLIC_URL to an address "
            "phones reach (a public https address of this app)."
        ),
    )
