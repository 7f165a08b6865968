"""Issue 13 in Chromium, on a real `streamlit run` in sandbox mode with app-hosted files: six files of mixed
kinds dropped at once are checked, the fixable one is fixed with one click, the sendable ones are reviewed by
the sandbox from their real bytes; a phone (a second context with a phone's profile) sends a photo through the
capture link of the Group step's QR code and the operator's Submit table shows it by itself; a closed or
expired capture link shows the refusal page."""

from __future__ import annotations

import base64
import contextlib
import io
import re
import sqlite3
import time

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from lib.sandbox.control import SandboxControl
from lib.server import SANDBOX_PREFIX
from tests.browser.helpers import (
    expect_review_counts,
    group_id_on_screen,
    idle,
    label_group,
    operator_page,
    quick_realistic_timing,
    send_table,
    verify_with_phone,
)
from tests.helpers.media_files import two_astronauts, write_photo, write_video
from tests.serving import streamlit_app

pytest.importorskip("zxingcpp")


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The app with a registry and a media folder of its own (its files are looked at by the tests)."""
    root = tmp_path_factory.mktemp("files-desk")
    env = {"AVATAR_DESK_DB": str(root / "avatar-desk.db"), "AVATAR_DESK_MEDIA_DIR": str(root / "media")}
    with streamlit_app(env) as base:
        yield base, root


@pytest.fixture
def desk_sandbox(desk):
    control = SandboxControl(f"{desk[0]}{SANDBOX_PREFIX}")
    control.post("reset")
    quick_realistic_timing(control)
    return control


@pytest.fixture
def desk_operator(browser, request, desk, desk_sandbox):
    with operator_page(browser, desk[0], request.node.name) as page:
        yield page


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The six files an operator drops at once, by what they are."""
    folder = tmp_path_factory.mktemp("files")
    return {
        "good": write_photo(folder / "lin-front.jpg"),
        "heic": write_photo(folder / "lin-side.heic", fmt="heic"),
        "wide": write_photo(folder / "lin-beach.jpg", canvas=(1500, 500)),  # 3:1, the limit is 2.5
        "small": write_photo(folder / "lin-tiny.jpg", size=(200, 200)),
        "pair": write_photo(folder / "lin-and-twin.jpg", two_astronauts()),
        "clip": write_video(folder / "lin-wave.mp4", 2.5, 24, 720, 720),
    }


@pytest.fixture
def pixel(browser, playwright_devices):
    """A phone of the person's: Playwright's Pixel 7 profile (screen, user agent, touch)."""
    context = browser.new_context(**playwright_devices["Pixel 7"])
    yield context
    context.close()


def grid_with(page: Page, column: str):
    """The data grid with this column heading. Streamlit keeps each grid's cells in an accessible table in
    the DOM (the rows on screen), where an image cell holds its data: URI."""
    heading = page.locator("th[role=columnheader]").filter(has_text=re.compile(rf"^{re.escape(column)}$"))
    return page.get_by_test_id("stDataFrame").filter(has=heading)


def row_of(grid, name: str):
    """The grid's row with a cell that says exactly `name` (the accessible table is hidden from roles)."""
    cell = grid.page.locator("td[role=gridcell]").filter(has_text=re.compile(rf"^{re.escape(name)}$"))
    return grid.locator("tr[role=row]").filter(has=cell)


def thumbnail_in(row) -> Image.Image:
    """The picture in the row's image cell (a small JPEG as a data: URI)."""
    uri = row.locator("td[role=gridcell]").filter(has_text=re.compile(r"^data:image/")).text_content()
    head, _, payload = uri.partition(",")
    assert head == "data:image/jpeg;base64", head
    picture = Image.open(io.BytesIO(base64.b64decode(payload)))
    picture.load()
    low, high = picture.convert("L").getextrema()
    assert high - low > 64, "a picture, not a blank tile"
    return picture


