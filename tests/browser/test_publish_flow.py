"""Issue 11 (points 1-2) in the browser: a clerk submits, the city approves, the province
accepts, starts a run from intake and publishes it; a leader sees the run only once published."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from django.contrib.auth import get_user_model

from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.models import EvaluationRun, Publication, RunStatus
from grassroots.evaluation.runs import work
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.intake.cases.services import import_cases
from grassroots.intake.models import SubmissionStatus
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser
P = "2024Q4"


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


SMALL = ("370102", "370103", "370104", "370202")  # the small province's grassroots units


def _small_province(cases: Path, target: Path) -> Path:
    """The generated records of the small province's units only."""
    target.mkdir()
    codes = ", ".join(f"'{c}'" for c in SMALL)
    with duckdb.connect() as con:
        for name in ("persons", "events", "matters"):
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{cases / name}.parquet') "
                f"WHERE unit_code IN ({codes})) TO '{target / name}.parquet' (FORMAT parquet)"
            )
    return target


@pytest.fixture
def uploaded(city_reviewer, tmp_path: Path, settings) -> dict[str, object]:
    """The small province's case records of the period, uploaded by the province (not yet
    submitted by anyone); Jinan's other units already approved by the city."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    cases = tmp_path / "cases"
    generate(cases, SynthOptions(first="2024Q3", last=P, provinces=("37",), scale=0.3))
    cases = _small_province(cases, tmp_path / "small")
    reviewer, password = city_reviewer
    admin = _member(Role.PROVINCE_ADMIN, "370000", "admin", password)
    import_cases(source=cases, unit=Unit.objects.get(code="370000"), period=P, actor=admin)
    load_shipped_schemes()
    reviewer_user = get_user_model().objects.get(username=reviewer)
    for code in ("370103", "370104"):
        unit = Unit.objects.get(code=code)
        clerk = _member(Role.GRASSROOTS_CLERK, code, f"clerk-{code}", password)
        workflow.submit(unit=unit, period=P, actor=clerk)
        workflow.approve(unit=unit, period=P, actor=reviewer_user)
    _member(Role.GRASSROOTS_CLERK, "370102", "clerk", password)
    _member(Role.LEADER, "370000", "leader", password)
    return {"reviewer": reviewer, "password": password}


def test_a_leader_sees_the_run_only_once_the_province_publishes_it(
    live_server, page, uploaded, screenshots
) -> None:
    url, password = live_server.url, str(uploaded["password"])
    lixia = Unit.objects.get(code="370102")

    _login(page, url, "clerk", password)
    page.goto(f"{url}/intake/submissions/?period={P}")
    page.locator("tr[data-unit='370102']").get_by_role("button", name="报送").click()
    page.wait_for_load_state()
    assert workflow.status_of(unit=lixia, period=P) == SubmissionStatus.SUBMITTED

    _login(page, url, str(uploaded["reviewer"]), password)
    page.goto(f"{url}/intake/submissions/?period={P}")
    page.locator("tr[data-unit='370102']").get_by_role("button", name="审核通过").click()
    page.wait_for_load_state()
    assert workflow.status_of(unit=lixia, period=P) == SubmissionStatus.APPROVED

    _login(page, url, "admin", password)
    page.goto(f"{url}/intake/submissions/?period={P}")
    page.locator("tr[data-city='370100']").get_by_role("button", name="确认并锁定").click()
    page.wait_for_load_state()
    assert workflow.status_of(unit=lixia, period=P) == SubmissionStatus.ACCEPTED

    # The province starts a run from intake (accepted data only) and the worker computes it.
    page.goto(f"{url}/evaluation/")
    scheme = latest_scheme_version("core-business")
    page.locator("select[name=scheme]").select_option(str(scheme.pk))
    page.locator("input[name=period]").fill(P)
    page.locator("#run-advanced summary").click()  # the data source is an advanced option
    page.locator("select[name=source]").select_option("intake")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state()
    run = EvaluationRun.objects.get()
    assert run.provisional is False
    assert work(once=True) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    # Qingdao's unit was never accepted: the run lists it and did not read its data.
    assert run.unaccepted == ["370202"]

    _login(page, url, "leader", password)
    response = page.goto(f"{url}/evaluation/runs/{run.pk}/")
    assert response is not None
    assert response.status == 404
    page.goto(f"{url}/evaluation/")
    assert page.locator(f"a[href='/evaluation/runs/{run.pk}/']").count() == 0

    _login(page, url, "admin", password)
    page.goto(f"{url}/evaluation/runs/{run.pk}/")
    assert page.locator("#run-draft").is_visible()
    assert "370202" in page.locator("#run-unaccepted").inner_text()
    page.screenshot(path=screenshots / "evaluation-run-draft-zh.png", full_page=True)
    page.locator("#publish-run").click()
    page.wait_for_url(f"{url}/evaluation/runs/{run.pk}/")
    run.refresh_from_db()
    assert run.publication == Publication.PUBLISHED
    assert page.locator("#publish-run").count() == 0
    assert page.locator("#run-draft").count() == 0

    _login(page, url, "leader", password)
    response = page.goto(f"{url}/evaluation/runs/{run.pk}/")
    assert response is not None
    assert response.status == 200
    assert "370102" in page.content()
    page.screenshot(path=screenshots / "evaluation-run-published-leader-zh.png", full_page=True)
