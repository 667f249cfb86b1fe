"""The individual assessment, app side (issue 14.3): the engine's scores stored month by month from
intake's case records, reviewer-entered items, the province's coefficient tables with versions,
and objections within the assessment's days (injected clock), decided by the committee."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from grassroots.engine.cases import read_cases
from grassroots.engine.errors import InputError
from grassroots.engine.individual import (
    load_individual_scheme,
    parse_coefficients,
    parse_individual_scheme,
    person_elements,
    score_people,
)
from grassroots.intake.cases.services import import_cases
from grassroots.organisations.models import AuditEntry, Role
from grassroots.people import assessment as services
from grassroots.people.compute import ComputeRefused, compute_assessment, roster_frame
from grassroots.people.models import Objection, ObjectionStatus, Person, PersonScore

T0 = dt.datetime(2024, 7, 1, 9, tzinfo=dt.UTC)
HEADER = "unit_code,case_id,person_id,arrest_review_received,arrest_decision,arrest_decision_date,prosecutor_id,department"
# (case, date, prosecutor, department): P001 handles most, P004 few, P002 one in May
CASES = [
    ("c1", "2024-04-08", "P001", "D01"), ("c2", "2024-04-15", "P001", "D01"),
    ("c3", "2024-05-06", "P001", "D01"), ("c4", "2024-05-20", "P002", "D01"),
    ("c5", "2024-06-03", "P004", "D02"), ("c6", "2024-06-10", "P001", "D01"),
]  # fmt: skip


def clock_at(moment: dt.datetime):
    return lambda: moment


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    (settings.DATA_DIR / "versions").mkdir(parents=True)
    return settings.DATA_DIR


@pytest.fixture
def cases_in(roster, users, data_dir, tmp_path, province):
    folder = tmp_path / "export"
    folder.mkdir()
    lines = [HEADER] + [
        f"370102,{c},{c}p,{day},approved,{day},{who},{dept}" for c, day, who, dept in CASES
    ]
    (folder / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    clerk = users["clerk"]
    return import_cases(source=folder, unit=province["370102"], period="2024Q2", actor=clerk)


@pytest.fixture
def cases_in_folder(cases_in, tmp_path) -> Path:
    return tmp_path / "export"


@pytest.fixture
def period(province, users):
    return services.open_assessment(
        unit=province["370102"], year=2024, scheme=load_individual_scheme("prosecutor-2021"),
        actor=users["committee"], objection_days=5, clock=clock_at(T0),
    )  # fmt: skip


def test_the_stored_scores_are_the_engine_s_for_every_person_and_month(
    cases_in, cases_in_folder, period, users, roster
) -> None:
    stored = compute_assessment(assessment=period, actor=users["committee"], clock=clock_at(T0))
    period.refresh_from_db()
    assert period.through == "2024-06"
    assert period.coefficients is not None
    assert period.coefficients.example
    scheme = parse_individual_scheme(period.scheme_yaml)
    people = list(
        Person.objects.filter(
            unit=period.unit, category__in=["prosecutor", "leader"]
        ).select_related("unit", "department")
    )
    # the reference: the engine called directly on the uploaded file (not intake's stored copy)
    elements = person_elements(
        read_cases(cases_in_folder), months=["2024-04", "2024-05", "2024-06"],
        coefficients=parse_coefficients(period.coefficients.yaml_text),
    )  # fmt: skip
    expected = score_people(
        scheme, elements, None, roster_frame(people), year=2024, through="2024-06", kinds=["ytd"]
    )
    totals = expected[expected.level == "total"]
    assert stored == len(totals) == len(people) * 6
    got = {
        (s.person.staff_number, s.month): (round(s.total, 6), s.grade, s.rank)
        for s in PersonScore.objects.filter(assessment=period).select_related("person")
    }
    want = {
        (r.staff_id, int(r.period[5:7])): (round(r.score, 6), r.grade, int(r.rank))
        for r in totals.itertuples()
    }
    assert got == want
    june = {
        s.person.staff_number: s for s in PersonScore.objects.filter(assessment=period, month=6)
    }
    assert june["P001"].total > june["P002"].total  # the busier prosecutor of D01 leads it
    assert june["P001"].performance + june["P001"].common + june["P001"].overall == pytest.approx(
        june["P001"].total
    )
    entry = AuditEntry.objects.filter(model="people.assessmentperiod", action="update").first()
    assert entry is not None
    assert "computed" in entry.reason


def test_reviewer_items_count_after_the_next_computation(cases_in, period, users, roster) -> None:
    compute_assessment(assessment=period, actor=users["committee"], clock=clock_at(T0))
    before = PersonScore.objects.get(assessment=period, person=roster["P002"], month=6)
    services.add_reviewer_item(
        assessment=period, person=roster["P002"], month=6, item="merit", points=Decimal("8"),
        note="典型案例", actor=users["committee"],
    )  # fmt: skip
    compute_assessment(assessment=period, actor=users["committee"], clock=clock_at(T0))
    after = PersonScore.objects.get(assessment=period, person=roster["P002"], month=6)
    assert after.performance > before.performance
    assert AuditEntry.objects.filter(model="people.revieweritem").count() == 1
    with pytest.raises(services.Refused):  # more than the item's points
        services.add_reviewer_item(
            assessment=period, person=roster["P004"], month=6, item="overall", points=Decimal("11"),
            note="", actor=users["committee"],
        )  # fmt: skip
    with pytest.raises(services.Refused):  # computed from cases, not entered
        services.add_reviewer_item(
            assessment=period, person=roster["P004"], month=6, item="workload", points=Decimal("1"),
            note="", actor=users["committee"],
        )  # fmt: skip
    for key in ("personnel", "other_committee", "head", "clerk"):
        with pytest.raises(services.NotAllowed):
            services.add_reviewer_item(
                assessment=period, person=roster["P004"], month=6, item="overall",
                points=Decimal("5"), note="", actor=users[key],
            )  # fmt: skip


def test_only_the_committee_and_the_province_compute(cases_in, period, users) -> None:
    for key in ("personnel", "head", "other_committee", "clerk"):
        with pytest.raises(ComputeRefused):
            compute_assessment(assessment=period, actor=users[key])
    assert compute_assessment(assessment=period, actor=users["admin"], clock=clock_at(T0)) > 0


def test_an_objection_is_possible_within_the_days_and_decided_by_the_committee(
    cases_in, period, users, roster
) -> None:
    compute_assessment(assessment=period, actor=users["committee"], clock=clock_at(T0))
    score = PersonScore.objects.get(assessment=period, person=roster["P002"], month=6)
    with pytest.raises(services.NotAllowed):  # not one's own score
        services.raise_objection(score=score, text="x", actor=users["zhao"], clock=clock_at(T0))
    late = T0 + dt.timedelta(days=5, seconds=1)
    with pytest.raises(services.Refused):
        services.raise_objection(score=score, text="晚了", actor=users["li"], clock=clock_at(late))
    objection = services.raise_objection(
        score=score,
        text="5月案件漏计",
        actor=users["li"],
        clock=clock_at(T0 + dt.timedelta(days=5)),
    )
    with pytest.raises(services.Refused):  # one open objection at a time
        services.raise_objection(score=score, text="again", actor=users["li"], clock=clock_at(T0))
    for key in ("personnel", "other_committee", "head", "li"):
        with pytest.raises(services.NotAllowed):
            services.decide_objection(
                objection=objection, status="upheld", reason="r", actor=users[key]
            )
    with pytest.raises(services.Refused):
        services.decide_objection(
            objection=objection, status="upheld", reason="  ", actor=users["committee"]
        )
    decided = services.decide_objection(
        objection=objection, status=ObjectionStatus.UPHELD, reason="经核查漏计一件", corrected_total=81.25,
        actor=users["committee"], clock=clock_at(T0 + dt.timedelta(days=6)),
    )  # fmt: skip
    assert (decided.status, decided.decided_by, decided.reason) == (
        "upheld",
        users["committee"].username,
        "经核查漏计一件",
    )
    score.refresh_from_db()
    assert score.total == 81.25
    assert AuditEntry.objects.filter(model="people.objection").count() == 2  # raised, decided
    assert AuditEntry.objects.filter(
        model="people.personscore", reason__contains=str(objection.pk)
    ).exists()
    with pytest.raises(services.Refused):
        services.decide_objection(
            objection=objection, status="rejected", reason="r", actor=users["committee"]
        )
    # a rejected objection leaves the score as it was
    other = PersonScore.objects.get(assessment=period, person=roster["P004"], month=6)
    total = other.total
    o = services.raise_objection(score=other, text="x", actor=users["zhao"], clock=clock_at(T0))
    services.decide_objection(
        objection=o, status="rejected", reason="无误", corrected_total=1.0, actor=users["committee"]
    )
    other.refresh_from_db()
    assert other.total == total
    assert Objection.objects.get(pk=o.pk).corrected_total is None


def test_the_province_edits_the_coefficient_table_per_year_with_versions(province, users) -> None:
    shipped = services.ensure_coefficients(province=province["370000"], year=2025)
    assert shipped.version == 1
    assert shipped.example
    lines = services.coefficient_lines(parse_coefficients(shipped.yaml_text)).replace(
        "arrest_review, 1", "arrest_review, 3/2"
    )
    text = services.coefficients_yaml(lines=lines, year=2025, sources={})
    second = services.save_coefficients(
        province=province["370000"],
        year=2025,
        yaml_text=text,
        actor=users["admin"],
        note="提高审查逮捕系数",
    )
    assert second.version == 2
    assert not second.example
    assert str(parse_coefficients(second.yaml_text).coefficient("arrest_review")) == "3/2"
    assert (
        str(parse_coefficients(shipped.yaml_text).coefficient("arrest_review")) == "1"
    )  # kept as it was
    entry = AuditEntry.objects.filter(
        model="people.coefficienttable", object_id=str(second.pk)
    ).get()
    assert entry.reason == "提高审查逮捕系数"
    assert entry.unit_code == "370000"
    for bad in (
        "arrest_review",
        "nothing_like_it, 1",
        "arrest_review, x",
        "arrest_review, 1\narrest_review, 2",
        "",
    ):
        with pytest.raises(ValueError, match=r".+"):
            services.coefficients_yaml(lines=bad, year=2025, sources={})
    for key in ("committee", "personnel", "reviewer", "auditor"):
        with pytest.raises(services.NotAllowed):
            services.save_coefficients(
                province=province["370000"], year=2025, yaml_text=text, actor=users[key]
            )


def test_the_stored_scheme_is_the_engine_s_and_the_60_percent_rule_is_the_engine_s(period) -> None:
    scheme = parse_individual_scheme(period.scheme_yaml)
    assert scheme == load_individual_scheme("prosecutor-2021")
    assert scheme.performance_share >= 0.6
    weak = period.scheme_yaml.replace("weight: 60", "weight: 50", 1).replace(
        "weight: 30", "weight: 40", 1
    )
    with pytest.raises(InputError):
        parse_individual_scheme(weak)


def test_a_second_assessment_of_the_same_year_and_category_is_refused(
    period, users, province
) -> None:
    with pytest.raises(services.Refused):
        services.open_assessment(
            unit=province["370102"], year=2024, scheme=load_individual_scheme("prosecutor-2021"),
            actor=users["committee"],
        )  # fmt: skip
    with pytest.raises(services.NotAllowed):
        services.open_assessment(
            unit=province["370102"], year=2025, scheme=load_individual_scheme("prosecutor-2021"),
            actor=users["personnel"],
        )  # fmt: skip


__all__ = ["Role"]
