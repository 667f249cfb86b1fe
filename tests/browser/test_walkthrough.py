"""A city reviewer logs in, reads the unit tree in Chinese, opens a unit, switches to English."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_city_reviewer_walks_through_in_chinese_then_english(
    live_server, page, city_reviewer, screenshots
) -> None:
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.screenshot(path=screenshots / "login-zh.png")
    username, password = city_reviewer
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "工作台 市院审核员"  # the workbench (issue 18.2)
    tree = page.locator("#unit-tree")
    codes = tree.locator("[data-unit]").evaluate_all("nodes => nodes.map(n => n.dataset.unit)")
    assert sorted(codes) == ["370100", "370102", "370103", "370104"]
    assert tree.get_by_role("link", name="历下区人民检察院").is_visible()
    page.screenshot(path=screenshots / "home-zh.png", full_page=True)

    # The tree folds with the keyboard alone: focus the branch and press Enter.
    summary = tree.locator("summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert not tree.get_by_role("link", name="历下区人民检察院").is_visible()
    page.keyboard.press("Enter")
    assert tree.get_by_role("link", name="历下区人民检察院").is_visible()

    tree.get_by_role("link", name="历下区人民检察院").click()
    page.wait_for_url(f"{live_server.url}/units/370102/")
    assert page.locator("h1").inner_text() == "历下区人民检察院"
    assert page.get_by_text("基本信息").is_visible()
    page.screenshot(path=screenshots / "unit-zh.png", full_page=True)

    page.get_by_label("语言").select_option("en")  # submits itself (static/grassroots/js/site.js)
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url == f"{live_server.url}/units/370102/"
    assert page.locator("h1").inner_text() == "Lixia District Procuratorate"
    assert page.get_by_text("Basic information").is_visible()
    assert page.locator(".brand-name").inner_text() == "Grassroots"
    page.screenshot(path=screenshots / "unit-en.png", full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Workbench City reviewer"
    page.screenshot(path=screenshots / "home-en.png", full_page=True)


def test_pages_raise_no_content_security_policy_errors(live_server, page, city_reviewer) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    username, password = city_reviewer
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/units/370102/")
    assert page.evaluate("typeof window.htmx") == "object"
    assert errors == []
