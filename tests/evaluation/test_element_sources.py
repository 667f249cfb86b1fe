"""Element sources (issues 13.2, 14.5, 16): elements that other apps supply to runs.

The joint under test: people's roster → intake's element-source registry → a run from intake →
the scheme's indicator → the trace back to the roster. A run freezes what it read, so changing
the roster afterwards changes neither the run nor its reproduction, and a frozen snapshot
altered in the database is refused.
"""

from __future__ import annotations

import pytest

from grassroots.engine.catalogue import Element
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.inputs import intake_element_frame, intake_inputs
from grassroots.evaluation.models import RunStatus
from grassroots.evaluation.provenance import unit_trace
from grassroots.evaluation.runs import INTAKE_SOURCE, reproduce, run_evaluation
from grassroots.evaluation.schemes import save_scheme_version, scheme_of
from grassroots.intake import element_sources
from grassroots.intake.element_sources import ElementSource, SourcedValue
from grassroots.intake.models import ElementSnapshot
from grassroots.people.models import Category, Person

PERIOD = "2024Q4"

STAFF_SCHEME = """
name: staff-team
title_zh: 队伍建设观察
title_en: Staff team
version: 1
catalogue: spp-case-quality
visibility:
  show_ranks_to: [province_admin]
  show_colours_to: [province_admin]
defaults:
  normalisation: {method: minmax, low: 0, high: 100, within: all}
  aggregation: arithmetic
  missing: {imputation: none, min_coverage: 0.5}
  colour: {rule: rank_tiers, top: 0.3, bottom: 0.3, within: all, no_data: grey}
tree:
  code: staff-team
  name_zh: 队伍建设
  name_en: Staff team
  children:
    - {indicator: staff_under_45_share, name_zh: 45岁以下人员占比, name_en: Under 45, weight: 1, direction: higher}
    - {indicator: staff_talent_pool_share, name_zh: 人才库人员占比, name_en: Talent pool, weight: 1, direction: higher}
    - {indicator: non_arrest_rate, name_zh: 不捕率, name_en: Non-arrest rate, weight: 1, direction: higher}
"""


def _staff(
    unit, births: list[int], *, pool: int = 0, joined: int | None = None, batch: str = "A"
) -> list[Person]:
    people = []
    for i, born in enumerate(births):
        people.append(
            Person.objects.create(
                unit=unit,
                staff_number=f"{batch}{unit.code}{i:03d}",
                name=f"人员{i}",
                category=Category.PROSECUTOR,
                birth_year=born,
                joined_year=joined,
                talent_pool=i < pool,
            )
        )
    return people


@pytest.fixture
def staff_scheme(shandong, admin):
    return save_scheme_version(code="staff-team", yaml_text=STAFF_SCHEME, actor=admin)


@pytest.fixture
def rosters(shandong):
    """Two units with rosters: 370103 has 3 of 4 under 45 (1 in the pool), 370104 1 of 2."""
    return {
        "370103": _staff(shandong["370103"], [1990, 1985, 1982, 1970], pool=1),
        "370104": _staff(shandong["370104"], [1992, 1960], pool=2),
    }


