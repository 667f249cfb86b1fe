"""Issue 11.1: a run from intake reads only the data the province accepted; a provisional run
reads unaccepted data too, says so on every page, export and API answer, and no rule reads it."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from grassroots.assistance.stored import latest_runs, stored_results
from grassroots.assistance.targets import record_target_checks
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.models import Publication, RunStatus
from grassroots.evaluation.runs import INTAKE_SOURCE, run_evaluation
from grassroots.intake.cases.services import import_cases
from grassroots.organisations.models import Role

PERIOD = "2024Q4"
INDICATOR = "non_arrest_rate"
JINAN = "370100"


def two_units(shandong, cases_dir) -> tuple[str, str]:
    """Two grassroots units of Jinan with case records in the period's generated data."""
    import duckdb

    with duckdb.connect() as con:
        present = {
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT unit_code FROM read_parquet('{cases_dir / 'persons'}.parquet')"
            ).fetchall()
        }
    codes = sorted(
        c for c, u in shandong.items() if u.parent_id == shandong[JINAN].pk and c in present
    )
    assert len(codes) >= 2
    return codes[0], codes[1]


@pytest.fixture
def uploads(scheme, admin, data_dir, cases_dir, shandong, tmp_path, unit_export, accept):
    """Units A and B each upload their records; the province accepts A's only."""
    a, b = two_units(shandong, cases_dir)
    for code in (a, b):
        export = unit_export(cases_dir, code, tmp_path / code)
        import_cases(source=export, unit=shandong[code], period=PERIOD, actor=admin)
    accept(PERIOD, [a])
    return a, b


def values(run, node: str = INDICATOR) -> dict[str, float | None]:
    return dict(run.results.filter(node=node).values_list("unit_code", "value"))


def test_a_run_from_intake_scores_only_the_accepted_unit_and_lists_the_other(
    scheme, uploads, shandong
) -> None:
    a, b = uploads
    run = run_evaluation(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        scope=shandong[JINAN],
    )
    assert run.status == RunStatus.DONE, run.error
    assert run.provisional is False
    assert a in run.data_versions["cases"]
    assert b not in run.data_versions["cases"]
    assert b in run.unaccepted
    assert a not in run.unaccepted
    read = values(run)
    assert read[a] is not None
    assert read[b] is None


def test_the_run_page_lists_the_units_without_accepted_data(
    scheme, uploads, shandong, member
) -> None:
    a, b = uploads
    run = run_evaluation(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        scope=shandong[JINAN],
    )
    html = (
        member(Role.PROVINCE_ADMIN, "370000")
        .get(reverse("evaluation:run", args=[run.pk]))
        .content.decode()
    )
    listed = html.split('id="run-unaccepted"', 1)[1].split("</ul>", 1)[0]
    assert b in listed
    assert a not in listed
    assert 'id="run-provisional"' not in html


def test_a_run_from_intake_is_refused_when_nothing_was_accepted(
    scheme, admin, data_dir, cases_dir, shandong, tmp_path, unit_export
) -> None:
    a, _ = two_units(shandong, cases_dir)
    export = unit_export(cases_dir, a, tmp_path / a)
    import_cases(source=export, unit=shandong[a], period=PERIOD, actor=admin)
    with pytest.raises(RunError, match=PERIOD):
        run_evaluation(
            scheme_version=scheme,
            period=PERIOD,
            source=INTAKE_SOURCE,
            actor=None,
            scope=shandong[JINAN],
        )


@pytest.fixture
def provisional_run(scheme, uploads, shandong):
    return run_evaluation(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        scope=shandong[JINAN],
        provisional=True,
    )


def test_a_provisional_run_reads_the_unaccepted_data_too(provisional_run, uploads) -> None:
    a, b = uploads
    run = provisional_run
    assert run.status == RunStatus.DONE, run.error
    assert run.provisional is True
    assert {a, b} <= set(run.data_versions["cases"])
    assert b in run.unaccepted  # listed still: read although not accepted
    read = values(run)
    assert read[a] is not None
    assert read[b] is not None


def test_a_provisional_run_is_marked_on_the_run_page(provisional_run, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    html = client.get(reverse("evaluation:run", args=[provisional_run.pk])).content.decode()
    assert 'id="run-provisional"' in html
    assert 'id="publish-run"' not in html


def test_a_provisional_run_is_marked_in_the_csv_and_excel_exports(provisional_run, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    url = reverse("evaluation:run", args=[provisional_run.pk])
    response = client.get(url, {"format": "csv"})
    assert response.status_code == 200
    assert "provisional-" in response["Content-Disposition"]
    first = response.content.decode("utf-8-sig").splitlines()[0]
    assert "Provisional" in first or "临时" in first or "暂定" in first

    response = client.get(reverse("evaluation:export-xlsx", args=[provisional_run.pk]))
    assert response.status_code == 200
    assert "provisional-" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert "provisional" in header


def test_an_accepted_run_is_not_marked_provisional_in_its_exports(
    scheme, uploads, shandong, member
) -> None:
    run = run_evaluation(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        scope=shandong[JINAN],
    )
    client = member(Role.PROVINCE_ADMIN, "370000")
    response = client.get(reverse("evaluation:run", args=[run.pk]), {"format": "csv"})
    assert "provisional" not in response["Content-Disposition"]
    response = client.get(reverse("evaluation:export-xlsx", args=[run.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert "provisional" not in [c.value for c in next(sheet.iter_rows(max_row=1))]


def test_the_api_says_a_run_is_provisional(provisional_run, member) -> None:
    client = member(Role.PROVINCE_ADMIN, "370000")
    body = client.get(f"/api/evaluation/runs/{provisional_run.pk}").json()
    assert body["provisional"] is True
    page = client.get(
        f"/api/evaluation/runs/{provisional_run.pk}/results", {"node": "core-business"}
    ).json()
    assert page["provisional"] is True


def test_a_provisional_run_is_never_published(provisional_run, published) -> None:
    with pytest.raises(RunError, match=str(provisional_run.pk)):
        published(provisional_run)
    provisional_run.refresh_from_db()
    assert provisional_run.publication == Publication.DRAFT


def test_no_rule_reads_a_provisional_run_even_the_newest(
    scheme, cases_dir, shandong, provisional_run, published
) -> None:
    province = published(
        run_evaluation(scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None)
    )
    newer = run_evaluation(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        scope=shandong["370000"],
        provisional=True,
    )
    assert newer.status == RunStatus.DONE, newer.error
    path = shandong["370000"].path
    assert latest_runs(path=path, periods=[PERIOD]) == {PERIOD: province}
    frame = stored_results(path=path, periods=[PERIOD])
    assert set(frame["run_id"]) == {province.pk}
    assert record_target_checks(newer) == []
    assert record_target_checks(provisional_run) == []
