"""The validation and reporting-rate pages in a real browser, in Chinese and English: the
province runs the checks from the page and sets a deadline; screenshots for a human to look at."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from grassroots.intake.figures.services import import_figures
from grassroots.intake.models import Deadline, ValidationRun
from grassroots.intake.reporting.services import set_deadline
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser
P = "2024Q3"
CST = dt.timezone(dt.timedelta(hours=8))


def _member(role: Role, code: str, username: str, password: str) -> object:
    user = get_user_model().objects.create_user(username=username, password=password)
    add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    return user


def _login(page, url: str, username: str, password: str, language: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{url}/")


def _figures(tmp_path, user, period: str, value: float) -> None:
    path = tmp_path / f"{period}.csv"
    path.write_text(f"unit_code,period,element,value\n370102,{period},incoming,{value}\n")
    import_figures(path=path, actor=user, catalogue="cepej", period=period, dry_run=False)


@pytest.fixture
def reported(city_reviewer, tmp_path, settings) -> tuple[str, str]:
    """Lixia reported four quarters of about 100 incoming cases, then 900 (an outlier), and
    submitted on time; Shizhong submitted late; the other units have not submitted."""
    settings.DATA_DIR = tmp_path
    _, password = city_reviewer
    clerk = _member(Role.GRASSROOTS_CLERK, "370102", "clerk", password)
    other = _member(Role.GRASSROOTS_CLERK, "370103", "clerk2", password)
    admin = _member(Role.PROVINCE_ADMIN, "370000", "admin", password)
    for period, value in (("2023Q3", 100), ("2023Q4", 104), ("2024Q1", 97), ("2024Q2", 101),
                          (P, 900)):  # fmt: skip
        _figures(tmp_path, clerk, period, value)
    set_deadline(period=P, due=dt.date(2024, 10, 10), actor=admin)
    on_time = dt.datetime(2024, 10, 9, 16, tzinfo=CST)
    late = dt.datetime(2024, 10, 14, 9, tzinfo=CST)
    workflow.submit(unit=Unit.objects.get(code="370102"), period=P, actor=clerk,
                    clock=lambda: on_time)  # fmt: skip
    workflow.submit(unit=Unit.objects.get(code="370103"), period=P, actor=other,
                    clock=lambda: late)  # fmt: skip
    return "admin", password


@pytest.mark.parametrize(
    ("language", "run", "late", "save"),
    [("zh-hans", "立即运行检查", "逾期", "保存截止日期"),
     ("en", "Run the checks now", "Late", "Save deadline")],
)  # fmt: skip
def test_validation_and_reporting_pages(
    live_server, page, reported, screenshots, language, run, late, save
) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, *reported, language)

    page.goto(f"{live_server.url}/intake/validation/?period={P}")
    runs = ValidationRun.objects.count()
    page.get_by_role("button", name=run).click()
    page.wait_for_load_state()
    assert ValidationRun.objects.count() == runs + 2  # the case-record and the cepej checks
    outlier = page.locator("table.findings tr[data-code='incoming']")
    assert outlier.count() == 1
    assert "900" in outlier.inner_text()
    page.screenshot(path=screenshots / f"intake-validation-{language}.png", full_page=True)

    page.goto(f"{live_server.url}/intake/reporting/?period={P}")
    assert page.locator("tr[data-unit='370103'] td.timeliness").inner_text() == late
    page.locator("#id_due").fill("2024-10-15")
    page.get_by_role("button", name=save).click()
    page.wait_for_load_state()
    assert Deadline.objects.get(period=P, catalogue="").due == dt.date(2024, 10, 15)
    assert page.locator("tr[data-unit='370103'] td.timeliness").inner_text() != late
    page.screenshot(path=screenshots / f"intake-reporting-{language}.png", full_page=True)
    assert errors == []
