"""The life of one H5 verification attempt: countdown, outcome signals, and the rule that the one-time
token is queried only after a success signal. Pure: no HTTP, no Streamlit."""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from lib.callbacks import CALLBACK_GRACE_S, CallbackRecord, callback_secret_of
from lib.i18n import N_, Said

# Upstream, the link and token live about 120 s; APIMart states no lifetime of its own.
SESSION_LIFETIME_S = 120.0
LANGUAGES = {"en": "English", "zh": "中文 (简体)", "zh-Hant": "中文 (繁體)"}

WAITING, APPROVED, FAILED, EXPIRED, USED = "waiting", "approved", "failed", "expired", "used"
# The token was used up without giving a group: queried before the person finished (upstream refused it).
# Nothing but a new link helps.
SPENT = "spent"

# What a pasted group id must look like (e.g. group-20260520163350-ctpqc) before it is used.
GROUP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{3,127}$")


def looks_like_group_id(text: str) -> bool:
    return bool(GROUP_ID.match(text))


@dataclass
class VerificationAttempt:
    task_id: str
    h5_link: str
    byted_token: str
    callback_url: str
    created_at: float
    lifetime: float = SESSION_LIFETIME_S
    outcome: str | None = None  # APPROVED or FAILED once a signal arrived
    signal: str | None = None  # "callback" or "operator": who said so
    queried: bool = False
    spent: bool = False  # queried and refused: the token is gone and gave no group (state SPENT)
    # Set when the token was accepted but reading its result failed: the token is spent, the group id
    # waits in this task, and a retry reads it (a GET) instead of querying the token again.
    result_task_id: str | None = None

    @property
    def expires_at(self) -> float:
        return self.created_at + self.lifetime

    @property
    def callback_secret(self) -> str:
        """This attempt's own callback secret, carried by the callback URL it sent (see lib.callbacks)."""
        return callback_secret_of(self.callback_url)

    def remaining(self, now: float | None = None) -> float:
        return max(0.0, self.expires_at - (time.time() if now is None else now))

    def state(self, now: float | None = None) -> str:
        if self.spent:
            return SPENT
        if self.queried:
            return USED
        if self.outcome:
            return self.outcome
        return EXPIRED if self.remaining(now) <= 0 else WAITING

    def apply_callback(self, record: CallbackRecord | None) -> bool:
        """Take the phone's redirect into account; True when it changed the outcome. The caller reads the
        record under this attempt's own callback secret; it counts only for this attempt's token, when it
        arrived while the link lived, and before any other signal. A failure never spends the token."""
        if record is None or self.outcome or self.queried:
            return False
        if not hmac.compare_digest(record.byted_token.encode(), self.byted_token.encode()):
            return False
        if record.received_at > self.expires_at + CALLBACK_GRACE_S:
            return False
        self.outcome = APPROVED if record.succeeded else FAILED
        self.signal = "callback"
        return True

    def confirm_by_operator(self) -> None:
        """The operator saw the person finish (the phone may not reach this app's callback)."""
        if not self.outcome:
            self.outcome = APPROVED
            self.signal = "operator"

    def query_refusal(self, now: float | None = None) -> str | None:
        """Why the token must not be queried now, or None when it may be. Upstream the token is single
        use: querying before success burns it and the person has to verify again."""
        state = self.state(now)
        if state == APPROVED:
            return None
        return Said(  # said in the operator's language where shown (lib.i18n.said_in)
            {
                WAITING: N_(
                    "The person has not finished yet. Querying now would use up the one-time token and they would "
                    "have to verify again. Wait for the phone to finish, or confirm by hand once they have."
                ),
                FAILED: N_("The verification failed on the phone. Create a new session and let the person try again."),
                EXPIRED: N_("The link expired before the person finished. Create a new session."),
                USED: N_("This link was already used: it gave the person's group (see the Group step)."),
                SPENT: N_(
                    "This link was used up before the person finished, so it gave no group. Make a new link: the "
                    "person scans again, and nothing else is lost."
                ),
            }[state]
        )


def handoff_text(h5_link: str, expires_at: float, language: str, tz: tzinfo = timezone.utc) -> str:
    """A message the operator can send to the person, in the H5 page's language; the link's end is given in
    `tz` (the page passes the operator's browser zone: the person is usually nearby) with its zone name."""
    until = datetime.fromtimestamp(expires_at, tz=tz).strftime("%H:%M:%S %Z")
    if language == "zh":
        return (
            f"请在手机上打开以下链接完成实名认证（链接在 {until} 前有效）：\n{h5_link}\n"
            "按页面提示同意授权，并完成人脸活体检测。完成后即可关闭页面。"
        )
    if language == "zh-Hant":
        return (
            f"請在手機上打開以下連結完成實名認證（連結在 {until} 前有效）：\n{h5_link}\n"
            "依頁面提示同意授權，並完成人臉活體檢測。完成後即可關閉頁面。"
        )
    return (
        f"Please open this link on your phone to verify your identity (valid until {until}):\n{h5_link}\n"
        "Give your consent and follow the face check on the page. You can close the page when it says done."
    )
