"""The issue's walk: a clerk uploads a template with one bad cell, sees the error, fixes it,
confirms and submits; the city approves; the province accepts and the period is locked."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from playwright.sync_api import expect

from grassroots.intake.figures import workbook
from grassroots.intake.figures.services import build_template
from grassroots.intake.models import ReportedValue, SubmissionStatus
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser
P = "2024Q3"


def _member(role: Role, code: str, username: str, password: str) -> object:
    user = get_user_model().objects.create_user(username=username, password=password)
    add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    return user


def _login(page, url: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/")


def _template_with(tmp_path, value: object, name: str):
    data = build_template(unit=Unit.objects.get(code="370102"), catalogue="cepej", period=P)
    book = load_workbook(io.BytesIO(data))
    sheet = book[workbook.SHEET]
    sheet.cell(row=2, column=workbook.VALUE_COLUMN).value = 120
    sheet.cell(row=3, column=workbook.VALUE_COLUMN).value = value
    path = tmp_path / name
    book.save(path)
    return path


def test_upload_fix_submit_approve_accept(
    live_server, page, city_reviewer, screenshots, tmp_path, settings
) -> None:
    settings.DATA_DIR = tmp_path
    reviewer, password = city_reviewer
    clerk = _member(Role.GRASSROOTS_CLERK, "370102", "clerk", password)
    _member(Role.PROVINCE_ADMIN, "370000", "admin", password)
    reviewer_user = get_user_model().objects.get(username=reviewer)
    # Shizhong and Huaiyin are already approved: the city can be accepted once Lixia is.
    for code, name in (("370103", "clerk2"), ("370104", "clerk3")):
        other = _member(Role.GRASSROOTS_CLERK, code, name, password)
        workflow.submit(unit=Unit.objects.get(code=code), period=P, actor=other)
        workflow.approve(unit=Unit.objects.get(code=code), period=P, actor=reviewer_user)

    _login(page, live_server.url, "clerk", password)
    page.goto(f"{live_server.url}/intake/figures/upload/")
    page.get_by_label("已填写的模板（.xlsx）或 CSV").set_input_files(
        str(_template_with(tmp_path, "一百三十", "bad.xlsx"))
    )
    page.get_by_role("button", name="检查（预检）").click()
    expect(page.locator("table.problems tbody tr").first).to_be_visible()
    cells = page.locator("table.problems tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:4] == ["填报", "3", "数值"]
    assert page.get_by_role("link", name="下载标出错误单元格的工作簿").is_visible()
    page.screenshot(path=screenshots / "intake-figures-rejected-zh.png", full_page=True)

    page.get_by_label("已填写的模板（.xlsx）或 CSV").set_input_files(
        str(_template_with(tmp_path, 130, "good.xlsx"))
    )
    page.get_by_role("button", name="检查（预检）").click()
    # count() does not wait: the click's page may not have arrived yet
    expect(page.locator("table.changes tbody tr")).to_have_count(2)
    assert not ReportedValue.objects.exists()
    page.screenshot(path=screenshots / "intake-figures-dry-run-zh.png", full_page=True)
    page.get_by_role("button", name="确认并保存").click()
    page.wait_for_url(f"{live_server.url}/intake/figures/")
    assert ReportedValue.objects.filter(unit__code="370102").count() == 2
    page.screenshot(path=screenshots / "intake-figures-zh.png", full_page=True)

    page.goto(f"{live_server.url}/intake/submissions/?period={P}")
    page.locator("tr[data-unit='370102']").get_by_role("button", name="报送").click()
    page.wait_for_load_state()
    lixia = Unit.objects.get(code="370102")
    assert workflow.status_of(unit=lixia, period=P) == SubmissionStatus.SUBMITTED

    _login(page, live_server.url, reviewer, password)
    page.goto(f"{live_server.url}/intake/submissions/?period={P}")
    page.locator("tr[data-unit='370102']").get_by_role("button", name="审核通过").click()
    page.wait_for_load_state()
    assert workflow.status_of(unit=lixia, period=P) == SubmissionStatus.APPROVED

    _login(page, live_server.url, "admin", password)
    page.goto(f"{live_server.url}/intake/submissions/?period={P}")
    page.locator("tr[data-city='370100']").get_by_role("button", name="确认并锁定").click()
    page.wait_for_load_state()
    assert page.locator("tr[data-unit='370102'] td.status").inner_text() == "省院已确认并锁定"
    assert workflow.status_of(unit=lixia, period=P) == SubmissionStatus.ACCEPTED
    page.screenshot(path=screenshots / "intake-submissions-zh.png", full_page=True)
    assert clerk is not None
