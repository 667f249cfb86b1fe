"""Every page renders in both languages without browser errors; screenshots for a human to look at."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "units": "/units/",
    "unit": "/units/370102/",
    "audit": "/audit/",
    "intake-validation": "/intake/validation/?period=2024Q3",
    "intake-reporting": "/intake/reporting/?period=2024Q3",
}


@pytest.fixture
def auditor(city_reviewer) -> tuple[str, str]:
    _, password = city_reviewer
    user = get_user_model().objects.create_user(username="auditor", password=password)
    add_member(user=user, unit=Unit.objects.get(code="370000"), role=Role.AUDITOR, actor=None)
    return "auditor", password


@pytest.mark.parametrize(
    ("language", "heading"),
    [("zh-hans", "工作台 审计员（只读）"), ("en", "Workbench Auditor (read-only)")],
)
def test_every_page_renders_cleanly_in_each_language(
    live_server, page, auditor, screenshots, language, heading
) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.screenshot(path=screenshots / f"login-{language}.png")
    page.locator("#id_username").fill(auditor[0])
    page.locator("#id_password").fill(auditor[1])
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == heading
    for name, url in PAGES.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 200, url
        assert page.evaluate("document.documentElement.lang") == language
        page.screenshot(path=screenshots / f"auditor-{name}-{language}.png", full_page=True)
    assert errors == []


def test_lockout_page_is_shown_after_repeated_failures(
    live_server, page, city_reviewer, screenshots, settings
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(settings.GRASSROOTS_LOGIN_FAILURE_LIMIT):
        page.locator("#id_username").fill(city_reviewer[0])
        page.locator("#id_password").fill("wrong")
        page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "账号已暂时锁定"
    page.screenshot(path=screenshots / "locked-out-zh-hans.png")
