"""Year-to-date and year runs from intake: computed from the case rows of the quarters' data
versions taken as one set, not by adding quarterly values (issue 11.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grassroots.engine.cases import read_cases
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.compute import compute_elements
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.inputs import intake_element_frame
from grassroots.evaluation.models import RunStatus
from grassroots.evaluation.runs import INTAKE_SOURCE, reproduce, run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.intake.cases.services import import_cases
from grassroots.organisations.models import Role

UNIT = "370103"
HEAD = "unit_code,event_id,case_id,event_type,event_date\n"
# Case c1 is remanded in Q1 and again in Q2; the Q2 export repeats its Q1 event (same id).
QUARTERS = {
    "2024Q1": ["e1,c1,remand_first,2024-02-10", "e2,c2,remand_first,2024-03-01"],
    "2024Q2": ["e1,c1,remand_first,2024-02-10", "e3,c1,remand_second,2024-05-05"],
    "2024Q3": ["e4,c3,remand_first,2024-08-01"],
}


def _export(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True)
    (folder / "events.csv").write_text(HEAD + "".join(f"{UNIT},{r}\n" for r in rows))
    return folder


@pytest.fixture
def quarters(province, make_member, settings, tmp_path, accept):
    settings.DATA_DIR = tmp_path / "data"
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    versions = {
        q: import_cases(
            source=_export(tmp_path / q, rows), unit=province[UNIT], period=q, actor=admin
        )
        for q, rows in QUARTERS.items()
    }
    for q in QUARTERS:
        accept(q, [UNIT])  # the province accepted each quarter: a long period reads them
    return versions


@pytest.fixture
def scheme(province):
    load_shipped_schemes()
    return latest_scheme_version("core-business")


def _element(frame, element: str, period: str) -> float:
    row = frame[(frame.unit_code == UNIT) & (frame.period == period) & (frame.element == element)]
    assert len(row) == 1, row
    return float(row["value"].iloc[0])


def test_a_ytd_run_counts_a_case_spanning_quarters_once(scheme, quarters, tmp_path) -> None:
    run = run_evaluation(
        scheme_version=scheme, period="2024Q3-YTD", source=INTAKE_SOURCE, actor=None
    )
    assert run.status == RunStatus.DONE, run.error
    assert run.data_versions["spans"]["2024Q3-YTD"][UNIT] == [v.pk for v in quarters.values()]
    assert UNIT not in run.data_versions["missing"]
    frame = intake_element_frame(run)

    # The same figures computed directly over the union of the quarters' rows (e1 once).
    union = {r for rows in QUARTERS.values() for r in rows}
    direct = compute_elements(
        read_cases(_export(tmp_path / "union", sorted(union))),
        load_catalogue("spp-case-quality"),
        ["2024Q3-YTD"],
    )
    for element in ("remanded_cases", "extra_procedures"):
        assert _element(frame, element, "2024Q3-YTD") == _element(direct, element, "2024Q3-YTD")
    assert _element(frame, "remanded_cases", "2024Q3-YTD") == 3  # c1, c2, c3
    assert _element(frame, "extra_procedures", "2024Q3-YTD") == 4  # e1..e4, e1 once

    # Adding the quarterly values would count c1 twice.
    quarterly = sum(
        v.element_values.get(unit__code=UNIT, element="remanded_cases").value
        for v in quarters.values()
    )
    assert quarterly == 4
    assert set(frame.loc[frame.element == "remanded_cases", "source"]) == {
        "versions:" + ",".join(str(v.pk) for v in quarters.values())
    }
    assert reproduce(run) is True


def test_a_unit_without_every_quarter_has_no_ytd_case_data(scheme, quarters) -> None:
    # Not accepted: Q4 is missing, so the year to Q4 is not accepted either.
    with pytest.raises(RunError, match="2024Q4-YTD"):
        run_evaluation(scheme_version=scheme, period="2024Q4-YTD", source=INTAKE_SOURCE, actor=None)
    # Even over unaccepted data (provisional), the unit has no case data for the whole span.
    with pytest.raises(RunError, match="no data for 2024Q4-YTD"):
        run_evaluation(
            scheme_version=scheme,
            period="2024Q4-YTD",
            source=INTAKE_SOURCE,
            actor=None,
            provisional=True,
        )


def test_a_year_run_reads_its_four_quarters(scheme, quarters, province, tmp_path, accept) -> None:
    admin = quarters["2024Q1"].uploaded_by
    q4 = import_cases(
        source=_export(tmp_path / "q4", ["e5,c3,remand_second,2024-11-11"]),
        unit=province[UNIT],
        period="2024Q4",
        actor=admin,
    )
    accept("2024Q4", [UNIT])
    run = run_evaluation(scheme_version=scheme, period="2024", source=INTAKE_SOURCE, actor=None)
    assert run.status == RunStatus.DONE, run.error
    assert run.data_versions["spans"]["2024"][UNIT][-1] == q4.pk
    frame = intake_element_frame(run)
    assert _element(frame, "remanded_cases", "2024") == 3  # c3 again in Q4: still one case


def test_a_ytd_value_traces_to_the_quarters_versions_and_their_records(
    scheme, quarters, member, make_member
) -> None:
    from django.urls import reverse

    from grassroots.evaluation.publication import publish_run

    run = run_evaluation(
        scheme_version=scheme, period="2024Q3-YTD", source=INTAKE_SOURCE, actor=None
    )
    publish_run(run=run, actor=make_member(Role.PROVINCE_ADMIN, "370000", "publisher"))
    client = member(Role.CITY_REVIEWER, "370100")
    profile = client.get(reverse("evaluation:unit-profile", args=[run.pk, UNIT])).content.decode()
    records = reverse("evaluation:element-records", args=[run.pk, UNIT, "remanded_cases"])
    assert f'href="{records}"' in profile
    for version in quarters.values():  # the source names each quarter's version, not "no data"
        assert f'href="{reverse("intake:version", args=[version.pk])}"' in profile
    page = client.get(records)
    assert page.status_code == 200
    html = page.content.decode()
    assert "2024Q3-YTD" not in html  # the period by its name
    table = html[html.index('id="records"') :]
    table = table[: table.index("</table>")]
    # The remand events of the year to Q3 (e1..e4; the element counts their 3 distinct cases);
    # e1, repeated in the Q2 export, is one row.
    assert table.count("<tr>") - 1 == 4
    assert table.count("e1<") == 1
    # Outside the reader's city: 404.
    other = member(Role.CITY_REVIEWER, "370200")
    assert other.get(records).status_code == 404
