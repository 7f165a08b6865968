"""A corpus of bad (and awkward but good) input. Each entry says what must happen: refused with a reason
(a fragment of it), or sent, and then exactly which URL and name go out. Nothing may crash: the entries run
through the library (check_rows, parse_csv) and a selection through the Submit page in AppTest."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import pytest
import requests

from lib.assets import AssetRow, check_rows, decode_csv, parse_csv
from tests.helpers.apptest import button, open_page, table, texts, verified

X = "https://cdn.example.com"


@dataclass(frozen=True)
class Case:
    id: str
    url: str
    name: str = ""
    refused: str | None = None  # a fragment of the reason; None: the row is sent
    sent_url: str | None = None  # None: sent as typed
    sent_name: str | None = None  # None: not asserted
    asset_type: str = "Video"


def refused(id, url, reason, name="", asset_type="Video"):
    return Case(id, url, name, refused=reason, asset_type=asset_type)


def sent(id, url, sent_url=None, name="", sent_name=None, asset_type="Video"):
    return Case(id, url, name, sent_url=sent_url, sent_name=sent_name, asset_type=asset_type)


ROWS = [
    # emptiness, whitespace, control and invisible characters
    refused("empty", "", "URL is empty"),
    refused("only-spaces", "   \t ", "URL is empty"),
    refused("inner-space", f"{X}/a b.mp4", "spaces"),
    refused("nbsp", f"{X}/a\u00a0b.mp4", "spaces"),
    refused("ideographic-space", f"{X}/a\u3000b.mp4", "spaces"),
    refused("nul-byte", f"{X}/a\x00.mp4", "control character (U+0000)"),
    refused("crlf-header-injection", f"{X}/a.mp4\r\nX-Injected: 1", "control character"),
    refused("inner-tab", f"{X}/a\t.mp4", "control character (U+0009)"),
    refused("del-char", f"{X}/a\x7f.mp4", "control character (U+007F)"),
    refused("zero-width-inside", f"{X}/a\u200b.mp4", "invisible character (U+200B)"),
    refused("bidi-override", f"{X}/\u202e4pm.exe", "invisible character (U+202E)"),
    sent("bom-and-zwsp-at-edges", f"\ufeff{X}/bom.mp4\u200b", f"{X}/bom.mp4"),
    sent("padded", f"   {X}/pad.mp4 \n", f"{X}/pad.mp4"),
    # schemes
    refused("javascript", "javascript:alert(document.cookie)", "found javascript"),
    refused("data", "data:video/mp4;base64,AAAAIGZ0eXA=", "found data"),
    refused("file", "file:///etc/passwd", "found file"),
    refused("ftp", "ftp://cdn.example.com/a.mp4", "found ftp"),
    refused("scheme-relative", "//cdn.example.com/a.mp4", "no scheme"),
    refused("no-scheme", "cdn.example.com/a.mp4", "no scheme"),
    refused("host-port-no-scheme", "cdn.example.com:443/a.mp4", "no scheme"),
    refused("one-slash", "http:/cdn.example.com/a.mp4", "without //"),
    refused("backslashes", "https:\\\\cdn.example.com\\a.mp4", "without //"),
    sent("upper-case-scheme-and-host", "HTTPS://CDN.Example.COM/Clip.MP4", f"{X}/Clip.MP4", sent_name="Clip"),
    # host and authority
    refused("empty-host", "https:///a.mp4", "no host name"),
    refused("credentials", "https://user:pass@cdn.example.com/a.mp4", "user name or password"),
    refused("user-only", "https://user@cdn.example.com/a.mp4", "user name or password"),
    refused("at-in-host-trick", "https://cdn.example.com@127.0.0.1/a.mp4", "user name or password"),
    refused("port-99999", f"{X}:99999/a.mp4", "port must be a number from 1 to 65535"),
    refused("port-0", f"{X}:0/a.mp4", "port must be"),
    refused("port-text", f"{X}:abc/a.mp4", "port must be"),
    sent("default-port-dropped", f"{X}:443/a.mp4", f"{X}/a.mp4"),
    sent("other-port-kept", f"{X}:8443/a.mp4"),
    refused("malformed-ipv6", "http://[::1/a.mp4", "not a valid IPv6 address"),
    refused("not-ipv6-in-brackets", "http://[cdn.example.com]/a.mp4", "not a valid IPv6 address"),
    refused("ipv6-loopback", "http://[::1]/a.mp4", "not public"),
    refused("trailing-dot-loopback", "http://localhost./a.mp4", "not public"),
    sent("trailing-dot", "https://cdn.example.com./a.mp4", f"{X}/a.mp4"),
    refused("double-dot", "https://cdn..example.com/a.mp4", "not valid"),
    refused("leading-hyphen-label", "https://-cdn.example.com/a.mp4", "not valid"),
    refused("underscore-only-host", "https://_/a.mp4", "local name"),
    refused("decimal-loopback", "http://2130706433/a.mp4", "127.0.0.1 is a loopback"),
    refused("short-loopback", "http://127.1/a.mp4", "127.0.0.1 is a loopback"),
    refused("hex-loopback", "http://0x7f000001/a.mp4", "loopback"),
    refused("octal-loopback", "http://0177.0.0.1/a.mp4", "loopback"),
    refused("metadata-decimal", "http://2852039166/latest/meta-data/", "link-local"),
    refused("mapped-loopback", "http://[::ffff:127.0.0.1]/a.mp4", "loopback"),
    refused("lan", "http://192.168.1.5/a.mp4", "private"),
    refused("cgnat", "http://100.64.1.1/a.mp4", "non-public"),
    refused("localhost-sandbox", "http://localhost:8501/sandbox/a.mp4", "not public"),
    refused("numeric-not-address", "https://1.2.3.08/a.mp4", "not a valid one"),
    refused("single-label", "https://router/a.mp4", "local name"),
    # international names and look-alikes
    sent("idn-host", "https://例え.jp/clip.mp4", "https://xn--r8jz45g.jp/clip.mp4"),
    refused("homoglyph-cyrillic-a", "https://cdn.ex\u0430mple.com/a.mp4", "mixes alphabets"),
    refused("homoglyph-punycode", "https://cdn.xn--exmple-4nf.com/a.mp4", "mixes alphabets"),
    sent("fullwidth-host", "https://ｃｄｎ.example.com/a.mp4", f"{X}/a.mp4"),
    refused("fullwidth-loopback", "http://１２７.０.０.１/a.mp4", "loopback"),
    refused("emoji-host", "https://\U0001f600.example.com/a.mp4", "international domain name"),
    # path, query, fragment, length
    sent(
        "unicode-path", f"{X}/照片.jpg", f"{X}/%E7%85%A7%E7%89%87.jpg", sent_name="照片", asset_type="Image"
    ),
    sent("stray-percent", f"{X}/100%.mp4", f"{X}/100%25.mp4", sent_name="100"),
    sent("encoded-space", f"{X}/a%20b.mp4", sent_name="a-b"),
    sent("signed-query", f"{X}/a.mp4?sig=abc%2Bdef&exp=1", sent_name="a"),
    sent("fragment-dropped", f"{X}/a.mp4#t=5", f"{X}/a.mp4"),
    sent("quote-in-path", f'{X}/a"b.mp4', f"{X}/a%22b.mp4"),
    refused("ten-thousand-chars", f"{X}/" + "a" * 10_000 + ".mp4", "characters long"),
    sent("no-extension", f"{X}/blob?id=1"),
    refused("wrong-extension", f"{X}/notes.txt", "not a supported video format"),
    refused("video-as-image", f"{X}/a.mp4", "video file", asset_type="Image"),
    refused("double-extension", f"{X}/a.mp4.exe", ".exe"),
    # names
    refused("markup-name", f"{X}/a.mp4", "< or >", name="<script>alert(1)</script>"),
    refused("formula-name", f"{X}/a.mp4", "formula", name='=HYPERLINK("http://evil.example","x")'),
    refused("plus-formula", f"{X}/a.mp4", "formula", name="+1+1"),
    refused("at-formula", f"{X}/a.mp4", "formula", name="@SUM(A1:A9)"),
    refused("minus-formula", f"{X}/a.mp4", "formula", name="-2+3"),
    refused("long-name", f"{X}/a.mp4", "65 characters", name="n" * 65),
    refused("very-long-name", f"{X}/a.mp4", "10000 characters", name="名" * 10_000),
    refused("bell-in-name", f"{X}/a.mp4", "control character (U+0007)", name="front\a"),
    refused("zwsp-in-name", f"{X}/a.mp4", "invisible character", name="fr\u200bont"),
    sent("chinese-name", f"{X}/a.mp4", name="正面", sent_name="正面"),
    sent("emoji-name", f"{X}/a.mp4", name="😀 front", sent_name="😀 front"),
    sent("padded-name", f"{X}/a.mp4", name="  front  ", sent_name="front"),
    sent("decomposed-name", f"{X}/a.mp4", name="Cafe\u0301", sent_name="Caf\u00e9"),
    sent("64-char-name", f"{X}/a.mp4", name="n" * 64, sent_name="n" * 64),
    sent("dash-inside-name", f"{X}/a.mp4", name="lin-front", sent_name="lin-front"),
]


@pytest.mark.parametrize("case", ROWS, ids=[c.id for c in ROWS])
def test_each_row_is_refused_with_a_reason_or_sent_correctly(case):
    (check,) = check_rows([AssetRow(case.url, case.name)], case.asset_type)
    if case.refused is not None:
        assert not check.ok, f"{case.id} would be sent as {check.url!r}"
        assert case.refused in check.reason, check.reason
    else:
        assert check.ok, check.reason
        assert check.url == (case.sent_url or case.url), check.url
        if case.sent_name is not None:
            assert check.name == case.sent_name


MULTI = [
    # (id, rows, expected problems per row: a fragment, or "" for ready)
    (
        "duplicate-differing-in-scheme-and-host-case",
        [AssetRow(f"{X}/a.mp4"), AssetRow("HTTPS://CDN.EXAMPLE.COM/a.mp4", "other")],
        ["", "duplicate of row 1"],
    ),
    (
        "duplicate-after-default-port-and-fragment",
        [AssetRow(f"{X}/a.mp4", "one"), AssetRow(f"{X}:443/a.mp4#x", "two")],
        ["", "duplicate of row 1"],
    ),
    ("path-case-is-a-different-file", [AssetRow(f"{X}/A.mp4", "a1"), AssetRow(f"{X}/a.mp4", "a2")], ["", ""]),
    (
        "names-differing-only-in-case",
        [AssetRow(f"{X}/a.mp4", "Front"), AssetRow(f"{X}/b.mp4", "front")],
        ["", "same name as row 1"],
    ),
]


@pytest.mark.parametrize("rows,expected", [m[1:] for m in MULTI], ids=[m[0] for m in MULTI])
def test_rows_are_judged_together(rows, expected):
    checks = check_rows(rows, "Video")
    for check, fragment in zip(checks, expected, strict=True):
        if fragment:
            assert fragment in check.reason, check.reason
        else:
            assert check.ok, check.reason


def _utf16(text: str) -> bytes:
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


CSVS = [
    # (id, bytes, rows it must read as (url, name), encoding it must be read with or None)
    ("empty-file", b"", [], None),
    ("blank-lines-only", b"\n\r\n  \n", [], None),
    ("header-only", b"name,url\n", [], None),
    ("header-only-with-bom", codecs.BOM_UTF8 + b"name,url\r\n", [], "utf-8-sig"),
    (
        "utf8-bom",
        codecs.BOM_UTF8 + b"name,url\nfront,https://x.example/a.mp4\n",
        [("https://x.example/a.mp4", "front")],
        "utf-8-sig",
    ),
    (
        "utf16-bom-tabs",
        _utf16("name\turl\r\n正面\thttps://x.example/a.mp4\r\n"),
        [("https://x.example/a.mp4", "正面")],
        "utf-16",
    ),
    (
        "latin1",
        "name,url\nCafé Müller,https://x.example/a.mp4\nSéverine,https://x.example/b.mp4\n".encode("latin-1"),
        [("https://x.example/a.mp4", "Café Müller"), ("https://x.example/b.mp4", "Séverine")],
        "cp1252",
    ),
    (
        "cp1252-smart-quotes",
        "name,url\n“front” – Zoë,https://x.example/a.mp4\n".encode("cp1252"),
        [("https://x.example/a.mp4", "“front” – Zoë")],
        "cp1252",
    ),
    (
        "gbk-from-excel",
        "name,url\r\n正面照,https://x.example/a.mp4\r\n侧面,https://x.example/b.mp4\r\n".encode("gbk"),
        [("https://x.example/a.mp4", "正面照"), ("https://x.example/b.mp4", "侧面")],
        "gb18030",
    ),
    (
        "gb18030-chinese-header",
        "名称,url\r\n林,https://x.example/a.mp4\r\n".encode("gb18030"),
        [("https://x.example/a.mp4", "")],
        "gb18030",
    ),
    (
        "semicolon",
        b"name;url\nfront;https://x.example/a.mp4\nside;https://x.example/b.mp4\n",
        [("https://x.example/a.mp4", "front"), ("https://x.example/b.mp4", "side")],
        None,
    ),
    (
        "semicolon-no-header",
        b"front;https://x.example/a.mp4\nside;https://x.example/b.mp4\n",
        [("https://x.example/a.mp4", "front"), ("https://x.example/b.mp4", "side")],
        None,
    ),
    ("pipe", b"url|name\nhttps://x.example/a.mp4|front\n", [("https://x.example/a.mp4", "front")], None),
    ("tab", b"url\tname\nhttps://x.example/a.mp4\tfront\n", [("https://x.example/a.mp4", "front")], None),
    (
        "one-column-urls-with-semicolons",
        b"url\nhttps://x.example/a;v=1.mp4\nhttps://x.example/b;v=2.mp4\n",
        [("https://x.example/a;v=1.mp4", ""), ("https://x.example/b;v=2.mp4", "")],
        None,
    ),
    (
        "quoted-comma-in-name-crlf",
        b'name,url\r\n"Lin, front",https://x.example/a.mp4\r\n',
        [("https://x.example/a.mp4", "Lin, front")],
        None,
    ),
    (
        "upper-case-header-extra-columns-short-rows",
        b"Notes,URL,Name\nfirst,https://x.example/a.mp4,front\nsecond\n",
        [("https://x.example/a.mp4", "front")],
        None,
    ),
]


@pytest.mark.parametrize("data,rows,encoding", [c[1:] for c in CSVS], ids=[c[0] for c in CSVS])
def test_each_csv_is_read_as_written(data, rows, encoding):
    assert [(r.url, r.name) for r in parse_csv(data)] == rows
    if encoding:
        assert decode_csv(data)[1] == encoding
    checks = check_rows(parse_csv(data), "Video")
    assert all(c.ok for c in checks), [c.reason for c in checks]


@pytest.mark.parametrize(
    "data",
    [
        b"name,url\nfront,https://x.example/a\x00.mp4\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)),
        b'name,url\n"unterminated,https://x.example/a.mp4\n',
        b"\xff\xfe\x00",  # a UTF-16 BOM with half a character
        ("url\n" + f"{X}/" + "a" * 100_000 + ".mp4\n").encode(),
    ],
    ids=["nul-in-a-cell", "binary-file", "unterminated-quote", "truncated-utf16", "hundred-kb-cell"],
)
def test_garbage_csvs_never_crash_and_never_pass(data):
    checks = check_rows(parse_csv(data), "Video")
    assert not any(c.ok for c in checks)


def test_the_corpus_is_big_enough():
    assert len(ROWS) + len(MULTI) + len(CSVS) + 5 >= 60


# ------------------------------------------------------------------ through the Submit page (AppTest)

PAGE_ROWS = [
    "http://[::1/a.mp4",
    f"{X}:99999/a.mp4",
    f"{X}/" + "a" * 10_000 + ".mp4",
    "https://user:pass@cdn.example.com/a.mp4",
    "javascript:alert(1)",
    "http://127.1/a.mp4",
    "http://2852039166/latest/meta-data/",
    "https://cdn.ex\u0430mple.com/a.mp4",
    "<script>alert(1)</script>, https://cdn.example.com/s.mp4",
    '=HYPERLINK("http://evil.example"), https://cdn.example.com/f.mp4',
    f"{X}/nul\x00.mp4",
]


def _sent_to_group(sandbox) -> list[dict]:
    log = requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()
    return [r for r in log if r.get("selector") == "group_id"]


def test_bad_rows_on_the_submit_page_are_flagged_and_nothing_is_sent(at, sandbox):
    verified(at, sandbox)
    open_page(at, "submit")
    at.text_area(key="submit__paste").set_value("\n".join(PAGE_ROWS)).run()
    button(at, "submit__add_paste").click().run()
    assert not at.exception, at.exception
    checks = table(at, "Check")["Check"].tolist()
    assert len(checks) == len(PAGE_ROWS)
    assert all(c.startswith("❌") for c in checks), checks
    for fragment in ("IPv6", "port", "characters long", "password", "found javascript", "loopback"):
        assert any(fragment in c for c in checks), fragment
    assert button(at, "submit__send").disabled
    assert not _sent_to_group(sandbox)
    button(at, "submit__drop").click().run()
    assert not at.exception, at.exception


def test_an_upper_case_url_goes_out_normalised_and_a_stale_error_clears(at, sandbox):
    verified(at, sandbox)
    open_page(at, "submit")
    at.text_area(key="submit__paste").set_value("HTTPS://CDN.EXAMPLE.COM/lin/Front.MP4").run()
    button(at, "submit__add_paste").click().run()
    assert table(at, "Check")["Link"].tolist() == [f"{X}/lin/Front.MP4"]
    # A failed send leaves an error on screen; the next input clears it.
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"route": "/v1/seedance2/real-avatar", "method": "POST", "status": 500, "count": 1},
        timeout=5,
    ).raise_for_status()
    button(at, "submit__send").click().run()
    assert at.error, "the failed send is shown"
    at.text_area(key="submit__paste").set_value(f"{X}/lin/side.mp4").run()
    button(at, "submit__add_paste").click().run()
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)


CSV_UPLOADS = [
    ("latin1.csv", "name,url\nCafé,https://cdn.example.com/a.mp4\n".encode("latin-1"), ["Café"]),
    ("gbk.csv", "name,url\r\n正面照,https://cdn.example.com/b.mp4\r\n".encode("gbk"), ["正面照"]),
    ("semi.csv", b"name;url\nfront;https://cdn.example.com/c.mp4\n", ["front"]),
    ("utf16.csv", _utf16("name\turl\r\n侧面\thttps://cdn.example.com/d.mp4\r\n"), ["侧面"]),
]


def test_csv_uploads_in_other_encodings_and_delimiters_read_right(at, sandbox):
    verified(at, sandbox)
    open_page(at, "submit")
    names = []
    for filename, data, expected in CSV_UPLOADS:
        at.file_uploader(key="submit__csv").set_value((filename, data, "text/csv")).run()
        button(at, "submit__add_csv").click().run()
        assert not at.exception, at.exception
        names += expected
        assert table(at, "Check")["Name"].tolist() == names, filename
    assert all(c.startswith("✅") for c in table(at, "Check")["Check"].tolist())
    # A CSV with only a header is refused with a reason, and the table keeps its rows.
    at.file_uploader(key="submit__csv").set_value(("empty.csv", b"name,url\n", "text/csv")).run()
    button(at, "submit__add_csv").click().run()
    assert "no rows with a URL" in texts(at.error)
    assert len(table(at, "Check")) == len(names)
