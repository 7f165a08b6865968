"""Which client errors say "this POST may have been carried out" (`maybe_sent`): the line between an
outcome the app may repeat and one only the operator may decide on."""

from __future__ import annotations

import socket

import pytest
import requests

from lib.apimart import ApimartClient, ApimartError, AssetInput


def fault(sandbox, **spec):
    requests.post(f"{sandbox.base_url}/_sandbox/faults", json=spec, timeout=5).raise_for_status()


@pytest.fixture
def client(sandbox, api_key):
    with ApimartClient(api_key, sandbox.base_url, timeout=(2.0, 0.4), sleep=lambda s: None) as c:
        yield c


def submit(client) -> ApimartError:
    with pytest.raises(ApimartError) as raised:
        client.submit_batch("group-x", [AssetInput("https://cdn.example.com/a.mp4")], idempotency_key="k-1")
    return raised.value


@pytest.mark.parametrize(
    ("spec", "maybe"),
    [
        ({"status": 500}, True),
        ({"status": 502}, True),
        ({"status": 503}, True),
        ({"drop": True}, True),
        ({"latency": 1.0}, True),
        ({"malformed": True}, True),
        ({"status": 400}, False),
        ({"status": 401}, False),
        ({"status": 402}, False),
        ({"status": 429, "retry_after": 120}, False),
    ],
    ids=lambda v: str(v),
)
def test_post_errors_say_whether_the_request_may_have_been_carried_out(sandbox, client, spec, maybe):
    fault(sandbox, route="/v1/seedance2/real-avatar", method="POST", **spec)
    assert submit(client).maybe_sent is maybe


def test_a_post_that_never_connected_was_not_sent(api_key):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    with ApimartClient(api_key, f"http://127.0.0.1:{port}", max_retries=0, sleep=lambda s: None) as client:
        assert submit(client).maybe_sent is False


def test_reads_are_never_maybe_sent(sandbox, client):
    fault(sandbox, route="/v1/tasks", method="GET", status=500, count=10)
    with pytest.raises(ApimartError) as raised:
        client.get_task("task_01ABCDEFGHJKMNPQRSTVWXYZ01")
    assert raised.value.maybe_sent is False


def test_the_given_idempotency_key_is_the_one_sent(sandbox, client):
    fault(sandbox, route="/v1/seedance2/real-avatar", method="POST", status=500)
    submit(client)
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    assert [r["idempotency_key"] for r in log] == ["k-1"]
