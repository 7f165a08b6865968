"""The verification attempt's countdown, outcome signals and the never-burn-the-token rule."""

from lib.callbacks import CallbackRecord, with_callback_secret
from lib.store.callbacks import StoredCallbackInbox
from lib.verification import APPROVED, EXPIRED, FAILED, USED, WAITING, VerificationAttempt, handoff_text


def attempt(now=1000.0, lifetime=120.0):
    return VerificationAttempt(
        "task_1", "https://h5.example/x?lng=en", "token_abc", "http://app/callback", now, lifetime
    )


def test_countdown_and_expiry():
    a = attempt()
    assert a.state(1000.0) == WAITING and a.remaining(1030.0) == 90.0
    assert a.state(1120.0) == EXPIRED and a.remaining(2000.0) == 0.0
    assert "expired" in a.query_refusal(1200.0)


def test_query_is_refused_until_a_success_signal():
    a = attempt()
    assert "use up the one-time token" in a.query_refusal(1001.0)
    a.confirm_by_operator()
    assert a.state(1001.0) == APPROVED and a.signal == "operator"
    assert a.query_refusal(1001.0) is None
    a.queried = True
    assert a.state(1001.0) == USED and "already used" in a.query_refusal(1001.0)


def test_callback_moves_the_attempt_and_ignores_other_tokens(db):
    inbox = StoredCallbackInbox(db, clock=lambda: 1005.0)
    a = attempt()
    inbox.expect("sec", "token_abc", a.expires_at)
    assert inbox.record("sec", {"bytedToken": "token_other", "resultCode": "10000"}) is None
    assert not a.apply_callback(CallbackRecord("token_other", "10000", {}, 1005.0))
    assert a.apply_callback(inbox.record("sec", {"bytedToken": "token_abc", "resultCode": "60001"}))
    assert a.state(1001.0) == FAILED and a.signal == "callback" and not a.queried
    assert "failed" in a.query_refusal(1001.0)


def test_a_success_that_arrived_in_time_counts_after_expiry_and_a_late_one_does_not():
    a = attempt()  # the link lives from 1000 to 1120
    assert a.apply_callback(CallbackRecord("token_abc", "10000", {}, 1119.0))
    assert a.state(5000.0) == APPROVED
    late = attempt()
    assert not late.apply_callback(CallbackRecord("token_abc", "10000", {}, 1200.0))
    assert late.state(1200.0) == EXPIRED and late.query_refusal(1200.0)


def test_the_attempt_knows_its_secret_from_its_callback_url():
    url = with_callback_secret("https://app.example/callback?keep=1", "abc-123")
    assert url == "https://app.example/callback?keep=1&s=abc-123"
    a = VerificationAttempt("task_1", "https://h5.example/x", "token_abc", url, 1000.0)
    assert a.callback_secret == "abc-123" and attempt().callback_secret == ""
    assert with_callback_secret(url, "new") == "https://app.example/callback?keep=1&s=new"


def test_inbox_keeps_only_documented_fields_and_refuses_what_it_does_not_expect(db):
    inbox = StoredCallbackInbox(db)
    inbox.expect("sec", "t2", 10**10)
    assert "evil" not in inbox.record("sec", {"bytedToken": "t2", "resultCode": "10000", "evil": "x"}).params
    assert inbox.record("sec", {"resultCode": "10000"}) is None
    assert inbox.record("other", {"bytedToken": "t2", "resultCode": "10000"}) is None
    assert inbox.get("") is None and inbox.get("other") is None


def test_handoff_text_in_each_language():
    for lng, marker in (("en", "Please open"), ("zh", "请在手机上"), ("zh-Hant", "請在手機上")):
        text = handoff_text("https://h5.example/x", 120, lng)
        assert marker in text and "https://h5.example/x" in text and "00:02:00 UTC" in text