def test_a_run_reads_the_roster_through_the_registry_and_traces_it(
    staff_scheme, province_version, rosters, admin, shandong
) -> None:
    run = run_evaluation(
        scheme_version=staff_scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None
    )
    assert run.status == RunStatus.DONE, run.error
    recorded = run.data_versions["sourced"]["roster"]
    snapshot = ElementSnapshot.objects.get(pk=recorded["snapshot"])
    assert snapshot.source == "roster"
    assert snapshot.checksum == recorded["checksum"]
    under_45 = dict(
        run.results.filter(node="staff_under_45_share").values_list("unit_code", "value")
    )
    pool = dict(
        run.results.filter(node="staff_talent_pool_share").values_list("unit_code", "value")
    )
    assert under_45["370103"] == pytest.approx(75.0)  # 2024 - 1982 = 42 < 45; 1970 is 54
    assert under_45["370104"] == pytest.approx(50.0)
    assert pool["370103"] == pytest.approx(25.0)
    assert pool["370104"] == pytest.approx(100.0)
    # A unit without a roster has no value, and the run says which source it lacked.
    assert under_45.get("370105") is None
    assert "roster" in run.data_versions["missing"]["370105"]
    # The case-record indicator of the same scheme still reads the data version.
    assert run.results.filter(node="non_arrest_rate", value__isnull=False).count() > 10

    # Traced back: the element's source is the roster snapshot, and the evidence is the people.
    frame = intake_element_frame(run, units=["370103"])
    row = frame[(frame["element"] == "staff_under_45") & (frame["period"] == PERIOD)]
    assert list(row["value"]) == [3.0]
    assert list(row["source"]) == [f"roster:{snapshot.pk}"]
    counted = {
        tuple(ev) for u, p, e, v, ev in snapshot.rows if u == "370103" and e == "staff_under_45"
    }
    assert counted == {tuple(sorted(f"person:{p.pk}" for p in rosters["370103"][:3]))}
    traces = unit_trace(run, scheme=scheme_of(staff_scheme), unit=shandong["370103"], user=admin)
    assert traces is not None
    uses = {u.code: u for t in traces for u in t.elements}
    assert uses["staff_under_45"].source == "roster"
    assert uses["staff_under_45"].source_id == snapshot.pk
    assert uses["staff_under_45"].records_url == "/people/units/370103/"
    assert uses["staff_under_45"].source_label

    # The roster changes after the run: the run and its reproduction keep what they read.
    _staff(shandong["370103"], [1995, 1996], batch="B")
    assert reproduce(run) is True
    again = intake_element_frame(run, units=["370103"])
    assert list(again[again["element"] == "staff_headcount"]["value"]) == [4.0]

    # A snapshot edited in the database is refused, like a data version whose file changed.
    snapshot.rows[0][3] = 99.0
    snapshot.save(update_fields=["rows"])
    with pytest.raises(RunError, match="gone or changed"):
        intake_element_frame(run)


def test_people_who_joined_after_the_period_are_not_counted(shandong) -> None:
    _staff(shandong["370103"], [1990, 1991])
    _staff(shandong["370103"], [1993], joined=2025, batch="B")  # joined after 2024
    values = element_sources.read_values(
        "roster", units=["370103"], periods=[PERIOD], elements=["staff_headcount"]
    )
    assert [(v.unit_code, v.element, v.value) for v in values] == [
        ("370103", "staff_headcount", 2.0)
    ]


def test_a_reader_cannot_widen_the_runs_scope(shandong) -> None:
    def rogue(units, period, elements):
        yield SourcedValue("370103", period, "x", 1.0, ("a:1",))
        yield SourcedValue("999999", period, "x", 2.0)  # a unit the run did not ask for
        yield SourcedValue("370103", period, "y", 3.0)  # an element it did not ask for
        yield SourcedValue("370103", "2023Q4", "x", 4.0)  # a period it did not ask for

    element_sources.register(ElementSource(name="rogue-test", label="rogue", read=rogue))
    try:
        values = element_sources.read_values(
            "rogue-test", units=["370103"], periods=[PERIOD], elements=["x"]
        )
    finally:
        element_sources._SOURCES.pop("rogue-test")
    assert values == [SourcedValue("370103", PERIOD, "x", 1.0, ("a:1",))]


def test_a_source_name_of_the_runs_own_kinds_is_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        element_sources.register(ElementSource(name="version", label="", read=lambda *a: []))


def test_an_element_has_exactly_one_origin() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Element(code="x", name_zh="x", name_en="x", reported=True, source="roster")
    with pytest.raises(ValueError, match="exactly one"):
        Element(code="x", name_zh="x", name_en="x")
    assert Element(code="x", name_zh="x", name_en="x", source="roster").lowest is None


def test_a_catalogue_naming_an_uninstalled_source_stops_the_run(
    staff_scheme, province_version, monkeypatch
) -> None:
    monkeypatch.delitem(element_sources._SOURCES, "roster")
    with pytest.raises(RunError, match="roster"):
        intake_inputs(scheme=scheme_of(staff_scheme), period=PERIOD, scope=None)
