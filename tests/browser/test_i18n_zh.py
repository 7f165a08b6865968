"""The dashboard in a Chinese browser (Chromium with locale zh-CN, in Shanghai's time zone): the Start page,
the sidebar and the menu in Chinese with no `?lang=`; the Verify step in Chinese, its link for the person too;
the switch to English kept in the URL across a reload. Screenshots in test-output/browser/ show real glyphs
(scripts/test.sh installs fonts-noto-cjk)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import OUTPUT, decode_qr, idle


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
