"""A key typed in the sidebar is read once and leaves the page: the key box is emptied by its own callback,
the key lives in the session's one TypedKey holder, the sidebar shows it masked, and "Forget this key" drops
it. Checked on every page, inside the app's frame, through AppTest against the real sandbox."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping

import pytest
import requests
from google.protobuf.message import Message

from lib.sandbox.ids import fingerprint
from lib.ui import state
from tests.helpers.apptest import PAGES, framed_app, visit

KEY = "sk-typed-canary-4242wxyz"
MASKED = "sk-…wxyz"


@pytest.fixture
def at(sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("AVATAR_DESK_DB", str(tmp_path / "registry.db"))
    monkeypatch.setenv("AVATAR_DESK_SANDBOX_URL", sandbox.base_url)
    # A typed key makes the app live; the sandbox stands in for APIMart (any bearer key is a tenant).
    monkeypatch.setenv("APIMART_BASE_URL", sandbox.base_url)
    for name in ("APIMART_API_KEY", "AVATAR_DESK_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    state.database.clear()
    return framed_app(monkeypatch)


def found_in(value, secret: str, skip: set[int], seen: set[int] | None = None, where: str = "") -> list[str]:
    """Every path under `value` (containers, dataclasses, objects' attributes, protobuf messages) where
    `secret` appears, except inside the objects whose ids are in `skip`."""
    seen = set() if seen is None else seen
    if id(value) in skip or id(value) in seen:
        return []
    if isinstance(value, str):
        return [where] if secret in value else []
    if isinstance(value, bytes | bytearray):
        return [where] if secret.encode() in value else []
    if value is None or isinstance(value, int | float | bool | type | types.ModuleType | types.FunctionType):
        return []
    seen.add(id(value))
    if isinstance(value, Message):
        return [where] if secret.encode() in value.SerializeToString() else []
    if isinstance(value, Mapping):
        return [
            hit
            for k, v in list(value.items())
            for hit in found_in(k, secret, skip, seen, f"{where}[key]")
            + found_in(v, secret, skip, seen, f"{where}[{k!r}]")
        ]
    if isinstance(value, list | tuple | set | frozenset):
        return [
            hit for i, v in enumerate(list(value)) for hit in found_in(v, secret, skip, seen, f"{where}[{i}]")
        ]
    if dataclasses.is_dataclass(value):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return found_in(fields, secret, skip, seen, where)
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return found_in(attributes, secret, skip, seen, f"{where}.")
    return []


def elements(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from elements(child)


def key_in_the_page(at) -> list[str]:
    """Where the key shows in what the browser is sent: every element's proto and every widget's value."""
    hits = []
    for element in elements(at._tree):
        proto = getattr(element, "proto", None)
        if isinstance(proto, Message) and KEY.encode() in proto.SerializeToString():
            hits.append(f"{type(element).__name__} {getattr(element, 'key', '')} (proto)")
        try:
            value = element.value
        except Exception:  # blocks and some elements have no value
            continue
        if KEY in str(value):
            hits.append(f"{type(element).__name__} {getattr(element, 'key', '')} (value)")
    return hits


def key_in_session_state(at) -> list[str]:
    """Where the key is kept server-side, apart from its one holder and the client that sends it: widget
    values (old and new), user keys, widget metadata."""
    inner = at.session_state._state._state
    skip = {id(at.session_state[state.TYPED_KEY])}
    if state.CLIENT_KEY in at.session_state:
        skip.add(id(at.session_state[state.CLIENT_KEY][1]))  # the transport: it sends the key upstream
    return found_in(inner, KEY, skip)


def key_box(at):
    return at.sidebar.text_input(key=state.SESSION_API_KEY)


def sidebar_text(at) -> str:
    return "\n".join(str(e.value) for e in [*at.sidebar.success, *at.sidebar.info, *at.sidebar.markdown])


def type_key(at, key: str = KEY):
    key_box(at).set_value(key).run()
    assert not at.exception, at.exception
    return at


def test_the_frame_is_on_every_page(at):
    """The check below would be empty without it: the key box must be there on each page view."""
    for page in PAGES:
        visit(at, page)
        assert key_box(at) is not None, page


def test_a_typed_key_never_stays_in_a_widget(at, sandbox):
    type_key(at)
    # On the run that read it, the page already has an empty box and the masked key.
    assert key_box(at).value == ""
    assert key_in_the_page(at) == []
    assert MASKED in sidebar_text(at) and "this session" in sidebar_text(at)
    assert state.TYPED_KEY in at.session_state and at.session_state[state.TYPED_KEY].value == KEY
    assert KEY not in repr(at.session_state[state.TYPED_KEY]), "the holder never prints the key"
    # The walk can see a widget's value: the state the browser sent with the typed key is still the run's
    # input. The next run carries the emptied box instead.
    assert [state.SESSION_API_KEY in hit for hit in key_in_session_state(at)] == [True]

    views = 0
    for page in PAGES + PAGES[::-1]:
        visit(at, page)
        at.run()  # a rerun on the same page
        for _ in range(2):
            views += 1
            assert key_box(at).value == "", page
            assert key_in_the_page(at) == [], page
            assert key_in_session_state(at) == [], page
            assert MASKED in sidebar_text(at), page
            at.run()
    assert views == 4 * len(PAGES)
    assert not at.query_params or KEY not in str(dict(at.query_params)), "never in the URL"

    # The key is the one in use: live mode, a verification made with it (the sandbox's tenant is the key).
    visit(at, "verify")
    at.button(key="verify__create").click().run()
    assert at.session_state[state.WORKFLOW_KEY].verification is not None
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    assert log and {r["key"] for r in log} == {fingerprint(KEY)}, "sent to APIMart with the typed key, only"
    assert key_in_the_page(at) == [] and key_in_session_state(at) == []


def test_forget_this_key_goes_back_to_the_sandbox(at):
    assert "Sandbox mode" in sidebar_text(at)
    assert not [b for b in at.sidebar.button if b.key == "sidebar__forget_key"], "nothing to forget yet"
    type_key(at)
    visit(at, "library")
    assert MASKED in sidebar_text(at)
    at.sidebar.button(key="sidebar__forget_key").click().run()
    assert not at.exception, at.exception
    assert at.session_state[state.TYPED_KEY].value == ""
    assert "Sandbox mode" in sidebar_text(at) and MASKED not in sidebar_text(at)
    assert not [b for b in at.sidebar.button if b.key == "sidebar__forget_key"]
    at.run()
    assert found_in(at.session_state._state._state, KEY, set()) == [], "gone from the session entirely"


def test_forget_goes_back_to_the_configured_key(sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("AVATAR_DESK_DB", str(tmp_path / "registry.db"))
    monkeypatch.setenv("APIMART_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("APIMART_API_KEY", "sk-configured-key-0000ef01")
    state.database.clear()
    at = framed_app(monkeypatch)
    assert "sk-…ef01" in sidebar_text(at) and "environment" in sidebar_text(at)
    type_key(at)
    assert MASKED in sidebar_text(at) and "this session" in sidebar_text(at), "the typed key comes first"
    at.sidebar.button(key="sidebar__forget_key").click().run()
    assert "sk-…ef01" in sidebar_text(at) and MASKED not in sidebar_text(at)


def test_a_second_key_replaces_the_first(at):
    type_key(at)
    type_key(at, "sk-second-canary-77771234")
    assert "sk-…1234" in sidebar_text(at) and MASKED not in sidebar_text(at)
    assert key_box(at).value == ""
    at.run()
    assert found_in(at.session_state._state._state, KEY, set()) == [], "the first key is gone"
