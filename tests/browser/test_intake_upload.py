"""A clerk uploads a case export with one bad cell, reads the problem, fixes it, and uploads."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from grassroots.intake.models import DataVersion
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser

HEADER = "unit_code,case_id,person_id,arrest_review_received,arrest_decision,arrest_decision_date"


@pytest.fixture
def clerk(city_reviewer, settings, tmp_path) -> tuple[str, str]:
    settings.DATA_DIR = tmp_path
    _, password = city_reviewer
    user = get_user_model().objects.create_user(username="clerk", password=password)
    add_member(
        user=user, unit=Unit.objects.get(code="370102"), role=Role.GRASSROOTS_CLERK, actor=None
    )
    return "clerk", password


def test_clerk_fixes_a_rejected_upload_and_sees_the_new_version(
    live_server, page, clerk, screenshots, tmp_path
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    bad = tmp_path / "bad" / "persons.csv"
    bad.parent.mkdir()
    bad.write_text(
        f"{HEADER}\n370102,c1,p1,2024-07-01,approved,2024-07-03\n"
        "370102,c2,p2,2024-07-02,approved,2024/07/05\n",
        encoding="gb18030",
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(clerk[0])
    page.locator("#id_password").fill(clerk[1])
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    page.locator(".main-nav summary", has_text="评价与数据").click()  # the menu opens
    page.get_by_role("link", name="数据采集").click()
    page.get_by_role("link", name="上传案件数据").click()
    page.get_by_label("期间").fill("2024Q3")
    page.get_by_label("案件系统导出文件").set_input_files(str(bad))
    page.get_by_role("button", name="检查并上传").click()
    problem = page.locator("table.problems tbody tr")
    expect(problem).to_have_count(1)
    assert problem.locator("td").all_inner_texts()[:3] == [
        "persons.csv",
        "3",
        "arrest_decision_date",
    ]
    assert DataVersion.objects.count() == 0
    page.screenshot(path=screenshots / "intake-upload-rejected-zh.png", full_page=True)

    good = tmp_path / "good" / "persons.csv"
    good.parent.mkdir()
    good.write_text(bad.read_text(encoding="gb18030").replace("2024/07/05", "2024-07-05"))
    page.get_by_label("期间").fill("2024Q3")
    page.get_by_label("案件系统导出文件").set_input_files(str(good))
    page.get_by_role("button", name="检查并上传").click()
    version = DataVersion.objects.get()
    page.wait_for_url(f"{live_server.url}/intake/versions/{version.pk}/")
    assert page.locator("h1").inner_text() == f"数据版本 {version.pk}"
    assert page.get_by_text(version.checksum).is_visible()
    page.screenshot(path=screenshots / "intake-version-zh.png", full_page=True)
    page.goto(f"{live_server.url}/intake/")
    page.screenshot(path=screenshots / "intake-index-zh.png", full_page=True)
    assert errors == []
