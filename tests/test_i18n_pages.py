"""The dashboard in both languages through AppTest, against the real sandbox: English with no language given,
Chinese from ?lang=zh or a zh-* browser, the sidebar switch (one rerun, kept in the URL, kept across pages),
every page rendering in either language, and the H5 link's language following the dashboard's until the
operator picks another one."""

from __future__ import annotations

import re

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from lib.ui import language
from lib.ui.shell import navigation_only
from tests.helpers.apptest import PAGES, ROOT, open_page, texts, workflow


@pytest.fixture(autouse=True)
def framed(monkeypatch):
    """Every page inside the app's frame (sidebar, navigation), as `streamlit run` serves it (the switch
    tests/helpers/apptest.framed_app applies)."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        navigation_only()

    monkeypatch.setattr(PagesManager, "__init__", init)


def session(*, lang: str | None = None, locale: str | None = None, timezone: str | None = None) -> AppTest:
    """A new session of app.py, its first run with `?lang=` and a browser locale/zone when given."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    if lang:
        app.query_params["lang"] = lang
    app.context = {key: value for key, value in (("locale", locale), ("timezone", timezone)) if value}
    app.run()
    assert not app.exception, app.exception
    return app


def switch(app: AppTest):
    return app.segmented_control(key=language.SWITCH_KEY)


def sidebar_words(app: AppTest) -> str:
    return "\n".join(
        [texts(app.sidebar.subheader), texts(app.sidebar.info), texts(app.sidebar.success)]
        + [b.label for b in app.sidebar.button]
    )


def test_english_when_nothing_says_otherwise(sandbox_env):
    app = session()
    assert texts(app.title) == "Avatar Desk"
    assert "Where you are" in texts(app.markdown)
    assert "Connection" in sidebar_words(app) and "Sandbox mode" in sidebar_words(app)
    assert switch(app).value == "en"
    assert "lang" not in app.query_params, "a language nobody chose stays out of the URL"


def test_lang_zh_in_the_url_shows_the_start_page_and_sidebar_in_chinese(sandbox_env):
    app = session(lang="zh")
    assert "真人在手机上完成人脸验证" in texts(app.caption)
    assert "**当前进度**" in texts(app.markdown)
    assert "本次还没有选择真人。" in texts(app.caption)
    assert [b.label for b in app.button if b.key == "home__next"] == ["验证真人"]
    words = sidebar_words(app)
    assert "连接" in words and "**沙盒模式**" in words and "测试连接" in words
    assert "Connection" not in words and "Sandbox" not in words
    assert app.sidebar.text_input(key="sidebar__api_key").label == "仅用于本次会话的密钥"
    assert switch(app).value == "zh"


@pytest.mark.parametrize(("locale", "expected"), [("zh-CN", "zh"), ("zh-TW", "zh"), ("en-GB", "en"), ("de-DE", "en")])
def test_the_browsers_language_is_the_default(sandbox_env, locale, expected):
    app = session(locale=locale)
    assert switch(app).value == expected
    assert ("测试连接" in sidebar_words(app)) == (expected == "zh")


def test_the_url_wins_over_the_browser(sandbox_env):
    app = session(lang="en", locale="zh-CN")
    assert "Test connection" in sidebar_words(app)


def test_the_switch_changes_the_language_in_one_rerun_and_writes_the_url(sandbox_env):
    app = session()
    switch(app).set_value("zh").run()
    assert not app.exception
    assert "测试连接" in sidebar_words(app) and "**当前进度**" in texts(app.markdown)
    assert app.query_params["lang"] == "zh", "a reload or a shared link keeps it"
    switch(app).set_value("en").run()
    assert "Test connection" in sidebar_words(app) and app.query_params["lang"] == "en"


