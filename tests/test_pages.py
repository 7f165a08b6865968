"""The workflow pages through Streamlit's AppTest, against the real sandbox over HTTP. Polling is driven by
repeated runs (AppTest never fires run_every timers)."""

from __future__ import annotations

import time

import pytest
import requests
from streamlit.testing.v1 import AppTest

from lib.ui import state
from tests.helpers.apptest import BAD, GOOD, ROOT, button, open_page, paste, table, texts, verified, workflow
from tests.helpers.sandbox import control, phone_lands, send_fails_once

# `at`, a new session of the app in sandbox mode on a registry of its own, is a fixture of tests/conftest.py.


# ---------------------------------------------------------------- connection and start


def test_start_page_says_sandbox_mode(at):
    assert "Sandbox mode" in texts(at.sidebar.info)
    assert "sk-sandbox" not in texts(at.sidebar.markdown) + texts(at.sidebar.caption), (
        "no key is shown in sandbox mode"
    )
    assert any("/sandbox" in c or "127.0.0.1" in c for c in (str(e.value) for e in at.sidebar.caption))


def test_start_page_says_where_the_operator_is(at, sandbox):
    assert "No person yet" in texts(at.caption)
    group_id = verified(at, sandbox)
    at.text_input(key="group__label").set_value("Lin Wei").run()
    open_page(at, "home")
    assert "Person: **Lin Wei**" in texts(at.markdown)
    assert f"`{group_id}`" in texts(at.expander[-1].markdown), "the id is in the details"
    open_page(at, "submit")
    paste(at, GOOD[:2])
    button(at, "submit__send").click().run()
    open_page(at, "home")
    assert "2 clips sent:" in texts(at.caption)


def test_live_mode_shows_the_key_masked_only(sandbox, monkeypatch, tmp_path):
    monkeypatch.setenv("AVATAR_DESK_DB", str(tmp_path / "registry.db"))
    state.database.clear()
    monkeypatch.setenv("APIMART_API_KEY", "sk-live-canary-key-7788abcd")
    monkeypatch.setenv("APIMART_BASE_URL", sandbox.base_url)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    shown = texts(app.sidebar.success) + texts(app.sidebar.markdown) + texts(app.sidebar.caption)
    assert "sk-…abcd" in shown
    assert "canary" not in shown


def test_test_connection_reports_a_bad_key(at, sandbox):
    control(sandbox, "faults", route="/v1/tasks", status=401, count=1)
    button(at, "sidebar__test_connection").click().run()
    assert "key" in texts(at.sidebar.error).lower()


# ---------------------------------------------------------------- verify


def test_create_session_shows_qr_link_and_countdown(at):
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    assert not at.exception
    link = at.code[0].value
    assert "/h5/" in link and "lng=en" in link
    assert len(at.get("image")) == 1, "the QR code image is shown"
    assert any("expires in" in p.proto.text for p in at.get("progress"))


def test_language_choice_is_applied_to_the_link(at):
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    at.radio(key="verify__language").set_value("zh-Hant").run()
    assert "lng=zh-Hant" in at.code[0].value
    assert "請在手機上" in texts(at.code)


def test_callback_moves_the_flow_to_the_group_by_itself(at, sandbox):
    group_id = verified(at, sandbox)
    assert group_id.startswith("group-")
    assert group_id in texts(at.code)
    assert at.text_input(key="group__label")


def test_early_confirm_asks_first_and_the_token_still_works(at, sandbox):
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    button(at, "verify__confirm").click().run()  # opens the question; nothing is sent
    assert "uses up the link" in texts(at.warning)
    button(at, "verify__confirm_no").click().run()
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    assert not [r for r in log if r.get("selector") == "byted_token"], "the token was never queried"
    # The token still works once the person finishes.
    phone_lands(sandbox, workflow(at).verification.byted_token)
    at.run()
    assert workflow(at).group_id.startswith("group-")


def test_operator_can_confirm_by_hand(at, sandbox):
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    control(sandbox, f"h5/{workflow(at).verification.byted_token}/approve")  # the phone never reaches the app
    button(at, "verify__confirm").click().run()
    button(at, "verify__confirm_yes").click().run()
    assert workflow(at).group_id.startswith("group-")


