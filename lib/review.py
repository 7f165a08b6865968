"""Review results as pandas frames: usable and failed assets, readable reasons and suggested fixes,
and the exports of the usable list. Pure: no HTTP, no Streamlit."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from lib.exports import csv_bytes
from lib.generation import MAX_IMAGES, MAX_VIDEOS
from lib.i18n import N_
from lib.ledger import FAILED, USABLE, AssetLedger

# Upstream failure codes, said the way an operator can act on them. English msgids (N_): the frames keep the
# English and the pages translate the cells they show (`_(row.reason)`); APIMart's own words pass unchanged.
_REASONS: dict[str, tuple[str, str]] = {
    "FaceMismatch": (
        N_("Another person, several faces, or a poor angle"),
        N_("Use a clear frontal shot of the verified person, alone in the frame"),
    ),
    "InvalidParameter.DownloadFailed": (
        N_("APIMart could not download the file"),
        N_("Check that the URL is public (it opens in a private window) and points at the file itself"),
    ),
    "InvalidParameter": (
        N_("The file was refused as invalid"),
        N_("Check format, size (images < 30 MB, videos < 50 MB), duration (2-15 s) and aspect ratio (0.4-2.5)"),
    ),
    "TaskNotFound": (
        N_("APIMart no longer knows this review task, so its result cannot be read"),
        N_("Resubmit it (the task may have been purged, or made with another API key)"),
    ),
    "NotReported": (
        N_("The review ended without reporting this asset"),
        N_("Resubmit it; if it happens again, contact support with the task id"),
    ),
}
_UNKNOWN = (
    N_("Rejected without a reason"),
    N_("Try another shot of the verified person, or contact support with the task id"),
)

# What caused a failure decides what the operator is asked to do. TRANSIENT: the file was never judged (it
# could not be fetched, the task was lost, the review timed out), so the same URL may pass when resent.
# CONTENT: the file itself was judged and refused (another face, an invalid file, or no reason given):
# resending the same URL would fail the same way, so a replacement is asked for.
TRANSIENT, CONTENT = "transient", "content"
_TRANSIENT_CODES = frozenset(
    {
        "InvalidParameter.DownloadFailed",
        "DownloadFailed",
        "TaskNotFound",
        "NotReported",
        "InternalError",
        "ServiceUnavailable",
        "Throttling",
    }
)
_TRANSIENT_WORDS = ("timeout", "timedout", "downloadfailed", "throttl", "ratelimit")
# The operator's words for each asset type's replacement.
_ANOTHER = {"Image": N_("choose another photo"), "Video": N_("choose another clip")}
RESEND_AS_IS = N_("resend as is")

USABLE_COLUMNS = ["name", "asset_url", "source_url", "attempt", "asset_id", "task_id", "asset_type"]
FAILED_COLUMNS = [
    "key",
    "name",
    "source_url",
    "code",
    "reason",
    "fix",
    "said",
    "cause",
    "next",
    "attempt",
    "previous_codes",
    "task_id",
    "asset_type",
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


def cause(code: str | None) -> str:
    """TRANSIENT when the asset was never judged (resending the same URL may work), else CONTENT."""
    if not code:
        return CONTENT  # refused without a reason: the file was judged, nothing says it could pass
    if code in _TRANSIENT_CODES or code.rsplit(".", 1)[-1] in _TRANSIENT_CODES:
        return TRANSIENT
    folded = code.replace("_", "").replace(".", "").lower()
    return TRANSIENT if any(word in folded for word in _TRANSIENT_WORDS) else CONTENT


def needs_new_url(code: str | None) -> bool:
    """A failure caused by the content: resubmitting asks for another file, never the same URL."""
    return cause(code) == CONTENT


def next_step(code: str | None, asset_type: str) -> str:
    """What the row asks for: "resend as is", or "choose another photo/clip"."""
    if not needs_new_url(code):
        return RESEND_AS_IS
    return _ANOTHER.get(asset_type, N_("choose another file"))


def upstream_words(code: str | None, message: str | None, reason: str) -> str:
    """APIMart's own message for a failure, when it says something our reason does not already say."""
    said = " ".join((message or "").split())
    return "" if not said or said in (reason, code) else said


def usable_frame(ledger: AssetLedger) -> pd.DataFrame:
    rows = [
        {
            "name": a.name,
            "asset_url": a.current.asset_url or "",
            "source_url": a.current.url,
            "attempt": a.current.number,
            "asset_id": a.current.asset_id or "",
            "task_id": a.current.task_id or "",
            "asset_type": _type_of(a.current, ledger),
        }
        for a in ledger.by_status(USABLE)
    ]
    return pd.DataFrame(rows, columns=USABLE_COLUMNS)


def failed_frame(ledger: AssetLedger) -> pd.DataFrame:
    rows = []
    for a in ledger.by_status(FAILED):
        code, message = a.current.error_code, a.current.error_message
        reason, fix = explain(code, message)
        rows.append(
            {
                "key": a.key,
                "name": a.name,
                "source_url": a.current.url,
                "code": code or "",
                "reason": reason,
                "fix": fix,
                "said": upstream_words(code, message, reason),
                "cause": cause(code),
                "next": next_step(code, _type_of(a.current, ledger)),
                "attempt": a.current.number,
                "previous_codes": ", ".join(a.previous_codes),
                "task_id": a.current.task_id or "",
                "asset_type": _type_of(a.current, ledger),
            }
        )
    return pd.DataFrame(rows, columns=FAILED_COLUMNS)


