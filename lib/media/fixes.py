"""One entry for every one-click fix: a picture's go to lib.media.image_fixes, a video's to
lib.media.video_fixes. Each writes a new file in out_dir and returns its path; the original is untouched."""

from __future__ import annotations

from pathlib import Path

from lib.media.image_fixes import fix_image
from lib.media.report import Fix, Kind, MediaReport


def apply_fix(path: Path, fix: Fix, report: MediaReport, out_dir: Path) -> Path:
    """The fixed copy of the file at path (report: its check); ValueError when the fix does not apply."""
    if report.kind is Kind.IMAGE:
        return fix_image(path, fix, report, out_dir)
    if report.kind is Kind.VIDEO:
        from lib.media.video_fixes import fix_video  # PyAV loads only when a video comes

        return fix_video(path, fix, report, out_dir)
    raise ValueError("only a picture or a video can be fixed")
