"""The verification attempt's countdown, outcome signals and the never-burn-the-token rule."""

from lib.callbacks import CallbackInbox
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


def test_callback_moves_the_attempt_and_ignores_other_tokens():
    inbox = CallbackInbox(clock=lambda: 5.0)
    a = attempt()
    assert not a.apply_callback(inbox.record({"bytedToken": "token_other", "resultCode": "10000"}))
    assert a.apply_callback(inbox.record({"bytedToken": "token_abc", "resultCode": "60001"}))
    assert a.state(1001.0) == FAILED and a.signal == "callback"
    assert "failed" in a.query_refusal(1001.0)


def test_callback_success_even_after_expiry_counts():
    a = attempt()
    a.apply_callback(CallbackInbox().record({"bytedToken": "token_abc", "resultCode": "10000"}))
    assert a.state(5000.0) == APPROVED


def test_inbox_is_bounded_and_keeps_only_documented_fields():
    inbox = CallbackInbox(max_entries=2)
    for i in range(3):
        inbox.record({"bytedToken": f"t{i}", "resultCode": "10000", "evil": "x" * 10})
    assert len(inbox) == 2 and inbox.get("t0") is None
    assert "evil" not in inbox.get("t2").params
    assert inbox.record({"resultCode": "10000"}) is None


def test_handoff_text_in_each_language():
    for lng, marker in (("en", "Please open"), ("zh", "请在手机上"), ("zh-Hant", "請在手機上")):
        text = handoff_text("https://h5.example/x", 120, lng)
        assert marker in text and "https://h5.example/x" in text and "00:02:00 UTC" in text
