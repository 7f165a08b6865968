"""The operator's file rows as data (lib/media/rows) and their words (lib/ui/media_words): names kept apart, a
fixed file taking its row, the phone poll's new rows, table-cell thumbnails, which addresses the internet
cannot reach; every finding code the check makes has a phrase and every fix a button label."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from lib.assets import AssetRow
from lib.media import report as report_module
from lib.media import rows
from lib.media.report import Finding, Fix, Kind, MediaReport, Severity
from lib.ui import media_words

MEDIA = "http://127.0.0.1:8501/files/{}.jpg"
ID_A, ID_B = "a" * 32, "b" * 32


def test_new_files_join_the_draft_once_with_names_kept_apart():
    draft = [AssetRow("https://cdn.example.com/front.jpg", "IMG_0001")]
    new = [(MEDIA.format(ID_A), "img_0001", "Image"), (MEDIA.format(ID_B), "IMG_0001", "Image")]
    added, already = rows.add_rows(draft, new)
    assert [r.name for r in added] == ["IMG_0001", "img_0001 2", "IMG_0001 3"]
    assert [r.asset_type for r in added[1:]] == ["Image", "Image"]
    assert already == []

    again, already = rows.add_rows(added, [(MEDIA.format(ID_B), "IMG_0001", "Image")])
    assert again == added and already == [0], "the same file twice is said once"


def test_a_fixed_file_takes_its_originals_row_and_name():
    draft = [AssetRow(MEDIA.format(ID_A), "front", "Image"), AssetRow("https://x.example/b.jpg", "b")]
    fixed = rows.replace_url(draft, MEDIA.format(ID_A), MEDIA.format(ID_B), "Image")
    assert fixed[0] == AssetRow(MEDIA.format(ID_B), "front", "Image") and fixed[1] == draft[1]
    # The fixed file is already a row (its twin was fixed first): the original's row just goes.
    twice = rows.replace_url([*fixed, AssetRow(MEDIA.format(ID_A), "copy", "Image")], MEDIA.format(ID_A),
                             MEDIA.format(ID_B), "Image")  # fmt: skip
    assert [r.name for r in twice] == ["front", "b"]


@dataclass
class Kept:
    id: str
    source: str
    created_at: float


def test_the_phone_poll_takes_new_phone_files_once():
    arrived = [Kept("1", "phone", 10.0), Kept("2", "computer", 11.0), Kept("3", "phone", 12.0)]
    assert [r.id for r in rows.unseen(arrived, {"1"})] == ["3"]
    assert rows.newest(arrived, 5.0) == 12.0
    assert rows.newest([], 5.0) == 5.0


def test_media_ids_only_for_this_apps_file_urls():
    found = rows.media_ids(
        [
            MEDIA.format(ID_A),
            "https://cdn.example.com/lin/front-0.jpg",
            f"https://b.s3.example/{ID_B}.mp4?X-Amz=1",
        ]
    )
    assert found == {MEDIA.format(ID_A): ID_A, f"https://b.s3.example/{ID_B}.mp4?X-Amz=1": ID_B}


def test_a_table_cell_gets_a_small_thumbnail(tmp_path: Path):
    big = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 30, 30)).save(big, "JPEG", quality=95)
    uri = rows.cell_uri(big.getvalue())
    small = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert uri.startswith("data:image/jpeg;base64,") and max(small.size) == rows.CELL_SIDE
    assert rows.cell_uri(None) is None and rows.cell_uri(b"not a picture") is None


def test_addresses_the_internet_cannot_reach():
    for local in (
        "http://127.0.0.1:8501",
        "http://localhost:8501",
        "http://192.168.1.20:8501",
        "http://desk",
    ):
        assert rows.unreachable_from_outside(local + "/files/x.jpg"), local
    for public in ("https://desk.example.com", "https://abc.trycloudflare.com/files/x.jpg"):
        assert rows.unreachable_from_outside(public) is None, public


def test_every_finding_code_has_words_and_every_fix_a_button():
    codes = re.findall(r"[a-z_]+", report_module.__doc__.split("Finding codes:", 1)[1])
    codes = [c for c in codes if c not in ("any", "file", "pictures", "videos")]
    assert len(codes) == 17
    blank = MediaReport(Kind.IMAGE, "jpeg", 1000, width=7000, height=3000)
    for code in codes:
        phrase = media_words.finding_phrase(Finding(code, Severity.WARNING), blank)
        assert phrase and phrase != code.replace("_", " "), code
    assert set(media_words.FIX_LABELS) == set(Fix) == set(media_words.FIX_HELP)
    assert media_words.finding_phrase(Finding("new_code", Severity.WARNING), blank) == "new code"


def test_verdicts_say_ready_needs_a_fix_or_cannot_be_sent():
    too_large = Finding(
        "too_large", Severity.FIXABLE, {"width": 7000, "height": 3000, "max": 6000}, (Fix.DOWNSCALE,)
    )
    fixable = MediaReport(Kind.IMAGE, "jpeg", 1000, 7000, 3000, findings=(too_large,))
    assert (
        media_words.verdict(fixable).text
        == "🔧 Needs a fix: 7000 px wide, the limit is 6000 (Make smaller, below)"
    )
    assert media_words.verdict(fixable).blocks
    refused = MediaReport(
        Kind.UNKNOWN, "", 10, findings=(Finding("format", Severity.REFUSED, {"detected": ""}),)
    )
    assert media_words.verdict(refused).text == "🚫 Can't be sent: this is not a picture or video"
    two = MediaReport(
        Kind.IMAGE, "jpeg", 1000, 900, 600, findings=(Finding("faces", Severity.WARNING, {"count": 2}),)
    )
    assert media_words.verdict(two).text == "⚠️ Ready, but: 2 faces found: one person per photo"
    assert not media_words.verdict(two).blocks
    assert media_words.verdict(MediaReport(Kind.IMAGE, "jpeg", 1000, 900, 600)).text == "✅ Ready"
