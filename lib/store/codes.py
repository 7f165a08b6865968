"""The status codes the store keeps: short, stable strings, the same in every database and export. Words
for them are made in lib/ui/words.py, never here. Existing files hold exactly these values already."""

from __future__ import annotations

from enum import Enum


class Code(str, Enum):
    """A stored code: equal to its plain string, and printed as it (not as `Class.MEMBER`)."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class AssetStatus(Code):
    PENDING = "pending"
    USABLE = "usable"
    FAILED = "failed"
    # Written before a request goes out (write-ahead); read back after a restart it means UNKNOWN.
    SENDING = "sending"
    # The request may have been carried out, but no answer says so: never sent again without the operator.
    UNKNOWN = "unknown"


class VideoStatus(Code):
    """Upstream's task statuses plus the app's own (submitting, unknown, not sent, dismissed)."""

    SUBMITTING = "submitting"  # written before the POST
    SUBMITTED = "submitted"
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"  # the POST may have created a billable video; no task id came back
    NOT_SENT = "not sent"  # refused before anything was created
    DISMISSED = "dismissed"  # unknown, and the operator chose not to send it again


# A video row in one of these never changes again. Any other status may still move upstream.
FINAL_VIDEO_STATUSES = (
    VideoStatus.COMPLETED,
    VideoStatus.FAILED,
    VideoStatus.CANCELLED,
    VideoStatus.NOT_SENT,
    VideoStatus.DISMISSED,
)


class VerificationStatus(Code):
    WAITING = "waiting"
    USED = "used"
    EXPIRED = "expired"
    FAILED = "failed"
    RESULT_UNREAD = "result unread"  # the group id waits in a task nobody could read yet


class SubmissionStatus(Code):
    SENDING = "sending"
    SENT = "sent"
    PARTIAL = "partial"
    FAILED = "failed"
    UNKNOWN = "unknown"


class IntentOutcome(Code):
    """An intent left open (a crash between writing it and the POST's answer) reads as unknown."""

    UNKNOWN = "unknown"


def plain(code: object) -> object:
    """A code as the plain string a driver stores (an Enum member is a str, but drivers need not agree)."""
    return code.value if isinstance(code, Enum) else code
