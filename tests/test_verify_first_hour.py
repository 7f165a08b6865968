"""Issue 11, "A user's first hour", on the Verify and Group pages through AppTest against the real sandbox:
the manual "finished" path asks once and a burnt token is named with the one action that helps (1), an
expired link shows no QR code (5), each step's next action is one primary button (6), a phone is told when it
cannot open the link or come back (15), and raw ids stay in a Details expander (14)."""

from __future__ import annotations

import requests
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Expander

from lib.ui import state
from tests.helpers.apptest import button, new_app, open_page, texts, verified, workflow
from tests.helpers.sandbox import control, phone_lands


def token_queries(sandbox) -> list[dict]:
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    return [r for r in log if r.get("selector") == "byted_token"]


def keys(at) -> set[str]:
    return {b.key for b in at.button}


def primary_buttons(at) -> list:
    return [b for b in at.main.button if b.proto.type == "primary"]


def outside_details(block: Block) -> str:
    """Every text the page shows outside its expanders (what the operator reads without opening one)."""
    found = []
    for child in block.children.values():
        if isinstance(child, Expander):
            continue
        if isinstance(child, Block):
            found.append(outside_details(child))
        else:
            found.append(str(getattr(child, "value", "") or ""))
            found.append(str(getattr(child, "label", "") or ""))
    return "\n".join(found)


def details_text(at) -> str:
    shown = []
    for expander in at.main.expander:
        if expander.label == "Details":
            shown += [str(e.value) for e in (*expander.caption, *expander.markdown, *expander.code)]
    return "\n".join(shown)


def start_session(at) -> AppTest:
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    assert not at.exception, at.exception
    return at


# ---------------------------------------------------------------- 1: the one-time token


def test_the_manual_path_is_secondary_and_asks_once_before_touching_the_token(new_session, sandbox):
    at = start_session(new_session())
    # The automatic path first: the QR code and the countdown; the one primary button is not a guess.
    assert len(at.get("image")) == 1 and any("expires in" in p.proto.text for p in at.get("progress"))
    assert button(at, "verify__confirm").proto.type == "secondary"
    assert "verify__continue" not in keys(at), "no button that only refuses"

    button(at, "verify__confirm").click().run()
    assert "Only if the person's phone shows 'done'" in texts(at.warning)
    assert "uses up the link and they must scan a new one" in texts(at.warning)
    assert {"verify__confirm_yes", "verify__confirm_no"} <= keys(at)
    assert token_queries(sandbox) == [], "asking costs nothing"

    button(at, "verify__confirm_no").click().run()
    assert "verify__confirm" in keys(at) and "verify__confirm_yes" not in keys(at)
    assert token_queries(sandbox) == [] and workflow(at).verification.outcome is None
    # The token still works once the person really finishes.
    phone_lands(sandbox, workflow(at).verification.byted_token)
    at.run()
    assert workflow(at).group_id.startswith("group-")
    assert [q["status"] for q in token_queries(sandbox)] == [200]


def test_a_burnt_token_is_named_as_such_with_one_way_out_and_nothing_else_lost(new_session, sandbox):
    at = new_session()
    earlier = verified(at, sandbox)  # a person verified before: must survive the burnt link
    at.text_input(key="group__label").set_value("Lin Wei").run()
    start_session(at)
    first = workflow(at).verification.byted_token
    # Confirmed by hand while the person has not finished: upstream refuses and burns the token.
    button(at, "verify__confirm").click().run()
    if "verify__confirm_yes" in keys(at):  # (before issue 11 the first click queried at once)
        button(at, "verify__confirm_yes").click().run()
    assert [q["status"] for q in token_queries(sandbox)][-1] == 400

    shown = texts(at.error)
    assert "used up" in shown and "Make a new link" in shown and "nothing else is lost" in shown
    assert "check the values you entered" not in shown.lower()
    assert "verify__retry" not in keys(at), "no Retry that cannot work"
    assert [b.key for b in primary_buttons(at)] == ["verify__renew"], "one action: a new link"
    assert len(at.get("image")) == 0, "no QR code of a dead link"

    # Later runs claim nothing the registry does not know: no group from this link.
    at.run()
    assert "Group step" not in outside_details(at.main) and "already used" not in outside_details(at.main)
    assert token_queries(sandbox)[-1]["status"] == 400 and len(token_queries(sandbox)) == 2

    button(at, "verify__renew").click().run()
    assert workflow(at).verification.byted_token != first and len(at.get("image")) == 1
    assert workflow(at).known_groups == {earlier: "Lin Wei"}, "everything else kept"
    assert "used up" not in texts(at.error)


def test_a_used_link_shows_what_the_registry_holds(new_session, sandbox):
    at = new_session()
    group_id = verified(at, sandbox)
    at.text_input(key="group__label").set_value("Lin Wei").run()
    open_page(at, "verify")
    assert "Verified at" in texts(at.success) and "Lin Wei" in texts(at.success)
    assert group_id in details_text(at) and group_id not in outside_details(at.main)
    # The next action is one primary button, and it works on its first click.
    assert [b.key for b in primary_buttons(at)] == ["verify__to_group"]
    button(at, "verify__to_group").click().run()
    assert [t.value for t in at.title] == ["2. Asset group"]


