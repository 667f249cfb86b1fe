"""A run from intake: the run page lists its data versions and the units without data, the
unit profile traces indicators to element values and links the weak-unit record, and the
records page lists the case rows behind a value. Screenshots in Chinese and English."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.assistance.models import Designation, WeakLevel, WeakStatus
from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.runs import INTAKE_SOURCE, run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.intake.cases.services import import_cases
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import reference_rows

pytestmark = pytest.mark.browser
ABSENT = "370102"


def _export(cases: Path, target: Path, where: str, *, persons: str = "TRUE") -> Path:
    target.mkdir()
    with duckdb.connect() as con:
        for name in ("persons", "events", "matters"):
            extra = f" AND {persons}" if name == "persons" else ""
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{cases / name}.parquet') WHERE {where}{extra}) "
                f"TO '{target / name}.parquet' (FORMAT parquet)"
            )
    return target


@pytest.fixture
def intake_run(transactional_db, tmp_path: Path, settings, accept, reopen) -> tuple[int, str]:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    cases = tmp_path / "cases"
    generate(cases, SynthOptions(first="2024Q3", last="2024Q4", provinces=("37",), scale=0.3))
    load_units(rows=reference_rows(["37"]), actor=None, reason="browser fixture")
    admin = get_user_model().objects.create_user(username="uploader", password="x-pw-123456")
    add_member(
        user=admin, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    province = _export(cases, tmp_path / "province", f"unit_code <> '{ABSENT}'")
    import_cases(
        source=province, unit=Unit.objects.get(code="370000"), period="2024Q4", actor=admin
    )
    code = "370103"
    own = _export(cases, tmp_path / "own", f"unit_code = '{code}'")
    import_cases(source=own, unit=Unit.objects.get(code=code), period="2024Q4", actor=admin)
    accept("2024Q4")  # a run reads the data the province accepted (issue 11.1)
    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    run = run_evaluation(scheme_version=scheme, period="2024Q4", source=INTAKE_SOURCE, actor=None)
    # Superseded after the run (the province reopened the unit): the run keeps pointing at
    # the version it read.
    reopen("2024Q4", [code])
    again = _export(
        cases, tmp_path / "again", f"unit_code = '{code}'", persons="hash(case_id) % 2 = 0"
    )
    import_cases(source=again, unit=Unit.objects.get(code=code), period="2024Q4", actor=admin)
    Designation.objects.create(
        unit=Unit.objects.get(code=code),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2025, 1, 15),
        status=WeakStatus.DESIGNATED,
    )
    return int(run.pk), code


def _login(page, live_server, *, english: bool) -> None:
    user = get_user_model().objects.create_user(username="reader", password="x-pw-123456")
    add_member(
        user=user, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    client = Client()
    client.force_login(user)
    cookies = [
        {
            "name": django_settings.SESSION_COOKIE_NAME,
            "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }
    ]
    if english:
        cookies.append(
            {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}
        )
    page.context.add_cookies(cookies)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_run_from_intake_is_traced_from_the_run_to_the_records(
    live_server, page, intake_run, screenshots, lang
) -> None:
    run, code = intake_run
    _login(page, live_server, english=lang == "en")
    page.goto(f"{live_server.url}/evaluation/")
    source = page.locator("select[name=source] option").first
    assert source.get_attribute("value") == "intake"
    page.locator("form.stacked").screenshot(path=screenshots / f"evaluation-start-{lang}.png")

    page.goto(f"{live_server.url}/evaluation/runs/{run}/")
    section = page.locator("section.panel", has=page.locator("#run-versions"))
    assert page.locator("#run-versions tbody tr").count() == 2
    assert ABSENT in page.locator("#run-missing").inner_text()
    section.screenshot(path=screenshots / f"evaluation-run-intake-{lang}.png")

    page.goto(f"{live_server.url}/evaluation/runs/{run}/units/{code}/")
    weak = page.locator("#weak-record")
    assert weak.locator(f"a[href='/assistance/units/{code}/']").count() == 1
    assert page.locator("#trace-table a[href^='/intake/versions/']").count() > 10
    why = page.locator("#indicators tbody tr td.muted").first.inner_text()
    if lang == "zh":
        assert "排第" in why or "无数据" in why
    else:
        assert "rank" in why or "no data" in why
    page.screenshot(path=screenshots / f"evaluation-profile-intake-{lang}.png", full_page=True)
    # Readable crops of the parts this test is about.
    top = {"x": 0, "y": 0, "width": 1280, "height": 1500}
    page.screenshot(
        path=screenshots / f"evaluation-profile-top-{lang}.png", clip=top, full_page=True
    )
    page.locator("#trace-table").screenshot(
        path=screenshots / f"evaluation-profile-trace-{lang}.png"
    )

    page.locator("#trace-table a[href*='/records/']").first.click()
    page.wait_for_url("**/records/**")
    assert page.locator("#records tbody tr").count() > 0
    page.screenshot(path=screenshots / f"evaluation-records-{lang}.png", full_page=False)
