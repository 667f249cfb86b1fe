"""The main navigation of the province administrator (the role with the most entries) fits one
line at 1400 px, in Chinese and in English; its menus open and close with the keyboard alone."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

TOPS = "els => els.map(e => Math.round(e.getBoundingClientRect().top))"


def _entries_on_one_line(page) -> None:
    tops = page.locator(".main-nav > ul > li").evaluate_all(TOPS)
    assert len(tops) >= 6
    assert len(set(tops)) == 1, tops  # every entry of the bar on the same line


def test_the_administrators_navigation_fits_one_line_and_works_by_keyboard(
    live_server, browser, transactional_db, small_province_rows, screenshots
) -> None:
    load_units(rows=small_province_rows, actor=None, reason="browser fixture")
    user = get_user_model().objects.create_user(username="nav-admin", password=PASSWORD)
    add_member(
        user=user, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(90_000)  # a loaded machine (the suite on 2 cores) is slow to serve
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("nav-admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    nav = page.get_by_role("navigation", name="主导航")
    _entries_on_one_line(page)
    # Every entry the administrator had is still there, in a menu if not on the bar.
    for name in (
        "首页",
        "评价",
        "数据采集",
        "单位",
        "文书",
        "监督模型",
        "案例库",
        "直报",
        "API 文档",
    ):
        assert nav.get_by_role("link", name=name, exact=True, include_hidden=True).count() == 1, (
            name
        )

    summary = nav.locator("summary", has_text="评价与数据")
    intake = nav.get_by_role("link", name="数据采集", exact=True, include_hidden=True)
    assert not intake.is_visible()
    summary.focus()
    page.keyboard.press("Enter")
    assert intake.is_visible()
    page.screenshot(path=screenshots / "main-nav-open-zh.png")
    page.keyboard.press("Tab")  # into the menu: its first entry
    assert page.evaluate("document.activeElement.textContent") == "评价"
    page.keyboard.press("Escape")
    assert not intake.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    intake.click()
    page.wait_for_url(f"{live_server.url}/intake/")
    assert "current" in (summary.get_attribute("class") or "")  # the page's menu is marked

    page.get_by_label("语言").select_option("en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    _entries_on_one_line(page)
    context.close()
