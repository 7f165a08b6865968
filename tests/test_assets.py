"""Parsing pasted lists and CSVs, pre-flight checks, batching."""

import pytest

from lib.assets import (
    MAX_ASSETS_PER_REQUEST,
    AssetRow,
    batched,
    check_rows,
    name_from_url,
    parse_csv,
    parse_pasted,
    request_count,
)


def test_parse_pasted_accepts_url_and_name_forms():
    text = """
    # people
    https://cdn.example.com/a.mp4
    front, https://cdn.example.com/b.mp4
    https://cdn.example.com/c.mp4, side view
    left\thttps://cdn.example.com/d.mp4

    """
    assert parse_pasted(text) == [
        AssetRow("https://cdn.example.com/a.mp4"),
        AssetRow("https://cdn.example.com/b.mp4", "front"),
        AssetRow("https://cdn.example.com/c.mp4", "side view"),
        AssetRow("https://cdn.example.com/d.mp4", "left"),
    ]


def test_parse_csv_with_header_and_without():
    with_header = "Name,URL\nfront,https://x.example/a.png\n,https://x.example/b.png\n"
    assert parse_csv(with_header.encode("utf-8-sig")) == [
        AssetRow("https://x.example/a.png", "front"),
        AssetRow("https://x.example/b.png", ""),
    ]
    assert parse_csv("https://x.example/a.png\nb,https://x.example/b.png") == [
        AssetRow("https://x.example/a.png"),
        AssetRow("https://x.example/b.png", "b"),
    ]
    assert parse_csv("") == []


def test_name_from_url():
    assert name_from_url("https://x.example/path/My%20Face%20Front.mp4?sig=1") == "My-Face-Front"
    assert name_from_url("https://x.example/") == "x.example"
    assert len(name_from_url("https://x.example/" + "a" * 200 + ".mp4")) == 64


def problems(rows, asset_type="Video"):
    return [c.problems for c in check_rows(rows, asset_type)]


def test_checks_flag_each_kind_of_bad_row():
    rows = [
        AssetRow("https://cdn.example.com/ok.mp4", "ok"),
        AssetRow("ftp://cdn.example.com/a.mp4", "ftp"),
        AssetRow("https://cdn.example.com/ok.mp4", "dup"),
        AssetRow("https://cdn.example.com/long.mp4", "n" * 100),
        AssetRow("https://cdn.example.com/notes.txt", "text"),
        AssetRow("https://cdn.example.com/photo.jpg", "photo"),
        AssetRow("http://192.168.1.5/a.mp4", "lan"),
        AssetRow("", "empty"),
    ]
    found = problems(rows)
    assert found[0] == ()
    assert "http:// or https://" in found[1][0]
    assert found[2] == ("duplicate of row 1",)
    assert "100 characters" in found[3][0]
    assert "not a supported video format" in found[4][0]
    assert "is a image file" in found[5][0] or "image file" in found[5][0]
    assert "not public" in found[6][0]
    assert found[7] == ("URL is empty",)


def test_checks_fill_names_and_accept_images():
    checks = check_rows([AssetRow("https://cdn.example.com/face-a.PNG")], "Image")
    assert checks[0].ok and checks[0].name == "face-a"
    # No extension (signed CDN link) cannot be judged offline: allowed.
    assert check_rows([AssetRow("https://cdn.example.com/blob?id=1")], "Video")[0].ok


def test_same_generated_name_is_flagged():
    rows = [AssetRow("https://a.example/face.mp4"), AssetRow("https://b.example/face.mp4")]
    assert "same name as row 1" in check_rows(rows, "Video")[1].reason


def test_unknown_asset_type_is_refused():
    with pytest.raises(ValueError):
        check_rows([], "Audio")


def test_batching_keeps_order_and_size():
    items = list(range(45))
    parts = batched(items)
    assert [len(p) for p in parts] == [20, 20, 5]
    assert sum(parts, []) == items
    assert request_count(0) == 0 and request_count(20) == 1 and request_count(21) == 2
    assert MAX_ASSETS_PER_REQUEST == 20
    with pytest.raises(ValueError):
        batched(items, 0)