def _type_of(attempt, ledger: AssetLedger) -> str:
    # An attempt may carry its own type (a list can mix photos and clips); else the ledger's.
    return getattr(attempt, "asset_type", "") or ledger.asset_type


def failure_groups(failed: pd.DataFrame) -> list[dict]:
    """The failed assets grouped by what went wrong (same code, same words from APIMart), largest group
    first: each with the whole reason, fix, APIMart's words, what to do next and the assets' names."""
    groups: dict[tuple, dict] = {}
    for row in failed.itertuples():
        group = groups.setdefault(
            (row.code, row.reason, row.said),
            {
                "code": row.code,
                "reason": row.reason,
                "fix": row.fix,
                "said": row.said,
                "next": row.next,
                "names": [],
            },
        )
        group["names"].append(row.name)
    return sorted(groups.values(), key=lambda g: -len(g["names"]))


def resubmit_plan(edited: pd.DataFrame) -> tuple[dict[int, str], list[str]]:
    """From the failed table as edited (columns key, name, source_url, code, resubmit, new_url): the URL to
    send for each ticked asset, and the names of ticked assets refused for content that have no new URL
    (those are not sent: the same file would be refused again)."""
    replacements: dict[int, str] = {}
    missing: list[str] = []
    for row in edited.itertuples():
        if pd.isna(row.resubmit) or not bool(row.resubmit):
            continue
        new_url = "" if pd.isna(row.new_url) else str(row.new_url).strip()
        if not new_url and needs_new_url(row.code or None):
            missing.append(row.name)
            continue
        replacements[int(row.key)] = new_url or row.source_url
    return replacements, missing


def generate_picks(usable: pd.DataFrame, chosen: list[int] | None = None) -> list[str]:
    """The asset:// URLs to preselect on Generate: the chosen rows of the approved table (all when none are
    chosen), at most as many of each type as one video can use (photos 9, clips 3)."""
    frame = usable.iloc[chosen] if chosen else usable
    taken: dict[str, int] = {}
    picks = []
    for url, asset_type in zip(frame["asset_url"], frame["asset_type"], strict=True):
        if url and taken.get(asset_type, 0) < pick_limit(asset_type):
            taken[asset_type] = taken.get(asset_type, 0) + 1
            picks.append(url)
    return picks


def pick_limit(asset_type: str) -> int:
    """How many assets of this type one generation request takes (photos 9, clips 3)."""
    return MAX_VIDEOS if asset_type == "Video" else MAX_IMAGES


def thumbnails(frame: pd.DataFrame, previews: Mapping[str, str] | None = None) -> pd.Series:
    """An image to show for each row: the app's own thumbnail of a file it hosts (`previews`, by source URL:
    a photo, or a clip's poster frame), else a photo's source file (its asset:// URL shows nothing in a
    browser), none for a clip."""
    shown = (frame["asset_type"] == "Image") & frame["source_url"].str.match(r"(?i)^https?://")
    plain = frame["source_url"].where(shown, None)
    if not previews:
        return plain
    own = frame["source_url"].map(previews)
    return own.where(own.notna(), plain)


# The columns of the review's two tables, in order (a thumbnail goes first when the list has photos).
APPROVED_SHOWN = ["name", "asset_url", "source_url", "attempt"]
FAILED_SHOWN = ["name", "next", "reason", "fix", "said", "source_url", "code", "attempt", "previous_codes"]


def has_photos(*frames: pd.DataFrame) -> bool:
    """Whether any row is a photo (a list may mix photos and clips): photos get a thumbnail column."""
    return any(bool((frame["asset_type"] == "Image").any()) for frame in frames)


def approved_shown(
    usable: pd.DataFrame, photos: bool, previews: Mapping[str, str] | None = None
) -> pd.DataFrame:
    shown = usable.assign(thumbnail=thumbnails(usable, previews))
    return shown[(["thumbnail"] if photos else []) + APPROVED_SHOWN]


def failed_shown(
    failed: pd.DataFrame, photos: bool, previews: Mapping[str, str] | None = None
) -> pd.DataFrame:
    return failed.assign(thumbnail=thumbnails(failed, previews))[
        (["thumbnail"] if photos else []) + FAILED_SHOWN
    ]


def failed_editable(
    failed: pd.DataFrame, photos: bool, previews: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The failed table to edit: a tick and an empty new URL per row."""
    # "Replace URL with" stays two cells right of the name: resubmit, name, source URL, new URL, ...
    columns = ["resubmit", "name", "source_url", "new_url", *FAILED_SHOWN[1:5], "code", "attempt"]
    return failed.assign(resubmit=True, new_url="", thumbnail=thumbnails(failed, previews))[
        columns + (["thumbnail"] if photos else [])
    ]


def with_edits(failed: pd.DataFrame, edited_rows: dict) -> pd.DataFrame:
    """The failed table with the operator's ticks and new URLs (a data editor's `edited_rows`)."""
    frame = failed.assign(resubmit=True, new_url="")
    for row, changes in edited_rows.items():
        for column, value in changes.items():
            if column in ("resubmit", "new_url"):
                frame.loc[frame.index[int(row)], column] = value
    return frame


def history_frame(ledger: AssetLedger) -> pd.DataFrame:
    """Every attempt of every asset, oldest first: the audit trail behind the two tables."""
    rows = [
        {
            "name": a.name,
            "attempt": t.number,
            "status": t.status,
            "source_url": t.url,
            "asset_url": t.asset_url or "",
            "code": t.error_code or "",
            "task_id": t.task_id or "",
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