def test_failed_verification_offers_a_new_link(at, sandbox):
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    first = workflow(at).verification.byted_token
    phone_lands(sandbox, first, "fail")
    at.run()
    assert "failed" in texts(at.error).lower()
    button(at, "verify__renew").click().run()
    assert workflow(at).verification.byted_token != first


def test_expired_link_renews_with_one_click(at, sandbox):
    control(sandbox, "config", session_ttl=0)  # born expired: no race with a fast rerun
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    # The countdown follows the lifetime the sandbox was set to, not upstream's 120 s.
    assert workflow(at).verification.lifetime == 0
    at.run()
    assert "expired" in texts(at.warning)
    first = workflow(at).verification.byted_token
    control(sandbox, "config", session_ttl=120)
    button(at, "verify__renew").click().run()
    assert workflow(at).verification.byted_token != first
    assert workflow(at).verification.lifetime == 120
    assert "expired" not in texts(at.warning)


def test_a_group_id_left_unread_is_recovered_with_one_click_in_a_later_session(at, sandbox):
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    control(sandbox, "faults", route="/v1/tasks", method="GET", status=404, count=1)
    phone_lands(sandbox, workflow(at).verification.byted_token)
    at.run()  # the page sees the callback and queries the token: accepted, but its result is not read
    assert not workflow(at).group_id and "task_" in texts(at.error)

    later = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()  # the tab was closed
    open_page(later, "group")
    assert "could not be read yet" in texts(later.warning)
    recover = next(b for b in later.button if b.key.startswith("group__recover_"))
    recover.click().run()
    assert workflow(later).group_id.startswith("group-") and "Recovered" in texts(later.success)
    assert "could not be read yet" not in texts(later.warning)
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    assert len([r for r in log if r["selector"] == "byted_token"]) == 1, "the token was queried once"


def test_api_errors_are_clear_and_keep_state(at, sandbox):
    open_page(at, "verify")
    control(sandbox, "faults", route="/v1/seedance2/real-avatar", status=402, count=1)
    button(at, "verify__create").click().run()
    assert "balance" in texts(at.error).lower()
    control(sandbox, "faults", route="/v1/seedance2/real-avatar", status=500, count=1)
    button(at, "verify__retry").click().run()
    # A second verification session costs nothing: Retry stays offered even though the first may exist.
    assert "retry" in texts(at.error).lower()
    button(at, "verify__retry").click().run()
    assert workflow(at).verification is not None


# ---------------------------------------------------------------- group


def test_group_page_labels_and_reuses_groups(at, sandbox):
    group_id = verified(at, sandbox)
    at.text_input(key="group__label").set_value("Lin Wei").run()
    assert workflow(at).known_groups[group_id] == "Lin Wei"
    at.text_input(key="group__paste_id").set_value("not a group!").run()
    button(at, "group__use").click().run()
    assert "does not look like a group id" in texts(at.error)
    assert workflow(at).group_id == group_id


def test_later_steps_point_back_when_earlier_ones_are_missing(at, sandbox):
    # Straight to the first unfinished step (tests/test_navigation_words.py has the rest).
    open_page(at, "submit")
    assert "no person" in texts(at.info).lower()
    open_page(at, "review")
    assert "no person" in texts(at.info).lower()
    verified(at, sandbox)
    open_page(at, "review")
    assert "nothing has been submitted" in texts(at.info).lower()


# ---------------------------------------------------------------- submit and review


def test_preflight_flags_rows_and_sends_nothing(at, sandbox):
    verified(at, sandbox)
    open_page(at, "submit")
    paste(
        at,
        [
            GOOD[0],
            "ftp://cdn.example.com/a.mp4",
            GOOD[0],
            f"{'n' * 100}, {GOOD[1]}",
            "https://cdn.example.com/notes.txt",
        ],
    )
    checks = table(at, "Check")["Check"].tolist()
    assert checks[0].startswith("✅")
    assert "http:// or https://" in checks[1]
    assert "duplicate of row 1" in checks[2]
    assert "100 characters" in checks[3]
    assert ".txt" in checks[4]
    assert button(at, "submit__send").disabled
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    assert not [r for r in log if r.get("selector") == "group_id"]
    button(at, "submit__drop").click().run()
    assert button(at, "submit__send").label == "Send 1 asset"