# ---------------------------------------------------------------- 5: an expired link


def test_an_expired_link_shows_no_qr_code_and_one_new_link_button(new_session, sandbox):
    control(sandbox, "config", session_ttl=0)  # born expired
    at = start_session(new_session())
    at.run()
    assert "expired" in texts(at.warning)
    assert len(at.get("image")) == 0, "the QR code is gone once the link is dead"
    assert not [c for c in at.main.code if "/h5/" in str(c.value)], "nor the dead link itself"
    assert [b.key for b in primary_buttons(at)] == ["verify__renew"]
    control(sandbox, "config", session_ttl=120)
    button(at, "verify__renew").click().run()
    assert len(at.get("image")) == 1 and "expired" not in texts(at.warning)


# ---------------------------------------------------------------- 6: Group's next action


def test_group_continue_is_one_primary_button_that_saves_the_typed_label(new_session, sandbox):
    at = new_session()
    group_id = verified(at, sandbox)
    assert [b.key for b in primary_buttons(at)] == ["group__continue"]
    assert not [p for p in at.get("page_link") if "Continue" in p.proto.label]
    at.text_input(key="group__label").input("Lin Wei")  # typed, never committed with Enter
    button(at, "group__continue").click().run()
    assert [t.value for t in at.title] == ["3. Submit assets"]
    assert workflow(at).group_label == "Lin Wei" and "Lin Wei" in texts(at.caption)
    assert new_session().session_state["avatar_desk__workflow"].known_groups[group_id] == "Lin Wei", "in the registry"


# ---------------------------------------------------------------- 15: can a phone reach it?


def test_a_loopback_link_is_named_with_the_exact_fix(new_session, sandbox):
    at = start_session(new_session())
    assert "127.0.0.1" in workflow(at).verification.h5_link
    warned = texts(at.warning)
    assert "Phones cannot open 127.0.0.1" in warned
    fix = warned + "\n" + texts(at.code)
    assert "--server.address 0.0.0.0" in fix and "AVATAR_DESK_PUBLIC_URL=http://" in fix
    assert "streamlit run app.py" in fix
    # The QR code still comes first: the warning is below it.
    assert len(at.get("image")) == 1


def test_a_lan_public_url_gets_no_warning(new_session, sandbox, monkeypatch):
    monkeypatch.setenv("AVATAR_DESK_PUBLIC_URL", "http://192.168.1.20:8501")
    # As `streamlit run` configures the mounted sandbox from AVATAR_DESK_PUBLIC_URL (lib.server).
    control(sandbox, "config", public_url="http://192.168.1.20:8501/sandbox")
    at = start_session(new_session())
    assert workflow(at).verification.h5_link.startswith("http://192.168.1.20:8501/sandbox/")
    assert workflow(at).verification.callback_url.startswith("http://192.168.1.20:8501/callback")
    assert not at.warning, texts(at.warning)
    assert "Phones cannot open" not in outside_details(at.main)


def live_app(sandbox, monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("AVATAR_DESK_DB", str(tmp_path / "registry.db"))
    state.database.clear()
    monkeypatch.setenv("APIMART_API_KEY", "sk-live-first-hour-0000")
    monkeypatch.setenv("APIMART_BASE_URL", sandbox.base_url)
    return open_page(new_app(), "verify")


def test_live_mode_says_before_the_qr_that_the_phone_will_not_come_back(sandbox, monkeypatch, tmp_path):
    monkeypatch.delenv("AVATAR_DESK_PUBLIC_URL", raising=False)
    at = live_app(sandbox, monkeypatch, tmp_path)
    assert len(at.get("image")) == 0, "no session yet"
    warned = texts(at.warning)
    assert "will not reach this app after the check" in warned and "confirm by hand" in warned


def test_live_mode_with_a_public_callback_says_nothing(sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("AVATAR_DESK_PUBLIC_URL", "https://desk.example.com")
    at = live_app(sandbox, monkeypatch, tmp_path)
    assert not at.warning, texts(at.warning)
    button(at, "verify__create").click().run()
    assert len(at.get("image")) == 1 and not at.warning, texts(at.warning)


# ---------------------------------------------------------------- 14: words and ids


def test_ids_stay_in_details_and_the_words_are_plain(new_session, sandbox):
    at = start_session(new_session())
    attempt = workflow(at).verification
    seen = outside_details(at.main)
    assert attempt.task_id not in seen and attempt.task_id in details_text(at)
    assert "task" not in seen.lower()


def test_the_message_for_the_person_gives_the_end_in_the_operators_zone():
    from zoneinfo import ZoneInfo

    from lib.verification import handoff_text

    text = handoff_text("https://h5.example/x", 120, "en", ZoneInfo("Asia/Shanghai"))
    assert "valid until 08:02:00 CST" in text
