"""score_people: DuckDB scores equal a pure-Python reference; grade shares; accumulation."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.engine.individual import (
    INDICATORS,
    IndividualScheme,
    Source,
    load_individual_scheme,
    parse_individual_scheme,
    period_months,
    score_people,
)

SCHEME = """
name: test
title_zh: 测试方案
categories: [prosecutor, leader]
group: unit
components:
  - code: performance
    kind: performance
    name_zh: 业绩
    weight: 60
    normalise: department_best
    items:
      - {code: workload, name_zh: 办案量, source: cases, indicator: workload, method: relative,
         within: department, points: 20, missing: zero}
      - {code: remand, name_zh: 退查率, source: cases, indicator: remand_rate, method: band,
         full: 10, zero: 50, points: 20}
      - {code: adoption, name_zh: 采纳率, source: cases, indicator: sentencing_adoption_rate,
         method: band, full: 90, zero: 50, points: 10, missing: zero}
      - {code: merit, name_zh: 加减分, source: adjustment, points: 10, floor: -5}
  - code: common
    kind: common
    name_zh: 共性
    weight: 30
    items:
      - {code: conduct, name_zh: 共性, source: reviewer, points: 30}
  - code: overall
    kind: overall
    name_zh: 综合
    weight: 10
    items:
      - {code: overall, name_zh: 综合, source: reviewer, points: 10, missing: zero}
grades:
  - {code: excellent, name_zh: 优秀, share: 0.2}
  - {code: good, name_zh: 良好, share: 0.3}
  - {code: pass, name_zh: 合格}
  - {code: fail, name_zh: 不合格, below: 60}
bands:
  - {upto: 0.25, name_zh: 前25%}
  - {upto: 1.0, name_zh: 其余}