def test_the_chosen_language_stays_on_every_page(sandbox_env):
    app = session()
    switch(app).set_value("zh").run()
    open_page(app, "verify")
    assert "测试连接" in sidebar_words(app)
    app.query_params.pop("lang", None)  # a page change that dropped the query: the next run puts it back
    app.run()
    assert "测试连接" in sidebar_words(app)
    assert app.query_params.get("lang") == "zh"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages(sandbox_env, lang, page):
    app = session(lang=lang)
    open_page(app, page)
    assert not app.exception, app.exception
    assert ("测试连接" in sidebar_words(app)) == (lang == "zh")


def test_counts_on_the_start_page_use_the_catalogs_plurals(sandbox_env, sandbox):
    from tests.helpers.apptest import GOOD, button, paste, verified

    app = session(lang="zh")
    verified(app, sandbox)
    app.text_input(key="group__label").set_value("林伟").run()
    open_page(app, "submit")
    paste(app, GOOD[:2])
    button(app, "submit__send").click().run()
    open_page(app, "home")
    assert "真人：**林伟**" in texts(app.markdown)
    assert "已发送 2 段视频：" in texts(app.caption)


def test_the_h5_links_language_follows_the_dashboard_until_the_operator_picks(sandbox_env):
    app = session(lang="zh")
    assert workflow(app).language == "zh"
    switch(app).set_value("en").run()
    assert workflow(app).language == "en", "follows the switch"
    switch(app).set_value("zh").run()
    assert workflow(app).language == "zh"
    open_page(app, "verify")
    app.radio(key="verify__language").set_value("zh-Hant").run()
    assert workflow(app).language == "zh-Hant"
    switch(app).set_value("en").run()
    assert workflow(app).language == "zh-Hant", "the operator's pick for the person stays"


def test_the_verify_step_in_chinese(sandbox_env, sandbox):
    from tests.helpers.apptest import button

    app = session(lang="zh")
    open_page(app, "verify")
    assert texts(app.title) == "1. 验证真人"
    assert [b.label for b in app.button if b.key == "verify__create"] == ["创建验证会话"]
    assert "链接设置：语言、自动续期、完成后手机跳转的地址" in [e.label for e in app.expander]
    button(app, "verify__create").click().run()
    assert not app.exception, app.exception
    assert "**链接**（点击右侧图标复制）" in texts(app.markdown)
    assert "对方在手机上完成后，本页会自动进入下一步。" in texts(app.caption)
    assert [b.label for b in app.button if b.key == "verify__confirm"] == ["对方已完成…"]
    assert any(c.value.endswith("lng=zh") for c in app.code), "the person's link follows the dashboard's language"
    assert "二维码中的链接指向本机自身" in texts(app.warning), "whether a phone can open it, in Chinese too"
    details = next(e for e in app.expander if e.label == "详情")
    assert "验证会话 `task_" in texts(details.caption)


@pytest.mark.parametrize(
    ("locale", "words"),
    [("zh-TW", "此連結無效或已失效。"), ("zh-CN", "此链接无效或已失效。"), ("en-US", "This link is not valid (any more).")],
)
def test_a_phone_landing_on_the_verify_page_reads_its_own_language(sandbox_env, locale, words):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    app.context = {"locale": locale}
    app.run()
    app.query_params.update({"bytedToken": "token_x", "resultCode": "10000", "s": "a-guessed-secret"})
    open_page(app, "verify")
    assert words in texts(app.warning)


def test_an_error_says_what_to_do_in_chinese(sandbox_env, sandbox):
    from tests.helpers.apptest import button
    from tests.helpers.sandbox import control

    app = session(lang="zh")
    control(sandbox, "faults", route="/v1/tasks", status=401, count=1)
    button(app, "sidebar__test_connection").click().run()
    assert not app.exception, app.exception
    shown = texts(app.sidebar.error)
    assert "APIMart 不接受此密钥：请检查侧边栏中的密钥（或 APIMART_API_KEY）。" in shown
    assert "check the key" not in shown