def test_submit_review_and_resubmit(at, sandbox):
    verified(at, sandbox)
    open_page(at, "submit")
    paste(at, GOOD + BAD)
    assert button(at, "submit__send").label == "Send 6 assets"
    button(at, "submit__send").click().run()
    assert not at.exception, at.exception
    open_page(at, "review")
    for _ in range(5):  # the review fragment polls on each run
        if not workflow(at).ledger.pending_task_ids():
            break
        at.run()
    counts = workflow(at).ledger.counts()
    assert (counts["usable"], counts["failed"]) == (4, 2)
    usable = table(at, "asset_url")
    assert usable["asset_url"].str.startswith("asset://").all() and len(usable) == 4
    failed = table(at, "reason")
    assert not at.data_editor, "failures are read-only until the operator chooses to act"
    at.toggle(key="review__resubmit_mode").set_value(True).run()
    assert next(d for d in at.data_editor if d.key == "review__failed_editor")
    assert set(failed["code"]) == {"FaceMismatch", "InvalidParameter.DownloadFailed"}
    assert "frontal shot" in " ".join(failed["fix"])

    # Replace the two URLs and resubmit: all six usable, each keeps its history.
    at.session_state["review__failed_editor"] = {
        "edited_rows": {
            0: {"new_url": "https://cdn.example.com/lin/retake-1.mp4"},
            1: {"new_url": "https://cdn.example.com/lin/retake-2.mp4"},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    button(at, "review__resubmit").click().run()
    for _ in range(5):
        if not workflow(at).ledger.pending_task_ids():
            break
        at.run()
    ledger = workflow(at).ledger
    assert ledger.counts()["usable"] == 6
    retried = [a for a in ledger.assets.values() if len(a.attempts) == 2]
    assert len(retried) == 2 and all(a.attempts[0].status == "failed" for a in retried)
    assert len(table(at, "asset_url")) == 6
    csv = next(b for b in at.download_button if b.key == "review__csv")
    assert csv.label == "Download CSV"


def test_review_poll_errors_are_shown_and_polling_goes_on(at, sandbox):
    control(sandbox, "config", timing="realistic", video_review_seconds=0.2)
    verified(at, sandbox)
    open_page(at, "submit")
    paste(at, GOOD[:2])
    button(at, "submit__send").click().run()
    # The first poll fails even after the client's own retries (1 try + 3 retries).
    control(sandbox, "faults", route="/v1/tasks", method="GET", status=503, count=4)
    time.sleep(0.3)  # the page reads a task only once its review can have ended (lib/ui/review_poll.py)
    open_page(at, "review")
    assert "temporary" in texts(at.error).lower()
    assert workflow(at).ledger.pending_task_ids(), "the task id is kept"
    deadline = time.monotonic() + 20
    while workflow(at).ledger.pending_task_ids() and time.monotonic() < deadline:
        at.run()  # the next read is due a second after the failed one
    assert workflow(at).ledger.counts()["usable"] == 2


def sandbox_assets(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.base_url}/_sandbox/assets", timeout=5).json()


def unsettled_buttons(at, action: str) -> list:
    return [b for b in at.button if b.key and b.key.startswith("submit__unsettled__" + action)]


@pytest.mark.parametrize("carried_out", [False, True], ids=["500-before", "500-after-action"])
def test_a_server_error_on_submit_is_may_have_been_sent_and_never_resent_by_itself(at, sandbox, carried_out):
    verified(at, sandbox)
    open_page(at, "submit")
    paste(at, GOOD)
    send_fails_once(sandbox, after=carried_out)
    button(at, "submit__send").click().run()
    assert not at.exception, at.exception
    assert "may have been sent" in texts(at.warning)
    assert "retry" not in texts(at.error).lower(), (
        "no plain retry for a request that may have been carried out"
    )
    assert not [b for b in at.button if b.key == "submit__retry"]
    assert workflow(at).ledger.counts()["unknown"] == 4, "every row is kept, as 'may have been sent'"
    assert len(sandbox_assets(sandbox)) == (4 if carried_out else 0)
    at.run()
    assert len(sandbox_assets(sandbox)) == (4 if carried_out else 0), "a rerun sends nothing by itself"
    if carried_out:
        # The operator knows they arrived (or accepts not knowing): back to the table, nothing is sent.
        unsettled_buttons(at, "back")[0].click().run()
        assert len(workflow(at).draft) == 4 and workflow(at).ledger.counts()["unknown"] == 0
        assert len(sandbox_assets(sandbox)) == 4, "no duplicate"
    else:
        unsettled_buttons(at, "again")[0].click().run()
        assert workflow(at).ledger.counts()["pending"] + workflow(at).ledger.counts()["usable"] == 4
        assert len(sandbox_assets(sandbox)) == 4, "sent once"
        keys = [
            r["idempotency_key"]
            for r in requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
            if r["selector"] == "group_id"
        ]
        assert len(keys) == 2 and keys[0] == keys[1], "the second send carries the first one's key"


def test_a_refused_submit_keeps_the_rows_and_offers_retry(at, sandbox):
    verified(at, sandbox)
    open_page(at, "submit")
    paste(at, GOOD)
    control(sandbox, "faults", route="/v1/seedance2/real-avatar", method="POST", status=402, count=1)
    button(at, "submit__send").click().run()
    assert "balance" in texts(at.error).lower()
    assert len(workflow(at).draft) == 4, "the operator's table survives"
    button(at, "submit__retry").click().run()
    assert not at.exception, at.exception
    assert len(sandbox_assets(sandbox)) == 4, "no duplicate assets"


def test_rate_limit_and_dropped_connection_on_submit_lose_nothing(at, sandbox):
    verified(at, sandbox)
    open_page(at, "submit")
    paste(at, GOOD[:3])
    # 429 on the POST: the client honours Retry-After and retries the same request (nothing was processed).
    control(
        sandbox,
        "faults",
        route="/v1/seedance2/real-avatar",
        method="POST",
        status=429,
        retry_after=0.1,
        count=1,
    )
    button(at, "submit__send").click().run()
    open_page(at, "review")
    assert workflow(at).ledger.counts()["submitted"] == 3
    # A dropped connection on a POST is never repeated blindly: the row reads "may have been sent".
    open_page(at, "submit")
    paste(at, GOOD[3:])
    control(sandbox, "faults", route="/v1/seedance2/real-avatar", method="POST", drop=True, count=1)
    button(at, "submit__send").click().run()
    assert at.error, "the operator is told"
    assert workflow(at).ledger.counts()["unknown"] == 1, "the row is kept as 'may have been sent'"
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    assert sum(1 for r in log if r.get("selector") == "group_id") == 3, (
        "429 retried once, the drop not at all"
    )
    assert len(sandbox_assets(sandbox)) == 3


def test_a_typed_key_is_used_masked_and_never_stored(sandbox, monkeypatch, tmp_path):
    db = tmp_path / "registry.db"
    monkeypatch.setenv("AVATAR_DESK_DB", str(db))
    monkeypatch.setenv("APIMART_BASE_URL", sandbox.base_url)
    monkeypatch.delenv("APIMART_API_KEY", raising=False)
    state.database.clear()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    app.text_input(key="sidebar__api_key").set_value("sk-typed-canary-4242wxyz").run()
    assert "sk-…wxyz" in texts(app.sidebar.success)
    open_page(app, "verify")
    button(app, "verify__create").click().run()
    assert workflow(app).verification is not None, "live mode used the typed key"
    shown = "".join(
        str(e.value) for e in [*app.main.markdown, *app.main.code, *app.sidebar.success, *app.main.caption]
    )
    assert "canary" not in shown
    state.database().close()
    assert b"canary" not in b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())


def test_picking_a_saved_group_brings_back_its_assets(at, sandbox):
    first = verified(at, sandbox)
    at.text_input(key="group__label").set_value("Lin Wei").run()
    open_page(at, "submit")
    paste(at, GOOD[:2])
    button(at, "submit__send").click().run()
    # Another person, then back to the first one from the Group page's saved list.
    open_page(at, "verify")
    button(at, "verify__create").click().run()
    phone_lands(sandbox, workflow(at).verification.byted_token)
    at.run()
    open_page(at, "group")
    assert workflow(at).group_id != first and workflow(at).ledger.counts()["submitted"] == 0
    at.selectbox(key="group__known").set_value(first).run()
    assert workflow(at).group_id == first and workflow(at).group_label == "Lin Wei"
    assert workflow(at).ledger.counts()["submitted"] == 2, "its two assets are back"