"""


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def reference(
    scheme: IndividualScheme,
    elements: list[dict[str, Any]],
    reviewer: list[dict[str, Any]],
    roster: list[dict[str, Any]],
    year: int,
    through: int,
) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """(unit, staff, period, code) -> score, value, grade, rank, band: loops, no SQL."""
    people = [p for p in roster if p["category"] in {c.value for c in scheme.categories}]
    months_of: dict[str, set[int]] = defaultdict(set)
    for r in period_months(year, through).itertuples():
        months_of[r.period].add(int(r.m))
    out: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    items = scheme.items()
    for period, months in months_of.items():
        value: dict[tuple[str, str, str], float | None] = {}
        for p in people:
            who = (p["unit_code"], p["staff_id"])
            mine = [e for e in elements if (e["unit_code"], e["staff_id"]) == who
                    and _month_index(e["month"]) in months]  # fmt: skip
            pooled: dict[str, float] = defaultdict(float)
            for e in mine:
                pooled[e["element"]] += e["value"]
            for _, item in items:
                v: float | None = None
                if item.source is Source.CASES and mine:
                    ind = INDICATORS[item.indicator or ""]
                    top = sum(pooled[n] for n in ind.numerator)
                    if ind.denominator is None:
                        v = top * ind.factor
                    elif pooled[ind.denominator] > 0:
                        v = top / pooled[ind.denominator] * ind.factor
                elif item.source in (Source.REVIEWER, Source.ADJUSTMENT):
                    entered = [r["value"] for r in reviewer if (r["unit_code"], r["staff_id"]) == who
                               and r["item"] == item.code and _month_index(r["month"]) in months]  # fmt: skip
                    if entered:
                        v = (
                            sum(entered)
                            if item.source is Source.ADJUSTMENT
                            else sum(entered) / len(entered)
                        )
                value[(*who, item.code)] = v

        def key(p: dict[str, Any], within: str) -> tuple[str, ...]:
            return (
                (p["unit_code"],)
                if within in ("unit", "unit_best")
                else (p["unit_code"], p["department"])
            )

        ratio: dict[tuple[str, str, str], float] = {}
        for p in people:
            who = (p["unit_code"], p["staff_id"])
            for component in scheme.components:
                earned = 0.0
                for item in component.items:
                    v = value[(*who, item.code)]
                    if item.source is Source.BASE:
                        s = item.points
                    elif item.source is Source.ADJUSTMENT:
                        s = min(max(v or 0.0, item.lowest), item.points)
                    elif v is None:
                        s = item.points if item.missing == "full" else 0.0
                    elif item.source is Source.REVIEWER:
                        s = min(max(v, 0.0), item.points)
                    elif item.method and item.method.value == "band":
                        assert item.full is not None
                        assert item.zero is not None
                        s = item.points * min(max((v - item.zero) / (item.full - item.zero), 0), 1)
                    else:
                        peers = [value[(q["unit_code"], q["staff_id"], item.code)] for q in people
                                 if key(q, item.within) == key(p, item.within)]  # fmt: skip
                        best = max((x for x in peers if x is not None), default=0.0)
                        s = item.points * max(v, 0) / best if best > 0 else 0.0
                    out[(*who, period, item.code)] = {"score": s, "value": v}
                    earned += s
                capacity = sum(i.points for i in component.items)
                ratio[(*who, component.code)] = min(max(earned / capacity, 0.0), 1.0)
        totals: dict[tuple[str, str], float] = {}
        for p in people:
            who = (p["unit_code"], p["staff_id"])
            total = 0.0
            for component in scheme.components:
                r = ratio[(*who, component.code)]
                if component.normalise != "none":
                    top = max(ratio[(q["unit_code"], q["staff_id"], component.code)] for q in people
                              if key(q, component.normalise) == key(p, component.normalise))  # fmt: skip
                    r = r / top if top > 0 else 0.0
                out[(*who, period, "c:" + component.code)] = {"score": component.weight * r}
                total += component.weight * r
            totals[who] = round(total, 9)  # totals are compared rounded (documented)
        for p in people:
            who = (p["unit_code"], p["staff_id"])
            group = [q for q in people if key(q, scheme.group) == key(p, scheme.group)]
            mine = totals[who]
            n = len(group)
            rank = 1 + sum(totals[(q["unit_code"], q["staff_id"])] > mine for q in group)
            pos = sum(totals[(q["unit_code"], q["staff_id"])] >= mine for q in group)
            out[(*who, period, "total")] = {
                "score": mine,
                "rank": rank,
                "grade": _grade(scheme, mine, pos, n),
                "band": next(
                    (
                        i + 1
                        for i, b in enumerate(scheme.bands)
                        if rank <= math.floor(b.upto * n + 1e-9)
                    ),
                    len(scheme.bands),
                ),
            }
    return out


def _grade(scheme: IndividualScheme, total: float, pos: int, n: int) -> str:
    last = scheme.grades[-1]
    if last.below is not None and total < last.below:
        return last.code
    cumulative = 0.0
    for g in scheme.grades:
        if g.share is not None:
            cumulative += g.share
            if pos <= math.floor(cumulative * n + 1e-9):
                return g.code
    return next(g.code for g in scheme.grades if g.share is None and g.below is None)


def _engine(scheme: IndividualScheme, elements: list[dict[str, Any]], reviewer: list[dict[str, Any]],
            roster: list[dict[str, Any]], through: int) -> dict[tuple[str, str, str, str], dict[str, Any]]:  # fmt: skip
    out = score_people(
        scheme,
        pd.DataFrame(elements, columns=["unit_code", "staff_id", "month", "element", "value"]),
        pd.DataFrame(reviewer, columns=["unit_code", "staff_id", "month", "item", "value"]),
        pd.DataFrame(roster),
        year=2024,
        through=f"2024-{through:02d}",
    )
    got: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r in out.itertuples(index=False):
        code = {"item": r.code, "component": f"c:{r.code}", "total": "total"}[r.level]
        got[(r.unit_code, r.staff_id, r.period, code)] = {
            "score": r.score, "value": None if pd.isna(r.value) else r.value,
            "grade": r.grade, "rank": r.rank, "band": r.band,
        }  # fmt: skip
    return got


def _compare(got: dict[Any, dict[str, Any]], want: dict[Any, dict[str, Any]]) -> None:
    assert set(got) == set(want)
    for key, expected in want.items():
        row = got[key]
        assert row["score"] == pytest.approx(expected["score"], abs=1e-9), key
        if "value" in expected:
            assert (row["value"] is None) == (expected["value"] is None), key
            if expected["value"] is not None:
                assert row["value"] == pytest.approx(expected["value"]), key
        for field in ("grade", "rank", "band"):
            if field in expected:
                assert row[field] == expected[field], (key, field)


STAFF = [("u1", "P1", "D01", "prosecutor"), ("u1", "P2", "D01", "prosecutor"),
         ("u1", "P3", "D02", "prosecutor"), ("u1", "P4", "D00", "leader"),
         ("u1", "P5", "D01", "assistant"), ("u2", "P1", "D01", "prosecutor"),
         ("u2", "P2", "D01", "prosecutor")]  # fmt: skip
ROSTER = [
    dict(zip(("unit_code", "staff_id", "department", "category"), s, strict=True)) for s in STAFF
]
ELEMENT_CODES = ["workload", "remanded_cases", "prosecution_concluded_cases",
                 "judged_with_recommendation", "sentencing_recommendations_adopted"]  # fmt: skip


@st.composite
def inputs(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    elements, reviewer = [], []
    for unit, staff, _, _ in STAFF:
        for month in range(1, 5):
            if draw(st.booleans()):
                for code in ELEMENT_CODES:
                    elements.append({"unit_code": unit, "staff_id": staff, "month": f"2024-{month:02d}",
                                     "element": code, "value": float(draw(st.integers(0, 6)))})  # fmt: skip
            for item, low, high in (("merit", -8, 12), ("conduct", -2, 33), ("overall", 0, 10)):
                if draw(st.integers(0, 2)) == 0:
                    reviewer.append({"unit_code": unit, "staff_id": staff, "month": f"2024-{month:02d}",
                                     "item": item, "value": float(draw(st.integers(low, high)))})  # fmt: skip
    return elements, reviewer


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs(), st.integers(1, 4))
def test_scores_match_a_pure_python_reference(
    data: tuple[list[dict[str, Any]], list[dict[str, Any]]], through: int
) -> None:
    scheme = parse_individual_scheme(SCHEME)
    elements, reviewer = data
    _compare(
        _engine(scheme, elements, reviewer, ROSTER, through),
        reference(scheme, elements, reviewer, ROSTER, 2024, through),
    )


def test_the_department_grouped_scheme_matches_the_reference_too() -> None:
    scheme = parse_individual_scheme(SCHEME.replace("group: unit", "group: department"))
    elements = [
        {
            "unit_code": u,
            "staff_id": s,
            "month": "2024-01",
            "element": "workload",
            "value": float(v),
        }
        for (u, s, _, _), v in zip(STAFF, [3, 5, 2, 1, 9, 4, 4], strict=True)
    ]
    want = reference(scheme, elements, [], ROSTER, 2024, 2)
    _compare(_engine(scheme, elements, [], ROSTER, 2), want)
    # P3 is alone in D02: best of its department, first of its group.
    assert want[("u1", "P3", "2024-01", "total")]["rank"] == 1


# --------------------------------------------------------------------- grades by share

GRADED = """
name: graded
title_zh: 等次
categories: [prosecutor]
components:
  - {code: performance, kind: performance, name_zh: 业绩, weight: 100, items: [
      {code: points, name_zh: 分, source: reviewer, points: 100, missing: zero}]}