def test_the_group_step_in_chinese(sandbox_env, sandbox, media_dir):
    from tests.helpers.apptest import button
    from tests.helpers.sandbox import phone_lands

    app = session(lang="zh")
    open_page(app, "verify")
    button(app, "verify__create").click().run()
    phone_lands(sandbox, workflow(app).verification.byted_token)
    app.run()  # the Verify page notices the phone and switches itself to the Group step
    assert not app.exception, app.exception
    assert texts(app.title) == "2. 素材组"
    assert "验证通过：此人的素材组已就绪。请给它起一个好认的名字。" in texts(app.success)
    open_page(app, "group")  # AppTest's next run would go back to the page it last opened itself
    assert app.text_input(key="group__label").label == "这是谁？（真人的名字）"
    assert [b.label for b in app.button if b.key == "group__continue"] == ["继续：提交素材"]
    assert "从对方手机添加照片" in texts(app.subheader)
    button(app, "group__capture_open").click().run()
    assert not app.exception, app.exception
    assert "**链接**（点击右侧图标复制）" in texts(app.markdown)
    assert [b.label for b in app.button if b.key == "group__capture_close"] == ["关闭链接"]


def test_needs_your_decision_on_the_start_page_in_chinese(sandbox_env, sandbox):
    from tests.helpers.apptest import GOOD, button, paste, verified
    from tests.helpers.sandbox import send_fails_once

    app = session(lang="zh")
    verified(app, sandbox)
    open_page(app, "submit")
    paste(app, GOOD)
    send_fails_once(sandbox, after=False)
    button(app, "submit__send").click().run()
    assert not app.exception, app.exception
    open_page(app, "home")
    assert "需要你决定" in texts(app.subheader)
    assert "可能已发送**" in texts(app.warning) and "应用不会自动重新发送。" in texts(app.warning)
    labels = [b.label for b in app.button if b.key and b.key.startswith("home__unsettled")]
    assert labels == ["重新发送", "放回表格"]
    assert "，4 个可能已发送" in texts(app.caption), "the Start page's counts"


def test_make_a_video_in_chinese(sandbox_env, sandbox):
    from tests.helpers.apptest import GOOD, button, sent_and_reviewed, verified

    app = session(lang="zh")
    verified(app, sandbox)
    sent_and_reviewed(app, GOOD[:1])
    open_page(app, "generate")
    assert texts(app.title) == "5. 生成视频"
    assert app.selectbox(key="generate__model").label == "模型"
    assert app.text_area(key="generate__prompt").label == "提示词"
    assert "请填写提示词：说明视频的内容。" in texts(app.warning), "the checks speak Chinese too"
    app.text_area(key="generate__prompt").set_value("video 1 中的人向镜头挥手。").run()
    button(app, "generate__submit").click().run()
    assert not app.exception, app.exception
    assert "本次会话的视频" in texts(app.subheader)
    assert "秒 · 请求于" in texts(app.markdown)


def test_a_dropped_file_is_checked_and_fixed_in_chinese(sandbox_env, sandbox, media_dir, tmp_path):
    from tests.helpers.apptest import table, verified
    from tests.helpers.media_files import program_named_jpg, write_photo

    app = session(lang="zh")
    verified(app, sandbox)
    open_page(app, "submit")
    tall = write_photo(tmp_path / "tall.jpg", size=(3000, 6600)).read_bytes()
    drop = next(u for u in app.file_uploader if u.key.startswith("submit__files_"))
    assert drop.label.startswith("照片和视频（JPEG、PNG")
    drop.set_value([("tall.jpg", tall, "image/jpeg"), ("setup.jpg", program_named_jpg(tmp_path / "setup.jpg").read_bytes(), "image/jpeg")]).run()
    assert not app.exception, app.exception
    [verdict] = list(table(app, "Check")["Check"])
    assert verdict.startswith("🔧 需要修正：高 6600 px，上限为 6000"), verdict
    assert "**1 个文件无法发送**（未添加到表格）：" in texts(app.markdown)
    fix = next(b for b in app.button if b.key.startswith("submit__fix_") and b.key.endswith("_downscale"))
    assert fix.label == "缩小"
    fix.click().run()
    assert list(table(app, "Check")["Check"]) == ["✅ 可以发送"]