def drop(operator: Page, paths) -> None:
    """All of `paths` at once into Submit's "From this computer" drop zone (its key changes after each drop)."""
    operator.get_by_role("tab", name="From this computer").click()
    zone = operator.locator('[class*="st-key-submit__files_"] input[type="file"]')
    expect(zone).to_have_count(1)
    zone.set_input_files([str(p) for p in paths])


def test_six_dropped_files_are_checked_fixed_sent_and_judged_by_their_bytes(
    desk_operator: Page, phone_context, desk_sandbox, desk, files
):
    operator = desk_operator
    verify_with_phone(operator, phone_context)
    label_group(operator, "Lin Wei")

    drop(operator, files.values())
    # The photo too small for anything is refused with its reason and kept out of the table.
    expect(operator.get_by_text(re.compile(r"^1 file can't be sent"))).to_be_visible()
    expect(
        operator.get_by_text(re.compile(r"lin-tiny\.jpg: 200×200 px: each side needs at least 300"))
    ).to_be_visible()
    checks = grid_with(operator, "Check")
    verdicts = {
        "lin-front": "✅ Ready",
        "lin-side": "⚠️ Ready, but: a HEIC photo",
        "lin-beach": "🔧 Needs a fix: too wide (1500×500)",
        "lin-and-twin": "⚠️ Ready, but: 2 faces found",
        "lin-wave": "✅ Ready",
    }
    for name, verdict in verdicts.items():
        expect(row_of(checks, name)).to_contain_text(verdict)
    expect(row_of(checks, "lin-tiny")).to_have_count(0)
    idle(operator)
    for name in verdicts:  # each row has its thumbnail (the clip: its poster frame)
        assert max(thumbnail_in(row_of(checks, name)).size) <= 320, name
    wide = thumbnail_in(row_of(checks, "lin-beach"))
    assert wide.width / wide.height == pytest.approx(3.0, abs=0.1), wide.size

    # One click pads the panorama: a new file takes the row, and it is ready.
    operator.get_by_role("button", name="Pad to fit").click()
    expect(row_of(checks, "lin-beach")).to_contain_text("✅ Ready")
    padded = thumbnail_in(row_of(checks, "lin-beach"))
    assert padded.width / padded.height == pytest.approx(2.5, abs=0.1), padded.size
    send_table(operator, 5)

    # The sandbox downloads each file from the app's /files/ route and judges its bytes.
    expect_review_counts(operator, 4, 1)
    approved = grid_with(operator, "asset:// URL (use in Seedance 2.0)")
    for name in ("lin-front", "lin-side", "lin-beach", "lin-wave"):
        expect(row_of(approved, name)).to_have_count(1)
        thumbnail_in(row_of(approved, name))
    sent_wide = thumbnail_in(row_of(approved, "lin-beach"))
    assert sent_wide.width / sent_wide.height == pytest.approx(2.5, abs=0.1), "the padded file was sent"
    failed = grid_with(operator, "Why not approved")
    expect(row_of(failed, "lin-and-twin")).to_contain_text("2 faces were found")
    pair = thumbnail_in(row_of(failed, "lin-and-twin"))
    assert pair.width / pair.height == pytest.approx(2.0, abs=0.1), pair.size

    # Hosted: the five sent files and the padded panorama's original; nothing for the refused photo. (Not
    # counted: the server's marker folder, .servers, by which servers sharing the folder know it.)
    hosted = [p for p in (desk[1] / "media").iterdir() if not p.name.startswith(".")]
    assert len(hosted) == 6, hosted


def registry(desk, sql: str, *params) -> int:
    """Run one statement on the app's registry; the number of rows it changed or found."""
    with contextlib.closing(sqlite3.connect(desk[1] / "avatar-desk.db", timeout=10)) as db, db:
        cursor = db.execute(sql, params)
        return cursor.rowcount if sql.startswith("UPDATE") else len(cursor.fetchall())


