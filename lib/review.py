"""Review results as pandas frames: usable and failed assets, readable reasons and suggested fixes,
and the exports of the usable list. Pure: no HTTP, no Streamlit."""

from __future__ import annotations

import json

import pandas as pd

from lib.exports import csv_bytes
from lib.ledger import FAILED, USABLE, AssetLedger

# Upstream failure codes, said the way an operator can act on them.
_REASONS: dict[str, tuple[str, str]] = {
    "FaceMismatch": (
        "Another person, several faces, or a poor angle",
        "Use a clear frontal shot of the verified person, alone in the frame",
    ),
    "InvalidParameter.DownloadFailed": (
        "APIMart could not download the file",
        "Check that the URL is public (it opens in a private window) and points at the file itself",
    ),
    "InvalidParameter": (
        "The file was refused as invalid",
        "Check format, size (images < 30 MB, videos < 50 MB), duration (2-15 s) and aspect ratio (0.4-2.5)",
    ),
    "TaskNotFound": (
        "APIMart no longer knows this review task, so its result cannot be read",
        "Resubmit it (the task may have been purged, or made with another API key)",
    ),
    "NotReported": (
        "The review ended without reporting this asset",
        "Resubmit it; if it happens again, contact support with the task id",
    ),
}
_UNKNOWN = (
    "Rejected without a reason",
    "Try another shot of the verified person, or contact support with the task id",
)

USABLE_COLUMNS = ["name", "asset_url", "source_url", "attempt", "asset_id"]
FAILED_COLUMNS = [
    "key",
    "name",
    "source_url",
    "code",
    "reason",
    "fix",
    "attempt",
    "previous_codes",
    "task_id",
]


def explain(code: str | None, message: str | None = None) -> tuple[str, str]:
    """(readable reason, suggested fix) for an upstream error code."""
    if code and code in _REASONS:
        return _REASONS[code]
    if code and code.split(".")[0] in _REASONS:
        reason, fix = _REASONS[code.split(".")[0]]
        return (message or reason), fix
    if message:
        return message, _UNKNOWN[1]
    return _UNKNOWN


def usable_frame(ledger: AssetLedger) -> pd.DataFrame:
    rows = [
        {
            "name": a.name,
            "asset_url": a.current.asset_url,
            "source_url": a.current.url,
            "attempt": a.current.number,
            "asset_id": a.current.asset_id,
        }
        for a in ledger.by_status(USABLE)
    ]
    return pd.DataFrame(rows, columns=USABLE_COLUMNS)


def failed_frame(ledger: AssetLedger) -> pd.DataFrame:
    rows = []
    for a in ledger.by_status(FAILED):
        reason, fix = explain(a.current.error_code, a.current.error_message)
        rows.append(
            {
                "key": a.key,
                "name": a.name,
                "source_url": a.current.url,
                "code": a.current.error_code or "",
                "reason": reason,
                "fix": fix,
                "attempt": a.current.number,
                "previous_codes": ", ".join(a.previous_codes),
                "task_id": a.current.task_id,
            }
        )
    return pd.DataFrame(rows, columns=FAILED_COLUMNS)


def history_frame(ledger: AssetLedger) -> pd.DataFrame:
    """Every attempt of every asset, oldest first: the audit trail behind the two tables."""
    rows = [
        {
            "name": a.name,
            "attempt": t.number,
            "status": t.status,
            "source_url": t.url,
            "asset_url": t.asset_url,
            "code": t.error_code or "",
            "task_id": t.task_id,
        }
        for a in ledger.assets.values()
        for t in a.attempts
    ]
    return pd.DataFrame(
        rows, columns=["name", "attempt", "status", "source_url", "asset_url", "code", "task_id"]
    )


def usable_csv(frame: pd.DataFrame) -> bytes:
    return csv_bytes(frame[["name", "asset_url", "source_url"]])


def usable_json(frame: pd.DataFrame, group_id: str) -> bytes:
    records = frame[["name", "asset_url", "source_url"]].to_dict(orient="records")
    return json.dumps({"group_id": group_id, "usable_assets": records}, indent=2, ensure_ascii=False).encode(
        "utf-8"
    )
