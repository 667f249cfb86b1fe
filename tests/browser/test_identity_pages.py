"""The identity and administration pages in a browser, in both languages: logging in with a
second factor, changing one's password, the system administrator's accounts, the security
administrator's roles and access, the audit log with security events, the lock page."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grassroots.organisations.models import AccountSecurity, Role, Unit
from grassroots.organisations.security import totp
from grassroots.organisations.services import add_member, issue_token

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/security")
NEW = "Harbour#Quartz2032"


def _member(username: str, role: Role, code: str, password: str) -> object:
    user = get_user_model().objects.create_user(username=username, password=password)
    add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    return user


@pytest.fixture
def staff(city_reviewer) -> str:
    _, password = city_reviewer
    _member("sysadmin", Role.SYSTEM_ADMIN, "370000", password)
    _member("secadmin", Role.SECURITY_ADMIN, "370000", password)
    _member("auditor", Role.AUDITOR, "370000", password)
    clerk = _member("clerk", Role.GRASSROOTS_CLERK, "370102", password)
    _member("leader", Role.LEADER, "370000", password)
    issue_token(user=clerk, name="统计报送", ttl=dt.timedelta(days=30), actor=None)
    return password


def _shot(page, screenshots: Path, name: str) -> None:
    page.screenshot(path=screenshots / f"{name}.png", full_page=True)
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def _login(page, url: str, username: str, password: str, language: str) -> None:
    page.goto(f"{url}/accounts/login/")
    if language != "zh-hans":
        page.get_by_role("combobox").select_option(language)
        page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_load_state()


def _logout(page) -> None:
    page.locator("form[action='/accounts/logout/'] button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_administrators_pages(live_server, page, staff, screenshots, language) -> None:
    url = live_server.url
    # A wrong password first: the audit log shows it later.
    _login(page, url, "clerk", "wrong", language)
    _login(page, url, "sysadmin", staff, language)
    page.goto(f"{url}/security/accounts/")
    heading = {"zh-hans": "账号管理", "en": "Accounts"}[language]
    assert page.locator("h1").inner_text() == heading
    page.locator("#id_username").fill("newcomer")
    page.locator("#id_unit").fill("370102")
    page.locator("#id_password1").fill("short")
    page.locator("#id_password2").fill("short")
    page.locator("form[action='/security/accounts/'] button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".errorlist").first).to_be_visible()
    _shot(page, screenshots, f"system-admin-accounts-{language}")
    page.locator("#id_password1").fill(NEW)
    page.locator("#id_password2").fill(NEW)
    page.locator("form[action='/security/accounts/'] button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("table").first).to_contain_text("newcomer")
    _logout(page)

    _login(page, url, "secadmin", staff, language)
    page.goto(f"{url}/security/access/")
    assert "clerk" in page.locator("table").inner_text()
    _shot(page, screenshots, f"security-admin-access-{language}")
    _logout(page)

    _login(page, url, "auditor", staff, language)
    page.goto(f"{url}/audit/")
    table = page.locator("table").inner_text()
    assert {"zh-hans": "登录失败", "en": "Failed login"}[language] in table
    _shot(page, screenshots, f"audit-log-security-events-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_own_password_and_second_factor(live_server, page, staff, screenshots, language) -> None:
    url = live_server.url
    _login(page, url, "leader", staff, language)
    page.goto(f"{url}/accounts/password/")
    _shot(page, screenshots, f"password-change-{language}")
    page.locator("#id_current").fill(staff)
    page.locator("#id_password1").fill(NEW)
    page.locator("#id_password2").fill(NEW)
    page.locator("form[action='/accounts/password/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url == f"{url}/"

    page.goto(f"{url}/accounts/two-factor/")
    _shot(page, screenshots, f"two-factor-setup-{language}")
    user = get_user_model().objects.get(username="leader")
    secret = AccountSecurity.objects.get(user=user).totp_secret
    page.locator("#id_code").fill(totp.code_at(secret, time.time()))
    page.locator("form[action='/accounts/two-factor/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert AccountSecurity.objects.get(user=user).totp_enabled
    _logout(page)

    _login(page, url, "leader", NEW, language)
    assert page.url == f"{url}/accounts/login/code/"
    _shot(page, screenshots, f"login-code-{language}")
    page.locator("#id_code").fill(totp.code_at(secret, time.time() + 30))
    page.locator("form[action='/accounts/login/code/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url == f"{url}/"


def test_the_lock_page_says_the_account_is_locked_everywhere(
    live_server, page, staff, screenshots, settings
) -> None:
    for _ in range(settings.GRASSROOTS_LOGIN_FAILURE_LIMIT):
        _login(page, live_server.url, "clerk", "wrong", "zh-hans")
    assert page.locator("h1").inner_text() == "账号已暂时锁定"
    assert "所有电脑" in page.locator(".alert").inner_text()
    _shot(page, screenshots, "locked-out-zh-hans")