grades:
  - {code: excellent, name_zh: 优秀, share: 0.2}
  - {code: good, name_zh: 良好, share: 0.3}
  - {code: pass, name_zh: 合格}
  - {code: fail, name_zh: 不合格, below: 60}
"""


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(40, 100), min_size=1, max_size=30))
def test_grade_shares_are_never_exceeded_and_ties_share_a_grade(points: list[int]) -> None:
    scheme = parse_individual_scheme(GRADED)
    roster = pd.DataFrame({"unit_code": "u", "staff_id": [f"P{i:02d}" for i in range(len(points))],
                           "department": "D01", "category": "prosecutor"})  # fmt: skip
    entered = pd.DataFrame({"unit_code": "u", "staff_id": roster.staff_id, "month": "2024-01",
                            "item": "points", "value": [float(p) for p in points]})  # fmt: skip
    out = score_people(scheme, pd.DataFrame(), entered, roster, year=2024, through="2024-01",
                       kinds=["month"])  # fmt: skip
    totals = out[out.level == "total"]
    n = len(points)
    grades = totals.grade.astype(str).tolist()
    assert sum(g == "excellent" for g in grades) <= math.floor(0.2 * n + 1e-9)
    assert sum(g in ("excellent", "good") for g in grades) <= math.floor(0.5 * n + 1e-9)
    order = ["excellent", "good", "pass", "fail"]
    by_score = sorted(zip(totals.score, grades, strict=True), key=lambda x: -x[0])
    for (s1, g1), (s2, g2) in zip(by_score, by_score[1:], strict=False):
        assert order.index(g1) <= order.index(g2)  # a higher total never gets a lower grade
        if s1 == s2:
            assert g1 == g2  # ties share a grade
    for score, grade in zip(totals.score, grades, strict=True):
        assert (grade == "fail") == (score < 60)
    # The rank is 1 + the number of strictly better totals.
    for score, rank in zip(totals.score, totals["rank"], strict=True):
        assert rank == 1 + sum(s > score for s in totals.score)


def test_ten_distinct_scores_give_two_excellent_and_three_good() -> None:
    scheme = parse_individual_scheme(GRADED)
    roster = pd.DataFrame({"unit_code": "u", "staff_id": [f"P{i}" for i in range(10)],
                           "department": "D01", "category": "prosecutor"})  # fmt: skip
    entered = pd.DataFrame({"unit_code": "u", "staff_id": roster.staff_id, "month": "2024-03",
                            "item": "points", "value": [95.0, 90, 85, 80, 75, 70, 65, 62, 55, 50]})  # fmt: skip
    out = score_people(scheme, pd.DataFrame(), entered, roster, year=2024, through="2024-03",
                       kinds=["month"])  # fmt: skip
    march = out[(out.level == "total") & (out.period == "2024-03")]
    assert march.grade.astype(str).tolist() == (
        ["excellent"] * 2 + ["good"] * 3 + ["pass"] * 3 + ["fail"] * 2
    )
    # January and February have no entries: everyone scores 0 and is graded 不合格.
    jan = out[(out.level == "total") & (out.period == "2024-01")]
    assert set(jan.grade.astype(str)) == {"fail"}


# --------------------------------------------------------------------- accumulation (逐月累计)


def _remands(month: str, remanded: float, concluded: float) -> list[dict[str, Any]]:
    return [
        {"unit_code": "u1", "staff_id": "P1", "month": month, "element": "remanded_cases", "value": remanded},
        {"unit_code": "u1", "staff_id": "P1", "month": month, "element": "prosecution_concluded_cases",
         "value": concluded},
    ]  # fmt: skip


def test_rates_pool_elements_over_the_period_month_by_month() -> None:
    scheme = parse_individual_scheme(SCHEME)
    roster = pd.DataFrame([ROSTER[0]])
    elements = pd.DataFrame(
        _remands("2024-01", 1, 2) + _remands("2024-02", 0, 2) + _remands("2024-04", 3, 4)
    )
    out = score_people(scheme, elements, None, roster, year=2024)
    remand = out[(out.level == "item") & (out.code == "remand")].set_index("period")
    assert remand.loc["2024-01", "value"] == 50  # 1 of 2
    assert remand.loc["2024-02", "value"] == 0
    assert pd.isna(remand.loc["2024-03", "value"])  # no cases in March: missing, full points
    assert remand.loc["2024-03", "score"] == 20
    assert remand.loc["2024-02-YTD", "value"] == 25  # (1 + 0) / (2 + 2): pooled, not averaged
    assert remand.loc["2024Q1", "value"] == 25
    assert remand.loc["2024-04-YTD", "value"] == pytest.approx(400 / 8)
    assert remand.loc["2024", "value"] == remand.loc["2024-12-YTD", "value"]
    assert remand.loc["2024Q2", "value"] == 75
    kinds = out.drop_duplicates("period").groupby("period_kind", observed=True).size().to_dict()
    assert kinds == {"month": 12, "ytd": 12, "quarter": 4, "year": 1}


def test_through_cuts_the_running_year() -> None:
    scheme = parse_individual_scheme(SCHEME)
    elements = pd.DataFrame(_remands("2024-01", 1, 2) + _remands("2024-05", 1, 1))
    out = score_people(
        scheme, elements, None, pd.DataFrame([ROSTER[0]]), year=2024, through="2024-02"
    )
    assert sorted(set(out.period.astype(str))) == ["2024", "2024-01", "2024-01-YTD", "2024-02",
                                                   "2024-02-YTD", "2024Q1"]  # fmt: skip
    remand = out[(out.code == "remand") & (out.period == "2024")]
    assert remand.value.tolist() == [50]  # May is after `through`
    with pytest.raises(ValueError, match="not in 2024"):
        score_people(
            scheme, elements, None, pd.DataFrame([ROSTER[0]]), year=2024, through="2025-01"
        )


def test_reviewer_entries_are_averaged_and_adjustments_add_up_within_bounds() -> None:
    scheme = parse_individual_scheme(SCHEME)
    entered = pd.DataFrame(
        [("u1", "P1", "2024-01", "conduct", 30.0), ("u1", "P1", "2024-02", "conduct", 20.0),
         ("u1", "P1", "2024-01", "merit", 4.0), ("u1", "P1", "2024-02", "merit", 4.0),
         ("u1", "P1", "2024-03", "merit", 4.0), ("u1", "P1", "2024-04", "merit", -20.0)],
        columns=["unit_code", "staff_id", "month", "item", "value"],
    )  # fmt: skip
    out = score_people(scheme, pd.DataFrame(), entered, pd.DataFrame([ROSTER[0]]), year=2024)
    item = out[out.level == "item"].set_index(["period", "code"])
    assert item.loc[("2024Q1", "conduct"), "score"] == 25  # mean of 30 and 20
    assert item.loc[("2024Q1", "merit"), "value"] == 12
    assert item.loc[("2024Q1", "merit"), "score"] == 10  # additions capped at the item's points
    assert item.loc[("2024-04", "merit"), "score"] == -5  # deductions stop at the floor
    assert item.loc[("2024", "merit"), "value"] == -8


def test_performance_is_normalised_against_the_department_best() -> None:
    scheme = parse_individual_scheme(SCHEME)
    elements = pd.DataFrame(
        [("u1", s, "2024-01", "workload", v) for s, v in (("P1", 2.0), ("P2", 4.0), ("P3", 1.0))],
        columns=["unit_code", "staff_id", "month", "element", "value"],
    )
    out = score_people(
        scheme, elements, None, pd.DataFrame(ROSTER[:3]), year=2024, through="2024-01"
    )
    perf = out[(out.level == "component") & (out.code == "performance") & (out.period == "2024-01")]
    scores = dict(zip(perf.staff_id.astype(str), perf.score, strict=True))
    # P2 is D01's best (raw ratio 40 + 20 = 60 of 60 points... scaled to the full weight of 60).
    assert scores["P2"] == pytest.approx(60)
    # P1 earns 10 of 20 workload points: raw (10 + 20 + 0 + 0) / 60 vs the best's (20 + 20) / 60.
    assert scores["P1"] == pytest.approx(60 * 30 / 40)
    assert scores["P3"] == pytest.approx(60)  # alone in D02


def test_the_prosecutor_scheme_scores_prosecutors_and_leaders_only() -> None:
    out = score_people(load_individual_scheme("prosecutor-2021"), pd.DataFrame(), None,
                       pd.DataFrame(ROSTER), year=2024, kinds=["year"])  # fmt: skip
    assert set(out.category.astype(str)) == {"prosecutor", "leader"}
    assistant = score_people(load_individual_scheme("assistant-2021"), pd.DataFrame(), None,
                             pd.DataFrame(ROSTER), year=2024, kinds=["year"])  # fmt: skip
    assert set(assistant.staff_id.astype(str)) == {"P5"}


def test_assistants_earn_a_base_score_plus_additions_and_deductions() -> None:
    scheme = load_individual_scheme("assistant-2021")
    roster = pd.DataFrame(
        [ROSTER[4], {**ROSTER[4], "staff_id": "P6"}, {**ROSTER[4], "staff_id": "P7"}]
    )
    entered = pd.DataFrame(
        [("u1", "P6", "2024-01", "assisting", 10.0), ("u1", "P7", "2024-01", "assisting", -60.0)],
        columns=["unit_code", "staff_id", "month", "item", "value"],
    )  # fmt: skip
    out = score_people(scheme, pd.DataFrame(), entered, roster, year=2024, through="2024-01",
                       kinds=["month"])  # fmt: skip
    total = dict(
        zip(
            out[out.level == "total"].staff_id.astype(str),
            out[out.level == "total"].score,
            strict=True,
        )
    )
    # Base 45 of 60 performance points, common and overall missing count as full (30 + 10).
    assert total == pytest.approx({"P5": 45 + 40, "P6": 55 + 40, "P7": 0 + 40})


def test_the_result_has_the_documented_columns_and_max_scores() -> None:
    from grassroots.engine.individual import RESULT_COLUMNS

    scheme = parse_individual_scheme(SCHEME)
    out = score_people(
        scheme, pd.DataFrame(), None, pd.DataFrame([ROSTER[0]]), year=2024, kinds=["year"]
    )
    assert list(out.columns) == RESULT_COLUMNS
    assert out[out.level == "total"].max_score.tolist() == [100]
    assert sorted(out[out.level == "component"].max_score.tolist()) == [10, 30, 60]
    assert out[out.level == "item"].max_score.sum() == 20 + 20 + 10 + 10 + 30 + 10


def test_a_roster_naming_a_staff_number_twice_is_refused() -> None:
    roster = pd.DataFrame([ROSTER[0], {**ROSTER[0], "department": "D02"}])
    with pytest.raises(ValueError, match="u1/P1"):
        score_people(parse_individual_scheme(SCHEME), pd.DataFrame(), None, roster, year=2024)