def column_labels(app: AppTest, column: str) -> dict[str, str]:
    """The headers a table shows (its column_config's labels) for the table that has `column`."""
    import json

    frame = next(d for d in app.dataframe if column in d.value.columns)
    config = json.loads(frame.proto.columns or "{}")
    return {key: value.get("label", "") for key, value in config.items() if isinstance(value, dict)}


def test_the_library_in_chinese(sandbox_env, sandbox):
    from tests.helpers.apptest import BAD, GOOD, sent_and_reviewed, table, verified

    app = session(lang="zh")
    verified(app, sandbox)
    sent_and_reviewed(app, [GOOD[0], BAD[0]])
    open_page(app, "library")
    assert not app.exception, app.exception
    assert texts(app.title) == "素材库"
    assert "用这个连接创建的一切都保存在这里，刷新或重启后仍然保留。" in texts(app.caption)
    assert app.text_input(key="library__search").label == "按姓名搜索真人"
    assert [b.label for b in app.button if b.key == "library__use"] == ["使用此真人"]
    assert "照片和视频（2）" in texts(app.subheader) and "视频（0）" in texts(app.subheader)
    assert "还没有视频。" in texts(app.caption)
    people = table(app, "usable")
    assert list(people["mode"]) == ["沙盒"], "the mode in words"
    [added] = list(people["created"])
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", added), "the time as Chinese writes it"
    assert column_labels(app, "usable")["usable"] == "可用"
    assets = table(app, "why")
    assert sorted(assets["status"]) == ["可用", "未通过"]
    assert "不是本人、有多张人脸，或角度不佳" in set(assets["why"])
    headers = column_labels(app, "why")
    assert headers["why"] == "未通过原因" and headers["asset_url"] == "可用链接（用于生成视频）"
    assert {"status", "why", "asset_url"} <= set(assets.columns), "the frame keeps its English keys"
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["导出全部（JSON）", "导出素材（CSV）"]


def test_the_sign_in_in_chinese(sandbox_env, monkeypatch):
    from lib import signin
    from lib.ui.components import sign_in

    monkeypatch.setattr(signin, "LIMITER", signin.AttemptLimiter())  # this test's own count of wrong tries
    monkeypatch.setenv("AVATAR_DESK_SIGN_IN", "required")
    monkeypatch.setenv("AVATAR_DESK_PASSPHRASE", "correct horse battery staple")
    app = session(lang="zh")
    assert texts(app.title) == "登录"
    assert "Avatar Desk 要求所有人先在这里登录：AVATAR_DESK_SIGN_IN=required。" in texts(app.caption)
    assert app.text_input(key=sign_in.NAME_KEY).label == "你的名字（显示在你的操作记录上）"
    assert app.text_input(key=sign_in.PASSPHRASE_KEY).label == "团队口令"

    def attempt(name: str, passphrase: str) -> None:
        app.text_input(key=sign_in.NAME_KEY).set_value(name)
        app.text_input(key=sign_in.PASSPHRASE_KEY).set_value(passphrase)
        next(b for b in app.button if b.key == "FormSubmitter:sign_in__form-登录").click().run()
        assert not app.exception, app.exception

    attempt("", "guess")
    assert texts(app.error) == "请输入你的名字：你的操作记录会显示这个名字。"
    attempt("Mallory", "guess")
    assert texts(app.error) == "团队口令不正确。没有做任何更改。"
    for _ in range(5):  # five wrong tries in all, then a wait
        attempt("Mallory", "guess")
    assert "错误次数过多。请等待约" in texts(app.error) and "分钟后再试。" in texts(app.error)
    assert "minute" not in texts(app.error)


