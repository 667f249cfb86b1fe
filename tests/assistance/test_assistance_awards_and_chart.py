"""Contribution awards (ranked by a shown rule, confirmed by the province) and the wall chart."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied

from grassroots.assistance.models import Award, Dimension, MeasureStatus, WeakLevel
from grassroots.assistance.selection import ContributionRule, contribution_ranking
from grassroots.assistance.selectors import (
    OVERDUE_COLOUR,
    STATUS_COLOURS,
    designations_for,
    measures_completed_in,
    wall_chart_option,
)
from grassroots.assistance.services import (
    AssistanceError,
    add_measure,
    confirm_awards,
    designate_weak_unit,
    report_progress,
)
from grassroots.organisations.models import Role

DAY = dt.date(2024, 1, 10)


def _results(scores: dict[str, tuple[float, float]]) -> pd.DataFrame:
    rows = [
        {
            "unit_code": code,
            "period": period,
            "level": "whole",
            "node": "core-business",
            "score": score,
            "rank_all": 1,
        }
        for code, pair in scores.items()
        for period, score in zip(("2024Q1", "2024Q2"), pair, strict=True)
    ]
    return pd.DataFrame(rows)


def test_the_ranking_adds_score_gain_cases_and_measures_by_the_rule() -> None:
    results = _results({"a": (50, 60), "b": (70, 72), "c": (40, 39)})
    rule = ContributionRule(per_level={"spp_typical": 5, "provincial": 2}, per_measure=1)
    table = contribution_ranking(
        results,
        quarter="2024Q2",
        cases={"b": {"provincial": 4, "spp_typical": 1}},
        measures_completed={"c": 3},
        rule=rule,
    ).set_index("unit_code")
    assert table.loc["a", "points"] == pytest.approx(10)
    assert table.loc["b", "points"] == pytest.approx(2 + 2 * 4 + 5 * 1)
    assert table.loc["b", "typical_cases"] == 5
    assert table.loc["c", "points"] == pytest.approx(-1 + 3)
    assert list(table.sort_values("rank").index) == ["b", "a", "c"]
    assert "provincial 2" in rule.describe()


@pytest.mark.django_db
def test_only_the_province_confirms_awards_once_per_quarter(province, make_member) -> None:
    ranking = [
        {
            "unit_code": "370102",
            "rank": 1,
            "points": 12.0,
            "score_gain": 2.0,
            "typical_cases": 5,
            "measures_completed": 0,
        },
        {
            "unit_code": "370103",
            "rank": 2,
            "points": 10.0,
            "score_gain": 10.0,
            "typical_cases": 0,
            "measures_completed": 0,
        },
    ]
    city = make_member(Role.CITY_REVIEWER, "370100")
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    kwargs = {"quarter": "2024Q2", "ranking": ranking, "top": 1, "rule": "r", "on": DAY}
    with pytest.raises(PermissionDenied):
        confirm_awards(**kwargs, actor=city)
    assert not Award.objects.exists()
    confirm_awards(**kwargs, actor=admin)
    assert [(a.unit.code, a.rank) for a in Award.objects.all()] == [("370102", 1)]
    with pytest.raises(AssistanceError, match="already confirmed"):
        confirm_awards(**kwargs, actor=admin)


@pytest.mark.django_db
def test_the_wall_chart_colours_overdue_measures_red_and_counts_completions(
    province, make_member
) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    city = make_member(Role.CITY_REVIEWER, "370100")
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102")
    d = designate_weak_unit(
        unit=province["370102"],
        level=WeakLevel.MUNICIPAL,
        designated_on=DAY,
        reasons={Dimension.STAFF: "x"},
        actor=admin,
    )
    late = add_measure(
        designation=d,
        title="late",
        leader="l",
        department="d",
        created_on=DAY,
        deadline=DAY + dt.timedelta(days=30),
        actor=city,
    )
    done = add_measure(
        designation=d,
        title="done",
        leader="l",
        department="d",
        created_on=DAY,
        deadline=DAY + dt.timedelta(days=60),
        actor=city,
    )
    report_progress(
        measure=done,
        quarter="2024Q1",
        text="t",
        status=MeasureStatus.DONE,
        on=DAY + dt.timedelta(days=40),
        actor=clerk,
    )
    option = wall_chart_option(designations_for(admin), today=DAY + dt.timedelta(days=45))
    colours = [bar["itemStyle"]["color"] for bar in option["series"][1]["data"]]
    assert colours == [OVERDUE_COLOUR, STATUS_COLOURS[MeasureStatus.DONE]]
    assert option["series"][1]["markLine"]["data"] == [{"xAxis": 45}]
    assert late.title in option["yAxis"]["data"][0]
    assert measures_completed_in("2024Q1") == {"370102": 1}
    assert measures_completed_in("2024Q2") == {}
