"""Exit follows the standard, and the standard is the province's, stored with versions (issue 11,
point 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from grassroots.assistance.exits.standard import shipped_text
from grassroots.assistance.models import (
    Designation,
    Dimension,
    ExitAssessment,
    ExitDecision,
    ExitStandard,
    ItemStatus,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.selectors import exit_rows
from grassroots.assistance.services import (
    AssistanceError,
    decide_exit,
    designate_weak_unit,
    recommend_exit,
)
from grassroots.organisations.models import AuditEntry, Role

DESIGNATED = dt.date(2024, 3, 1)


def _row(item: str, kind: str, status: str) -> dict[str, str]:
    heading = "supervision" if kind == "quantitative" else "political"
    return {"item": item, "heading": heading, "kind": kind, "status": status, "reason": "r"}


@pytest.fixture
def people(province, make_member) -> dict[str, object]:
    return {
        "admin": make_member(Role.PROVINCE_ADMIN, "370000", "admin"),
        "city": make_member(Role.CITY_REVIEWER, "370100", "city"),
    }


@pytest.fixture
def weak(province, people) -> Designation:
    return designate_weak_unit(
        unit=province["370102"],
        level=WeakLevel.PROVINCIAL,
        designated_on=DESIGNATED,
        reasons={Dimension.BUSINESS: "低分"},
        actor=people["admin"],
    )


def _recommend(weak, people, *, periods, quantitative="met", qualitative=ItemStatus.MET):
    checklist = [_row("Q1", "quantitative", quantitative), _row("P1", "qualitative", "undecided")]
    return recommend_exit(
        designation=weak,
        periods=periods,
        checklist=checklist,
        reviews={"P1": (qualitative, "学习记录")},
        on=dt.date(2024, 10, 10),
        actor=people["city"],
    )


def _decide(assessment, people, **extra) -> ExitAssessment:
    return decide_exit(
        assessment=assessment,
        decision=ExitDecision.EXIT,
        exit_period=assessment.periods[-1],
        on=dt.date(2024, 10, 20),
        actor=people["admin"],
        **extra,
    )


def test_exit_on_a_standard_met_in_full_needs_no_override(weak, people) -> None:
    assessment = _decide(_recommend(weak, people, periods=["2024Q2", "2024Q3"]), people)
    assert assessment.decision == ExitDecision.EXIT
    assert assessment.override_reason == ""
    weak.refresh_from_db()
    assert weak.status == WeakStatus.EXITED


@pytest.mark.parametrize(
    ("periods", "quantitative", "qualitative", "shortfall"),
    [
        (["2024Q2", "2024Q3"], "not_met", ItemStatus.MET, "定量项目未达标：Q1"),
        (["2024Q2", "2024Q3"], "met", ItemStatus.NOT_MET, "定性项目未达标：P1"),
        (
            ["2024Q1", "2024Q2"],
            "met",
            ItemStatus.MET,
            "评价期早于认定日期（2024-03-01）开始：2024Q1",
        ),
    ],
)
def test_exit_against_the_standard_is_refused_without_a_reason(
    weak, people, periods, quantitative, qualitative, shortfall
) -> None:
    assessment = _recommend(
        weak, people, periods=periods, quantitative=quantitative, qualitative=qualitative
    )
    with pytest.raises(AssistanceError, match=shortfall):
        _decide(assessment, people)
    with translation.override("en"), pytest.raises(AssistanceError, match="standard is not met"):
        _decide(assessment, people)
    assessment.refresh_from_db()
    weak.refresh_from_db()
    assert not assessment.decision
    assert weak.status == WeakStatus.EXIT_RECOMMENDED
    # With the province's recorded reason the exit stands, and the record and audit say why.
    _decide(assessment, people, override_reason="党组研究决定")
    assessment.refresh_from_db()
    assert assessment.override_reason == "党组研究决定"
    assert AuditEntry.objects.filter(
        model="assistance.exitassessment", reason__contains="党组研究决定"
    ).exists()


def test_remaining_weak_needs_no_reason_and_a_second_decision_is_refused(weak, people) -> None:
    assessment = _recommend(weak, people, periods=["2024Q1"], quantitative="not_met")
    decide_exit(
        assessment=assessment,
        decision=ExitDecision.REMAIN,
        exit_period="2024Q1",
        on=dt.date(2024, 10, 20),
        actor=people["admin"],
    )
    with pytest.raises(AssistanceError, match="already decided"):
        _decide(assessment, people, override_reason="x")


def test_the_first_assessment_copies_the_national_default_and_records_it(weak, people) -> None:
    assessment = _recommend(weak, people, periods=["2024Q2"])
    standard = ExitStandard.objects.get()
    assert (standard.province.code, standard.version, standard.yaml_text) == (
        "370000",
        1,
        shipped_text(),
    )
    assert assessment.standard == standard


def test_the_province_edits_its_standard_and_each_assessment_keeps_its_version(
    weak, people
) -> None:
    first = _recommend(weak, people, periods=["2024Q2"])
    _decide(first, people, override_reason="r")  # frees the unit for a second assessment
    weak.status = WeakStatus.DESIGNATED
    weak.save()
    client = Client()
    client.force_login(people["admin"])
    edited = shipped_text().replace("党组理论学习中心组学习制度落实到位", "理论学习制度健全")
    response = client.post(
        "/assistance/exit-standard/370000/", {"yaml_text": edited, "note": "省院修订"}
    )
    assert response.status_code == 302
    assert list(ExitStandard.objects.values_list("version", flat=True)) == [2, 1]
    second = _recommend(weak, people, periods=["2024Q3"])
    assert (first.standard.version, second.standard.version) == (1, 2)
    names = {row.item.code: row.name for row in exit_rows(second, ranks=True)}
    assert names["P1"] == "理论学习制度健全"
    assert {row.item.code: row.name for row in exit_rows(first, ranks=True)}[
        "P1"
    ] == "党组理论学习中心组学习制度落实到位"
    assert AuditEntry.objects.filter(model="assistance.exitstandard", reason="省院修订").exists()


def test_a_broken_standard_is_refused_and_nothing_is_stored(people, province) -> None:
    client = Client()
    client.force_login(people["admin"])
    for text in ("items: [", shipped_text().replace("kind: checklist", "kind: composite")):
        response = client.post(
            "/assistance/exit-standard/370000/", {"yaml_text": text, "note": "x"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["yaml_text"]
    assert not ExitStandard.objects.exists()


def test_only_the_province_administrator_edits_and_other_provinces_do_not_see_it(
    people, province, make_member
) -> None:
    url = "/assistance/exit-standard/370000/"
    leader = make_member(Role.LEADER, "370000", "leader")
    client = Client()
    client.force_login(leader)
    assert client.get(url).status_code == 200
    assert client.post(url, {"yaml_text": shipped_text(), "note": "x"}).status_code == 403
    client.force_login(people["city"])
    assert client.get(url).status_code == 404  # the province is outside a city's scope
    client.force_login(people["admin"])
    assert client.get("/assistance/exit-standard/370100/").status_code == 404  # not a province
    assert not ExitStandard.objects.exists()
