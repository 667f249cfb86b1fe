"""The audit log in a browser, in both languages, after real assistance and intake work."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser


@pytest.fixture
def auditor(city_reviewer, do_audited_work) -> tuple[str, str]:
    _, password = city_reviewer
    units = {u.code: u for u in Unit.objects.all()}
    admin = get_user_model().objects.create_user(username="admin", password=password)
    add_member(user=admin, unit=units["370000"], role=Role.PROVINCE_ADMIN, actor=None)
    do_audited_work(units, admin, keep_problem=True)
    user = get_user_model().objects.create_user(username="auditor", password=password)
    add_member(user=user, unit=units["370000"], role=Role.AUDITOR, actor=None)
    return "auditor", password


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("zh-hans", ["整改措施", "问题清单", "校验运行", "历下区人民检察院 (370102)"]),
        (
            "en",
            ["Rectification measure", "Validation run", "Lixia District Procuratorate (370102)"],
        ),
    ],
)
def test_the_audit_log_reads_in_the_page_language(
    live_server, page, auditor, screenshots, language, texts
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(auditor[0])
    page.locator("#id_password").fill(auditor[1])
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/audit/")
    table = page.locator("table").inner_text()
    for text in texts:
        assert text in table
    page.screenshot(path=screenshots / f"audit-log-readable-{language}.png", full_page=True)
    # The first entries at reading size (the full page is scaled down when viewed).
    page.screenshot(
        path=screenshots / f"audit-log-readable-{language}-top.png",
        full_page=True,
        clip={"x": 0, "y": 380, "width": 1280, "height": 900},
    )