def test_signed_in_in_chinese(sandbox_env, monkeypatch):
    from lib import signin
    from lib.ui.components import sign_in

    monkeypatch.setattr(signin, "LIMITER", signin.AttemptLimiter())
    monkeypatch.setenv("AVATAR_DESK_SIGN_IN", "required")
    monkeypatch.setenv("AVATAR_DESK_PASSPHRASE", "correct horse battery staple")
    app = session(lang="zh")
    app.text_input(key=sign_in.NAME_KEY).set_value("林伟")
    app.text_input(key=sign_in.PASSPHRASE_KEY).set_value("correct horse battery staple")
    next(b for b in app.button if b.key == "FormSubmitter:sign_in__form-登录").click().run()
    assert not app.exception, app.exception
    assert "已登录：**林伟**" in texts(app.sidebar.caption)
    assert [b.label for b in app.sidebar.button if b.key == "sign_in__sign_out"] == ["退出登录"]
    assert "在此浏览器上记住我（30 天）" in "\n".join(str(h.proto) for h in app.sidebar.get("html"))


def test_sign_in_not_set_up_in_chinese(sandbox_env, monkeypatch):
    monkeypatch.setenv("AVATAR_DESK_SIGN_IN", "required")
    monkeypatch.delenv("AVATAR_DESK_PASSPHRASE", raising=False)
    app = session(lang="zh")
    assert texts(app.title) == "尚未设置登录"
    assert "其他人也能访问这个应用（AVATAR_DESK_SIGN_IN=required）" in texts(app.error)
    assert "请服务器的管理员设置以下任意一项" in texts(app.markdown)


def test_a_finished_review_in_chinese(sandbox_env, sandbox):
    from tests.helpers.apptest import BAD, GOOD, button, sent_and_reviewed, table, verified

    app = session(lang="zh", timezone="Asia/Shanghai")
    verified(app, sandbox)
    sent_and_reviewed(app, [GOOD[0], GOOD[1], BAD[0]])
    assert not app.exception, app.exception
    assert texts(app.title) == "4. 审核"
    assert "· 视频" in texts(app.caption)
    assert [m.label for m in app.metric] == ["已发送", "可用", "未通过", "审核中"]
    assert "可用（2）" in texts(app.subheader) and "未通过（1）" in texts(app.subheader)
    assert [b.label for b in app.button if b.key == "review__generate"] == ["用这 2 段视频生成视频"]
    assert column_labels(app, "asset_url")["asset_url"] == "asset:// 链接（用于 Seedance 2.0）"
    failed = table(app, "fix")
    assert list(failed["reason"]) == ["不是本人、有多张人脸，或角度不佳"]
    assert list(failed["next"]) == ["换一段视频"]
    assert column_labels(app, "fix")["fix"] == "如何修正"
    [expander] = [e for e in app.expander if "不是本人" in e.label]
    assert expander.label == "不是本人、有多张人脸，或角度不佳 · 1 段视频"
    shown = texts(app.markdown)
    assert "**未通过原因：**不是本人、有多张人脸，或角度不佳" in shown and "**下一步：**换一段视频" in shown
    [tasks] = [m.value for m in app.markdown if m.value.startswith("审核任务：")]
    assert tasks.endswith(("· 已完成", "· 失败")), "the task's status in words"
    assert [b.label for b in app.get("download_button")] == ["下载 CSV", "下载 JSON"]
    app.toggle(key="review__resubmit_mode").set_value(True).run()
    assert not app.exception, app.exception
    assert "请为" in texts(app.warning) and "更换视频" in texts(app.warning)
    assert [b.label for b in app.button if b.key == "review__resubmit"] == ["重新提交 1 个素材，其中 0 个使用新链接"]
    button(app, "review__resubmit").click().run()
    assert "没有发送任何内容：" in texts(app.warning)
    assert "Nothing was sent" not in texts(app.warning)


