"""The sandbox's control plane over HTTP, as a test drives it: faults, config, the person's phone, logs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from lib.callbacks import server_inbox


def control(sandbox, path, **payload):
    """POST /_sandbox/<path> with `payload` as JSON (none when empty); its JSON answer."""
    response = requests.post(f"{sandbox.base_url}/_sandbox/{path}", json=payload or None, timeout=5)
    response.raise_for_status()
    return response.json()


def send_fails_once(sandbox, after: bool) -> None:
    """The next asset send (POST /v1/seedance2/real-avatar for a group) answers 500, after the sandbox carried
    it out when `after` (its outcome unknown to the app), before otherwise."""
    control(
        sandbox,
        "faults",
        route="/v1/seedance2/real-avatar",
        method="POST",
        status=500,
        after=after,
        selector="group_id",
        count=1,
    )


def phone_lands(sandbox, token, outcome="approve"):
    """The person's phone follows the H5 redirect to the app's callback: the route records it in the
    server's inbox under the attempt's secret, which rides in the redirect (the route itself is tested over
    HTTP in test_server_routes and test_callback_security)."""
    redirect = control(sandbox, f"h5/{token}/{outcome}")["redirect_url"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(redirect).query).items()}
    assert server_inbox().record(params["s"], params) is not None, "the callback is accepted"
    return params