def open_phone_link(operator: Page) -> str:
    """On the Group step: open the phone capture link; returns the link its QR code holds (decoded from a
    screenshot, as a phone's camera reads it), checked against the link written beside it."""
    import zxingcpp

    operator.get_by_role("button", name="Open a phone link").click()
    qr = operator.get_by_test_id("stImage").filter(has_text="Scan with the person's phone").locator("img")
    expect(qr).to_be_visible()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert len(found) == 1, "one QR code in the card"
    link = found[0].text
    expect(operator.get_by_test_id("stCode").filter(has_text=link)).to_have_count(1)
    return link


def test_a_phone_sends_a_photo_through_the_capture_link_and_the_submit_table_shows_it(
    desk_operator: Page, phone_context, pixel, desk_sandbox, desk, tmp_path
):
    operator = desk_operator
    verify_with_phone(operator, phone_context)
    label_group(operator, "Mei Chen")
    operator.get_by_role("link", name="Add photos from the person's phone").click()
    link = open_phone_link(operator)
    assert re.fullmatch(rf"{re.escape(desk[0])}/capture/[\w-]{{32}}", link), link
    operator.get_by_role("link", name="See them on the Submit step").click()
    expect(operator.get_by_text(re.compile(r"^The phone link is open"))).to_be_visible()
    idle(operator)

    phone = pixel.new_page()
    phone.goto(link)
    photo = write_photo(tmp_path / "IMG_2041.jpg")
    phone.set_input_files("#capture-camera", str(photo))
    sent = phone.locator("#capture-sent li").filter(has_text="IMG_2041.jpg")
    expect(sent).to_have_attribute("data-status", "sent")

    # No click on the operator's side: the Submit page polls and the phone's photo joins the table, checked.
    # Bounded: the page polls every second (the issue asks for 2 s; 5 s leaves room on a loaded machine).
    checks = grid_with(operator, "Check")
    expect(row_of(checks, "IMG_2041")).to_contain_text("✅ Ready", timeout=5_000)
    thumbnail_in(row_of(checks, "IMG_2041"))
    expect(operator.get_by_role("button", name=re.compile(r"^Send 1 asset"))).to_be_enabled()


def test_a_closed_or_expired_capture_link_is_refused_on_the_phone(
    desk_operator: Page, phone_context, pixel, desk_sandbox, desk, tmp_path
):
    operator = desk_operator
    verify_with_phone(operator, phone_context)
    group_id = group_id_on_screen(operator)
    first = open_phone_link(operator)
    phone = pixel.new_page()
    phone.goto(first)
    expect(phone.locator("#capture-camera")).to_be_attached()

    # The operator closes the link: a pick on the page still open is refused, and the link shows the refusal.
    operator.get_by_role("button", name="Close the link").click()
    expect(operator.get_by_role("button", name="Open a phone link")).to_be_visible()
    phone.set_input_files("#capture-gallery", str(write_photo(tmp_path / "late.jpg")))
    expect(phone.locator("#capture-sent li").filter(has_text="late.jpg")).to_contain_text("no longer valid")
    phone.reload()
    expect(phone.locator("#capture-refused")).to_contain_text("This link is not valid")
    expect(phone.locator("#capture-camera")).to_have_count(0)

    # A new link, then its time runs out (its end moved to the past in the registry: the lifetime is
    # 30 minutes); the operator's card notices by itself and the phone gets the same refusal.
    second = open_phone_link(operator)
    assert second != first
    moved = registry(
        desk,
        "UPDATE capture_links SET expires_at = ? WHERE group_id = ? AND closed_at IS NULL",
        time.time() - 1,
        group_id,
    )
    assert moved == 1
    expect(operator.get_by_role("button", name="Open a phone link")).to_be_visible()
    phone.goto(second)
    expect(phone.locator("#capture-refused")).to_contain_text("This link is not valid")
    assert registry(desk, "SELECT id FROM media WHERE group_id = ?", group_id) == 0, "nothing was received"
