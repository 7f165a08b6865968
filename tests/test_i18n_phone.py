"""What the person reads on the phone, over real HTTP: the capture page and its upload answers in the language
of the link's ?lang= or of a Chinese phone (simplified or traditional), English and 中文 side by side when
neither says; the refusal page likewise; the sandbox's H5 page in each of APIMart's `lng` values."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from PIL import Image
from skimage import data
from starlette.applications import Starlette

from lib.media.capture_page import page_locale
from lib.media.capture_routes import capture_routes, capture_url
from lib.media.storage.app_hosted import AppHostedStorage
from lib.store.workspace import Store
from tests.helpers.sandbox_http import api, new_session
from tests.helpers.serving import serve_asgi


@pytest.fixture
def capture(db, tmp_path):
    storage = AppHostedStorage(tmp_path / "media")
    routes = capture_routes(db, lambda: storage, tmp_path / "intake", max_bytes=2 * 1024 * 1024)
    store = Store.for_connection(db, "sandbox", "http://127.0.0.1:9/v1", "")
    with serve_asgi(Starlette(routes=routes)) as base:
        _, token = store.captures.open("group-lin", "Lin Wei", 1800)
        yield capture_url(base, token)


def get(url: str, accept: str | None = None) -> requests.Response:
    return requests.get(url, headers={"Accept-Language": accept} if accept else {}, timeout=10)


def upload(url: str, body: bytes, accept: str | None = None) -> dict:
    headers = {"X-File-Name": quote("林.jpg")}
    if accept:
        headers["Accept-Language"] = accept
    return requests.post(f"{url}/upload", data=body, headers=headers, timeout=60).json()


@pytest.mark.parametrize(
    ("lang", "accept", "locale"),
    [
        ("zh-Hant", None, "zh_TW"),
        ("zh", "en-US", "zh_CN"),
        ("en", "zh-CN", "en"),
        (None, "zh-TW,zh;q=0.9,en;q=0.8", "zh_TW"),
        (None, "zh-HK", "zh_TW"),
        (None, "zh-CN,en;q=0.5", "zh_CN"),
        (None, "en-US,en;q=0.9,zh-CN;q=0.8", None),
        (None, None, None),
        ("klingon", "fr-FR", None),
    ],
)
def test_the_page_language_rules(lang, accept, locale):
    assert page_locale(lang, accept) == locale


def test_a_traditional_chinese_phone_reads_the_capture_page_in_traditional_chinese(capture):
    page = get(capture, "zh-TW,zh;q=0.9,en;q=0.8")
    assert page.status_code == 200
    assert '<html lang="zh-Hant">' in page.text
    assert "<h1>新增照片和影片</h1>" in page.text
    assert "從相簿選擇" in page.text and "拍照或錄影" in page.text
    assert "Add photos" not in page.text and "添加照片" not in page.text, "neither English nor simplified"
    assert '"sending": "傳送中…"' in page.text, "the page script's words too"
    assert 'id="capture-gallery"' in page.text


def test_the_links_lang_wins_and_reaches_the_upload(capture, tmp_path):
    page = get(f"{capture}?lang=zh-Hant", "en-US")
    assert "<h1>新增照片和影片</h1>" in page.text
    assert 'location.search' in page.text, "the page posts its uploads with the same ?lang="
    Image.fromarray(data.astronaut()).resize((512, 512)).save(tmp_path / "p.jpg", "JPEG", quality=90)
    answer = requests.post(
        f"{capture}/upload?lang=zh-Hant", data=(tmp_path / "p.jpg").read_bytes(), headers={"X-File-Name": "a.jpg"}, timeout=60
    ).json()
    assert answer["status"] == "sent" and answer["message"] == "已傳送。"


def test_upload_answers_follow_the_phones_language(capture):
    program = b"MZ\x90\x00" + bytes(4000)
    assert upload(capture, program, "zh-TW")["message"] == "這不是可用的照片或影片。"
    assert upload(capture, program, "zh-CN")["message"] == "这不是可用的照片或视频。"
    assert upload(capture, program, "en-US")["message"] == (
        "This is not a photo or a video that can be used. / 这不是可用的照片或视频。"
    ), "a phone in another language reads both"


def test_an_english_link_reads_english_only(capture):
    page = get(f"{capture}?lang=en")
    assert "<h1>Add photos and clips</h1>" in page.text and "添加" not in page.text


def test_the_refusal_page_speaks_the_phones_language(capture):
    refused = get(capture.rsplit("/", 1)[0] + "/not-a-token", "zh-TW")
    assert refused.status_code == 403
    assert "此連結無效" in refused.text and "請聯絡傳送連結的人取得新連結。" in refused.text
    both = get(capture.rsplit("/", 1)[0] + "/not-a-token")
    assert "This link is not valid / 此链接无效" in both.text


@pytest.mark.parametrize(
    ("lng", "words"),
    [
        ("zh", ["实名认证（沙盒）", "我同意为生成数字形象进行人脸核验。", "通过认证", "认证失败", "链接剩余"]),
        ("zh-Hant", ["實名認證（沙盒）", "我同意為生成數位形象進行人臉核驗。", "通過認證", "認證失敗", "連結剩餘"]),
        ("en", ["Identity verification (sandbox)", "I consent to a face check", "Approve", "This link expires in"]),
    ],
)
def test_the_sandbox_h5_page_in_each_language(sandbox, lng, words):
    link = new_session(api(sandbox))["h5_link"]
    page = requests.get(link.replace("lng=zh", f"lng={lng}"), timeout=5)
    assert page.status_code == 200
    for word in words:
        assert word in page.text, (lng, word)
