"""lib.reachability: which links a phone can open, and the exact fix when it cannot (issue 11, item 15)."""

from __future__ import annotations

import pytest

from lib.reachability import (
    LAN_PLACEHOLDER,
    LOCAL_NETWORK,
    PUBLIC,
    THIS_COMPUTER,
    callback_advice,
    lan_address,
    phone_link_advice,
    reach_of,
)


@pytest.mark.parametrize(
    ("url", "reach"),
    [
        ("http://127.0.0.1:8501/sandbox/h5/token_x", THIS_COMPUTER),
        ("http://127.1:8501/", THIS_COMPUTER),
        ("http://localhost:8501/callback", THIS_COMPUTER),
        ("http://app.localhost/", THIS_COMPUTER),
        ("http://[::1]:8501/", THIS_COMPUTER),
        ("http://[::ffff:127.0.0.1]/", THIS_COMPUTER),
        ("http://0.0.0.0:8501/", THIS_COMPUTER),
        ("not a url", THIS_COMPUTER),
        ("http://192.168.1.20:8501/callback", LOCAL_NETWORK),
        ("http://10.0.0.7/", LOCAL_NETWORK),
        ("http://172.20.1.1/", LOCAL_NETWORK),
        ("http://laptop.local:8501/", LOCAL_NETWORK),
        ("http://laptop:8501/", LOCAL_NETWORK),
        ("https://desk.example.com/callback", PUBLIC),
        ("http://8.8.8.8/", PUBLIC),
    ],
)
def test_reach_of(url, reach):
    assert reach_of(url) == reach


def test_lan_address_sends_nothing_and_never_answers_loopback():
    found = lan_address()
    assert found is None or reach_of(f"http://{found}/") != THIS_COMPUTER
    assert lan_address(probes=["127.0.0.1"]) is None, "a loopback route is no local-network address"
    assert lan_address(probes=["not an address"]) is None


def test_a_loopback_link_gets_the_exact_command_with_the_lan_address():
    advice = phone_link_advice("http://127.0.0.1:8501/sandbox/h5/t", app_port=8501, lan="192.168.1.20")
    assert advice.blocking and "Phones cannot open 127.0.0.1" in advice.problem
    assert advice.command == (
        "AVATAR_DESK_PUBLIC_URL=http://192.168.1.20:8501 streamlit run app.py --server.address 0.0.0.0"
    )
    assert not advice.note


def test_without_a_lan_address_the_fix_says_how_to_find_it():
    advice = phone_link_advice("http://localhost:8501/sandbox/h5/t", app_port=8600, lan=None)
    assert LAN_PLACEHOLDER in advice.command and ":8600" in advice.command
    assert "hostname -I" in advice.note and "ipconfig" in advice.note


def test_a_sandbox_running_alone_gets_both_commands():
    advice = phone_link_advice(
        "http://127.0.0.1:8765/h5/t", app_port=8501, lan="10.0.0.7", sandbox_url="http://127.0.0.1:8765"
    )
    first, second = advice.command.splitlines()
    assert first == "python -m lib.sandbox --host 0.0.0.0 --port 8765 --public-url http://10.0.0.7:8765"
    assert second.startswith(
        "AVATAR_DESK_SANDBOX_URL=http://127.0.0.1:8765 AVATAR_DESK_PUBLIC_URL=http://10.0.0.7:8501"
    )


def test_lan_and_public_links_are_not_blocking():
    assert phone_link_advice("https://desk.example.com/sandbox/h5/t", app_port=8501, lan=None) is None
    lan = phone_link_advice("http://192.168.1.20:8501/sandbox/h5/t", app_port=8501, lan=None)
    assert not lan.blocking and "same network" in lan.problem and not lan.command


def test_callback_advice_in_live_mode():
    loopback = callback_advice("http://127.0.0.1:8501/callback?s=x")
    assert loopback.blocking
    assert "will not reach this app after the check" in loopback.problem
    assert "confirm by hand" in loopback.consequence and "AVATAR_DESK_PUBLIC_URL" in loopback.consequence
    private = callback_advice("http://192.168.1.20:8501/callback")
    assert not private.blocking and "mobile data" in private.consequence
    assert callback_advice("https://desk.example.com/callback") is None