def _resumed_page():
    import streamlit as st

    from lib.ui.components import sidebar

    for review_of, videos in (("Lin", 0), ("", 1), ("", 3), ("Lin", 2)):
        st.write(sidebar.resumed_words(review_of, videos))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Resumed the review of Lin from where it was left: it goes on by itself, nothing is sent again.",
                "Resumed 1 video generation (see Generate) from where it was left: it goes on by itself, nothing "
                "is sent again.",
                "Resumed 3 video generations (see Generate) from where it was left: it goes on by itself, nothing "
                "is sent again.",
                "Resumed the review of Lin and 2 video generations (see Generate) from where it was left: it goes "
                "on by itself, nothing is sent again.",
            ],
        ),
        (
            "zh",
            [
                "已从上次中断处继续 Lin 的审核：会自动继续，不会重复发送。",
                "已从上次中断处继续 1 个视频生成任务（见生成视频页）：会自动继续，不会重复发送。",
                "已从上次中断处继续 3 个视频生成任务（见生成视频页）：会自动继续，不会重复发送。",
                "已从上次中断处继续 Lin 的审核和 2 个视频生成任务（见生成视频页）：会自动继续，不会重复发送。",
            ],
        ),
    ],
)
def test_the_resume_notice_is_said_when_shown(lang, expected):
    """lib.ui.state keeps what a new session picked up; the sidebar says it in the session's language."""
    app = AppTest.from_function(_resumed_page)
    app.query_params["lang"] = lang
    app.run()
    assert not app.exception, app.exception
    assert [m.value for m in app.markdown] == expected


def test_submits_row_problems_in_chinese(sandbox_env, sandbox):
    """lib.assets' and lib.netguard's problems are Said: English in lib, the operator's language on the page."""
    from tests.helpers.apptest import paste, table, verified

    app = session(lang="zh")
    verified(app, sandbox)
    open_page(app, "submit")
    paste(app, ["a, http://192.168.1.5/a.jpg", "b, ftp://cdn.example.com/b.mp4", "c, https://cdn.example.com/c.txt"])
    cells = list(table(app, "Check")["Check"])
    assert cells[0] == "❌ 链接不是公网地址：APIMart 的服务器无法从这里下载（192.168.1.5 是内网地址）", cells
    assert cells[1] == "❌ 链接必须以 http:// 或 https:// 开头（当前为 ftp）", cells
    assert cells[2].startswith("❌ .txt 既不是照片格式也不是视频格式（照片："), cells
    assert not any("URL" in cell or "address" in cell for cell in cells)


def test_a_review_under_way_in_chinese_in_the_browsers_time_zone(sandbox_env, sandbox):
    """The progress line: counts from the catalog, the start in the browser's zone, the time so far from Babel."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import requests

    from tests.helpers.apptest import GOOD, button, paste, verified

    requests.post(
        f"{sandbox.base_url}/_sandbox/config", json={"timing": "realistic", "video_review_seconds": 600}, timeout=5
    ).raise_for_status()
    app = session(lang="zh", timezone="Asia/Shanghai")
    verified(app, sandbox)
    open_page(app, "submit")
    paste(app, GOOD[:3])
    button(app, "submit__send").click().run()
    open_page(app, "review")
    assert not app.exception, app.exception
    [progress] = app.get("progress")
    text = progress.proto.text
    assert text.startswith("审核中：3 段视频中还剩 3 个… "), text
    started = workflow(app).review_started_at
    shanghai = datetime.fromtimestamp(started, ZoneInfo("Asia/Shanghai")).strftime("%H:%M:%S")
    assert f"{shanghai} 开始，已用时 " in text, "the start in the browser's zone"
    assert re.search(r"已用时 \d+秒钟$", text), text
