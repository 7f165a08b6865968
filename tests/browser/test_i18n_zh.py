"""The dashboard in a Chinese browser (Chromium with locale zh-CN, in Shanghai's time zone): the Start page,
the sidebar and the menu in Chinese with no `?lang=`; the Verify step in Chinese, its link for the person too;
the switch to English kept in the URL across a reload. Screenshots in test-output/browser/ show real glyphs
(scripts/test.sh installs fonts-noto-cjk)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import OUTPUT, decode_qr, idle, reset_sandbox
from tests.serving import streamlit_app


@pytest.fixture
def app_url(tmp_path):
    # A server and registry of each test's own: the suite's shared one holds earlier tests' people, and the
    # Start page then offers their next step instead of "验证真人".
    with streamlit_app({"AVATAR_DESK_DB": str(tmp_path / "avatar-desk.db")}) as base:
        yield base


@pytest.fixture
def sandbox(app_url):
    return reset_sandbox(app_url)


def test_a_chinese_browser_gets_the_chinese_start_page_and_sidebar(browser, app_url, sandbox):
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(app_url)
        expect(page.get_by_text("当前进度")).to_be_visible()
        expect(page.get_by_text("真人在手机上完成人脸验证，再把审核通过的照片和视频用于视频生成。")).to_be_visible()
        expect(page.get_by_role("button", name="验证真人")).to_be_visible()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("沙盒模式")).to_be_visible()
        expect(sidebar.get_by_role("button", name="测试连接")).to_be_visible()
        for title in ("开始", "1. 验证", "2. 素材组", "3. 提交", "4. 审核", "5. 生成视频", "素材库"):
            expect(sidebar.get_by_role("link", name=title)).to_be_visible()
        expect(page.get_by_text("Where you are")).to_have_count(0)
        expect(sidebar.get_by_text("Sandbox mode")).to_have_count(0)
        idle(page)
        page.screenshot(path=str(OUTPUT / "i18n_zh-CN_start.png"), full_page=True)

        # The person's link follows the dashboard's language: the H5 page opens in Chinese.
        sidebar.get_by_role("link", name="1. 验证").click()
        page.get_by_role("button", name="创建验证会话").click()
        assert "lng=zh" in decode_qr(page)
        expect(page.get_by_text("对方在手机上完成后，本页会自动进入下一步。")).to_be_visible()
        expect(page.get_by_role("heading", name="1. 验证真人")).to_be_visible()
        page.screenshot(path=str(OUTPUT / "i18n_zh-CN_verify.png"), full_page=True)

        # The switch: English in one click, kept in the URL, and kept by a reload.
        sidebar.get_by_test_id("stButtonGroup").get_by_text("English").click()
        expect(sidebar.get_by_role("button", name="Test connection")).to_be_visible()
        expect(sidebar.get_by_role("link", name="1. Verify")).to_be_visible()
        expect(page.get_by_text("This page moves on by itself when the person finishes on their phone.")).to_be_visible()
        expect(page).to_have_url(re.compile(r"[?&]lang=en"))
        page.reload()
        expect(sidebar.get_by_role("button", name="Test connection")).to_be_visible()
        expect(sidebar.get_by_text("Sandbox mode")).to_be_visible()
    finally:
        context.close()


GOOD = [f"https://cdn.example.com/lin/front-{i}.mp4" for i in range(2)]


def test_the_whole_flow_in_a_chinese_browser(browser, app_url, sandbox, playwright_devices):
    """Verify with a Chinese phone, name the person, submit, follow the review, make a video, find it all in
    the Library: each step's screenshot in test-output/browser/i18n_zh-CN_flow_<n>.png, every one in Chinese."""
    operator_context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    phone_context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = operator_context.new_page()
    page.set_default_timeout(20_000)
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def shot(n: int, name: str) -> None:
        idle(page)
        page.screenshot(path=str(OUTPUT / f"i18n_zh-CN_flow_{n}_{name}.png"), full_page=True)

    try:
        page.goto(app_url)
        expect(page.get_by_text("当前进度")).to_be_visible()
        shot(0, "start")

        # 1. Verify: the person's phone opens the H5 page in Chinese and approves.
        page.get_by_role("button", name="验证真人").click()
        page.get_by_role("button", name="创建验证会话").click()
        link = decode_qr(page)
        assert "lng=zh" in link
        shot(1, "verify")
        phone = phone_context.new_page()
        phone.goto(link)
        expect(phone.get_by_role("heading", name="实名认证（沙盒）")).to_be_visible()
        phone.locator("#approve").click()
        expect(phone.get_by_text("认证完成")).to_be_visible()
        phone.screenshot(path=str(OUTPUT / "i18n_zh-CN_flow_1_phone.png"), full_page=True)

        # 2. Group: the page moved on by itself, with its notice in Chinese.
        expect(page.get_by_text("验证通过：此人的素材组已就绪。请给它起一个好认的名字。")).to_be_visible()
        page.get_by_label("这是谁？（真人的名字）").fill("林伟")
        page.keyboard.press("Enter")
        expect(page.get_by_text("起个名字，以后更容易找到这个素材组。")).to_have_count(0)
        shot(2, "group")
        idle(page)
        page.get_by_role("button", name="继续：提交素材").click()

        # 3. Submit.
        expect(page.get_by_role("heading", name="3. 提交素材")).to_be_visible()
        page.locator("textarea").first.fill("\n".join(GOOD))
        page.get_by_role("button", name="添加到表格").click()
        send = page.locator(".st-key-submit__send").get_by_role("button", name="发送 2 个素材")
        expect(send).to_be_enabled()
        shot(3, "submit")
        send.click()

        # 4. Review: follows by itself until both clips are approved, in Chinese.
        expect(page.get_by_role("heading", name="4. 审核")).to_be_visible()
        expect(page.get_by_role("heading", name="可用（2）", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="未通过（0）", exact=True)).to_be_visible()
        expect(page.get_by_text("没有未通过的视频。")).to_be_visible()
        expect(page.get_by_role("button", name="用这 2 段视频生成视频")).to_be_visible()
        expect(page.get_by_role("button", name="下载 CSV")).to_be_visible()
        expect(page.get_by_text("Approved", exact=True)).to_have_count(0)
        shot(4, "review")

        # 5. Make a video, in Chinese; the finished video's card says so in Chinese too.
        page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="5. 生成视频", exact=True).click()
        expect(page.get_by_role("heading", name="5. 生成视频")).to_be_visible()
        page.get_by_role("textbox", name="提示词").fill("video 1 中的人向镜头挥手。")
        page.keyboard.press("Control+Enter")
        idle(page)
        page.locator(".st-key-generate__submit").get_by_role("button").click()
        expect(page.get_by_text("本次会话的视频")).to_be_visible()
        expect(page.get_by_text(re.compile(r"视频链接（"))).to_be_visible()
        shot(5, "video")

        # Start: where the operator is, in Chinese.
        page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="开始", exact=True).click()
        expect(page.get_by_text("真人：林伟")).to_be_visible()
        expect(page.get_by_text(re.compile(r"已发送 2 段视频：2 个可用"))).to_be_visible()
        shot(6, "start_again")

        # The Library: the person, their clips and the video, in Chinese.
        page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="素材库", exact=True).click()
        expect(page.get_by_role("heading", name="素材库")).to_be_visible()
        expect(page.get_by_role("heading", name="照片和视频（2）")).to_be_visible()
        expect(page.get_by_role("heading", name="视频（1）")).to_be_visible()
        expect(page.get_by_role("button", name="使用此真人")).to_be_visible()
        expect(page.get_by_role("button", name="导出全部（JSON）")).to_be_visible()
        expect(page.get_by_text("Photos and clips")).to_have_count(0)
        shot(7, "library")
    finally:
        phone_context.close()
        operator_context.close()
