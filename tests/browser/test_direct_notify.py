"""The direct channel and the notifications in a real browser, both languages: a clerk files a
report; the leader the contact map routes it to replies; the clerk sees the reply and the
unread count. Screenshots of the inbox, the choices and the direct-channel pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grassroots.direct.models import ContactKind, Report
from grassroots.direct.services import add_entry
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-browser-tests"
SHOTS = Path("/work/shots/notify")


@pytest.fixture
def direct_world(city_reviewer: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path / "data"
    made = {}
    for username, code, role in [
        ("admin", "370000", Role.PROVINCE_ADMIN),
        ("leader", "370000", Role.LEADER),
        ("clerk", "370102", Role.GRASSROOTS_CLERK),
    ]:
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        made[username] = get_user_model().objects.get(pk=user.pk)
    add_entry(actor=made["admin"], kind=ContactKind.LEADER_UNIT, handler=made["leader"],
              unit=Unit.objects.get(code="370102"))  # fmt: skip
    add_entry(actor=made["admin"], kind=ContactKind.OFFICE, handler=made["admin"])
    return made


def _login(browser: Any, live_server: Any, username: str, language: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.mark.parametrize(
    ("language", "reply_word", "unread_label"),
    [("zh-hans", "答复", "通知"), ("en", "Reply", "Notifications")],
)
def test_a_clerk_files_the_leader_replies_the_clerk_reads(
    live_server: Any,
    browser: Any,
    direct_world: dict[str, Any],
    screenshots: Path,
    language: str,
    reply_word: str,
    unread_label: str,
    tmp_path: Path,
) -> None:
    target = SHOTS if SHOTS.parent.exists() else screenshots
    target.mkdir(parents=True, exist_ok=True)
    clerk = _login(browser, live_server, "clerk", language)
    clerk.goto(f"{live_server.url}/direct/new/")
    clerk.screenshot(path=target / f"direct-new-{language}.png", full_page=True)
    clerk.locator("#id_category").select_option("problem")
    clerk.locator("#id_urgency").select_option("urgent")
    clerk.locator("#id_title").fill("办案用房不足")
    clerk.locator("#id_description").fill("听证室只有一间，请省院协调。")
    attachment = tmp_path / "说明.txt"
    attachment.write_text("办案用房情况说明", encoding="utf-8")
    clerk.locator("#id_attachments").set_input_files(str(attachment))
    clerk.locator("form[enctype] button[type=submit]").click()
    clerk.wait_for_url(f"{live_server.url}/direct/*/")
    report = Report.objects.get()
    assert report.handler == direct_world["leader"]
    assert clerk.locator(".badge.unread-count").count() == 0

    leader = _login(browser, live_server, "leader", language)
    assert leader.locator(".badge.unread-count").inner_text() == "1"  # the assignment
    leader.goto(f"{live_server.url}/notifications/")
    leader.screenshot(path=target / f"inbox-{language}.png", full_page=True)
    leader.locator("table.inbox button[name=open]").first.click()
    leader.wait_for_url(f"{live_server.url}/direct/{report.pk}/")
    assert leader.locator(".badge.unread-count").count() == 0  # opened, so read
    leader.locator("#id_text").fill("已收到，正在与地方协调。")
    leader.locator(f"form[action='/direct/{report.pk}/reply/'] button[type=submit]").click()
    leader.wait_for_url(f"{live_server.url}/direct/{report.pk}/")
    leader.screenshot(path=target / f"direct-report-leader-{language}.png", full_page=True)

    clerk.goto(f"{live_server.url}/direct/")
    badge = clerk.locator(".main-nav .badge.unread-count")
    assert badge.inner_text() == "1"
    assert unread_label in clerk.locator(".main-nav").inner_text()
    clerk.screenshot(path=target / f"direct-index-clerk-{language}.png", full_page=True)
    clerk.goto(f"{live_server.url}/direct/{report.pk}/")
    thread = clerk.locator(".thread").inner_text()
    assert "已收到，正在与地方协调。" in thread
    assert reply_word in thread
    clerk.screenshot(path=target / f"direct-report-clerk-{language}.png", full_page=True)
    clerk.goto(f"{live_server.url}/notifications/")
    clerk.screenshot(path=target / f"inbox-clerk-{language}.png", full_page=True)
    clerk.locator("form[action='/notifications/read-all/'] button").click()
    clerk.wait_for_url(f"{live_server.url}/notifications/")
    expect(clerk.locator(".badge.unread-count")).to_have_count(0)
    clerk.goto(f"{live_server.url}/notifications/preferences/")
    clerk.screenshot(path=target / f"preferences-{language}.png", full_page=True)

    admin = _login(browser, live_server, "admin", language)
    admin.goto(f"{live_server.url}/direct/")
    admin.screenshot(path=target / f"direct-index-province-{language}.png", full_page=True)
    admin.goto(f"{live_server.url}/direct/map/")
    admin.screenshot(path=target / f"direct-map-{language}.png", full_page=True)
    for page in (clerk, leader, admin):
        assert page.errors == []
