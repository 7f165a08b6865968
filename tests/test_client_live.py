"""A small read-only contract check against the real APIMart API; runs only with APIMART_LIVE=1 and
APIMART_API_KEY set (it creates nothing and spends nothing)."""

from __future__ import annotations

import logging
import os

import pytest

from lib.apimart import ApimartClient, AuthenticationError, NotFoundError

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("APIMART_LIVE") != "1" or not os.environ.get("APIMART_API_KEY"),
        reason="live API tests need APIMART_LIVE=1 and APIMART_API_KEY",
    ),
]


@pytest.fixture
def live_key() -> str:
    return os.environ["APIMART_API_KEY"]


@pytest.fixture
def live_client(live_key):
    base_url = os.environ.get("APIMART_BASE_URL", "https://api.apimart.ai")
    with ApimartClient(live_key, base_url, max_retries=1, timeout=(5.0, 20.0)) as client:
        yield client
        assert live_key not in repr(client)


def test_live_key_is_accepted(live_client, live_key, caplog):
    caplog.set_level(logging.DEBUG)
    live_client.check_connection()
    assert live_key not in caplog.text


def test_live_unknown_task_is_not_found(live_client, live_key):
    with pytest.raises(NotFoundError) as raised:
        live_client.get_task("task_01KZZZZZZZZZZZZZZZZZZZZZZZ")
    assert live_key not in repr(raised.value) and live_key not in str(raised.value)


def test_live_wrong_key_is_refused():
    base_url = os.environ.get("APIMART_BASE_URL", "https://api.apimart.ai")
    client = ApimartClient("sk-definitely-not-a-valid-key-0000", base_url, max_retries=0)
    with client, pytest.raises(AuthenticationError):
        client.check_connection()
