"""A city's run is not its province's: a published run of Jinan alone (its units ranked and
scored among themselves) is never the province run's previous period (the league table's changes,
the warnings' history), nor the leader's "latest published evaluation" and its movers, even when
it was published after the province's."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from django.test import Client
from django.utils import timezone

from grassroots.evaluation.models import EvaluationRun, Result, RunStatus, SchemeVersion
from grassroots.evaluation.runs import _finish
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.evaluation.selectors import latest_published_run, league_table, previous_run
from grassroots.organisations.models import Role

UNITS = ("370102", "370103", "370104", "370202")
# Overall score per unit: the province's two quarters, and Jinan's own run of the first.
PROVINCE_Q3 = {"370102": 60.0, "370103": 70.0, "370104": 80.0, "370202": 50.0}
PROVINCE_Q4 = {"370102": 65.0, "370103": 68.0, "370104": 70.0, "370202": 55.0}
JINAN_Q3 = {"370102": 90.0, "370103": 40.0, "370104": 10.0}


@pytest.fixture
def scheme(province) -> SchemeVersion:
    load_shipped_schemes()
    return latest_scheme_version("core-business")


@pytest.fixture
def store(scheme, published) -> Callable[..., EvaluationRun]:
    """A finished run of ``scope`` with these overall scores (ranked by score), published."""

    def make(period: str, scores: dict[str, float], scope: str) -> EvaluationRun:
        run = EvaluationRun.objects.create(
            scheme_version=scheme,
            period=period,
            source_path="-",
            status=RunStatus.RUNNING,
            created_at=timezone.now(),
            parameters={"scope": scope},
        )
        order = sorted(scores, key=lambda c: -scores[c])
        frame = pd.DataFrame(
            [
                {
                    "unit_code": code,
                    "period": period,
                    "node": "core-business",
                    "level": "whole",
                    "score": score,
                    "rank_all": order.index(code) + 1,
                    "rank_peer": order.index(code) + 1,
                    "colour": "green",
                }
                for code, score in scores.items()
            ]
        )
        return published(_finish(run, status=RunStatus.DONE, frame=frame))

    return make


@pytest.fixture
def runs(store) -> dict[str, EvaluationRun]:
    q3 = store("2024Q3", PROVINCE_Q3, "370000")
    q4 = store("2024Q4", PROVINCE_Q4, "370000")
    # Jinan's own runs, published after the province's: of Q3 and then of Q4.
    jinan_q3 = store("2024Q3", JINAN_Q3, "370100")
    jinan_q4 = store("2024Q4", JINAN_Q3, "370100")
    return {"q3": q3, "q4": q4, "jinan_q3": jinan_q3, "jinan_q4": jinan_q4}


def test_the_previous_run_of_a_province_run_is_the_provinces(runs) -> None:
    assert previous_run(runs["q4"]) == runs["q3"]
    assert previous_run(runs["jinan_q4"]) == runs["jinan_q3"]


def test_the_league_tables_changes_are_against_the_province_run(runs, make_member) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    league = league_table(run=runs["q4"], user=admin)
    assert league.previous == runs["q3"]
    change = {r.code: r.score_change for r in league.rows}
    assert change["370104"] == pytest.approx(PROVINCE_Q4["370104"] - PROVINCE_Q3["370104"])


def test_the_leaders_latest_evaluation_and_movers_are_the_provinces(runs, make_member) -> None:
    leader = make_member(Role.LEADER, "370000")
    assert latest_published_run(leader) == runs["q4"]
    client = Client()
    client.force_login(leader)
    bench = client.get("/").context["bench"]
    assert bench.movers_since == "2024年第三季度"
    change = {m.unit_code: m.change for m in [*bench.risers, *bench.fallers]}
    # Against the province's Q3 (370104 fell 10), not Jinan's (where it would have risen 60).
    assert change["370104"] == pytest.approx(-10.0)
    # Every city's colours: the province's run, not Jinan's alone.
    assert [c.name for c in bench.colours][-1] == "青岛市人民检察院"
    assert sum(c.green for c in bench.colours) == len(UNITS)


def test_a_units_trend_reads_its_provinces_runs_and_its_peers(store, scheme) -> None:
    """The profile's trend of a province run: the province's published quarters only (not
    Jinan's own run of a quarter, published later), in period order, with the unit's peers'
    range (units under the same city when the unit has no peer group)."""
    from grassroots.evaluation.charts import _trends, indicator_columns
    from grassroots.evaluation.schemes import scheme_of
    from grassroots.organisations.models import Unit

    parsed = scheme_of(scheme)
    first = indicator_columns(parsed)[0].indicator.code

    def with_values(period: str, values: dict[str, float], scope: str) -> EvaluationRun:
        run = store(period, dict.fromkeys(values, 50.0), scope)
        run.results.bulk_create(
            [
                Result(
                    run=run,
                    unit_code=c,
                    unit_path=Unit.objects.get(code=c).path,
                    node=first,
                    level="indicator",
                    value=v,
                )  # fmt: skip
                for c, v in values.items()
            ]
        )
        return run

    Unit.objects.filter(code__in=UNITS).update(peer_group="")
    with_values(
        "2024Q2", {"370102": 10.0, "370103": 30.0, "370104": 20.0, "370202": 99.0}, "370000"
    )
    q4 = with_values("2024Q4", {"370102": 12.0, "370103": 14.0, "370104": 16.0, "370202": 1.0}, "370000")  # fmt: skip
    with_values("2024Q3", {"370102": 11.0, "370103": 13.0, "370104": 15.0, "370202": 2.0}, "370000")
    with_values("2024Q3", {"370102": 77.0, "370103": 78.0, "370104": 79.0}, "370100")  # Jinan's
    unit = Unit.objects.get(code="370102")
    chart = next(
        c for c in _trends(q4, parsed, unit, peers=True) if c["json_id"] == f"trend-{first}"
    )
    option = chart["option"]
    assert option["xAxis"]["data"] == ["2024Q2", "2024Q3", "2024Q4"]
    low, span, own = (s["data"] for s in option["series"])
    assert own == [10.0, 11.0, 12.0]  # the province's Q3, not Jinan's 77
    # Peers: Jinan's units (370102-370104), not Qingdao's 370202.
    assert low == [10.0, 11.0, 12.0]
    assert span == [20.0, 4.0, 4.0]


def test_periods_sort_by_start_then_end() -> None:
    """A year's year-to-date periods all start on 1 January: ordered by their ends."""
    from grassroots.evaluation.selectors import period_order

    keys = ["2024Q3-YTD", "2023Q4-YTD", "2024Q1-YTD", "2024Q2-YTD"]
    assert sorted(keys, key=period_order) == [
        "2023Q4-YTD",
        "2024Q1-YTD",
        "2024Q2-YTD",
        "2024Q3-YTD",
    ]
