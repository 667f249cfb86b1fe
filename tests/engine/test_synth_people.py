"""The generator's people: a roster per unit, and case records naming people from it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from grassroots.engine.cases import read_cases
from grassroots.engine.roster import ROSTER_COLUMN_NAMES, StaffCategory, handler_problems
from grassroots.engine.synth import SynthOptions, generate, staff_figures
from grassroots.engine.synth.people import roster_frame


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("people")
    generate(out, SynthOptions(first="2024Q1", last="2024Q2", provinces=("64",), scale=0.3))
    return out


def test_the_roster_csv_is_the_roster_frame_and_matches_the_staff_figures(small: Path) -> None:
    written = pd.read_csv(small / "roster.csv", dtype={"unit_code": str})
    assert list(written.columns) == list(ROSTER_COLUMN_NAMES)
    codes = sorted(written.unit_code.unique())
    again = roster_frame(codes, seed=1)
    pd.testing.assert_frame_equal(
        written.reset_index(drop=True), again.reset_index(drop=True), check_dtype=False
    )
    figures = staff_figures(codes)
    sizes = written.groupby("unit_code").size()
    quota = written[written.quota].groupby("unit_code").size()
    for code in codes:
        assert sizes[code] == figures[code].headcount
        assert abs(quota[code] - figures[code].procurators) <= 4  # leaders hold seats too
    assert set(written.category) == {c.value for c in StaffCategory}
    assert not written.duplicated(["unit_code", "staff_id"]).any()
    assert (written.joined_year > written.birth_year + 18).all()


def test_every_handler_in_the_cases_is_in_the_roster(small: Path) -> None:
    roster = pd.read_csv(small / "roster.csv", dtype={"unit_code": str})
    assert handler_problems(read_cases(small), roster) == []
    with duckdb.connect() as con:
        nulls = con.execute(
            f"select count(*) from '{small}/persons.parquet' where prosecutor_id is null"
        ).fetchone()
        handlers = con.execute(
            f"select count(distinct unit_code || prosecutor_id) from '{small}/persons.parquet'"
        ).fetchone()
    assert nulls == (0,)
    prosecutors = roster[roster.category.isin(["prosecutor", "leader"])]
    assert handlers is not None
    assert handlers[0] > 0.5 * len(prosecutors)


def test_a_wrong_staff_number_or_department_is_reported_by_row(small: Path, tmp_path: Path) -> None:
    roster = pd.read_csv(small / "roster.csv", dtype={"unit_code": str})
    unit = roster.unit_code.iloc[0]
    (tmp_path / "events.csv").write_text(
        "unit_code,event_id,case_id,event_type,event_date,prosecutor_id,department\n"
        f"{unit},e1,c1,protest,2024-07-01,P0001,D00\n"
        f"{unit},e2,c1,protest,2024-07-01,X9999,D01\n"
        f"{unit},e3,c1,protest,2024-07-01,,D99\n"
        "999999,e4,c1,protest,2024-07-01,X9999,D99\n"
    )
    problems = [str(p) for p in handler_problems(read_cases(tmp_path), roster)]
    assert problems == [
        f"events row 3, column prosecutor_id: staff number 'X9999' is not in the roster of unit {unit}",
        f"events row 4, column department: department 'D99' is not in the roster of unit {unit}",
    ]


def test_headcount_can_be_overridden_and_units_keep_their_people() -> None:
    one = roster_frame(["640104"], seed=1)
    both = roster_frame(["640104", "640105"], seed=1)
    pd.testing.assert_frame_equal(one, both[both.unit_code == "640104"].reset_index(drop=True))
    small = roster_frame(["640104"], seed=1, headcount={"640104": 40})
    assert len(small) == 40
    assert set(small.category) >= {"leader", "prosecutor", "assistant"}


def test_staff_per_unit_sizes_every_roster_and_the_cases_name_those_people(tmp_path: Path) -> None:
    from grassroots.engine.synth import SynthError

    generate(tmp_path, SynthOptions(first="2024Q1", last="2024Q1", provinces=("64",),
                                    scale=0.2, staff_per_unit=25))  # fmt: skip
    roster = pd.read_csv(tmp_path / "roster.csv", dtype={"unit_code": str})
    assert set(roster.groupby("unit_code").size()) == {25}
    assert handler_problems(read_cases(tmp_path), roster) == []
    with pytest.raises(SynthError, match="at least 20"):
        generate(tmp_path, SynthOptions(provinces=("64",), staff_per_unit=5))


def test_staff_figures_computed_from_the_roster_agree_with_units_csv(small: Path) -> None:
    from grassroots.engine.roster import staff_figures_of

    roster = pd.read_csv(small / "roster.csv", dtype={"unit_code": str})
    units = pd.read_csv(small / "units.csv", dtype={"unit_code": str}).set_index("unit_code")
    figures = staff_figures_of(roster, year=2024).set_index("unit_code")
    assert (figures.headcount == units.loc[figures.index, "headcount"]).all()
    assert (abs(figures.procurators - units.loc[figures.index, "procurators"]) <= 4).all()
    # Ages are drawn around each unit's under-45 share: the province-wide mean is close.
    gap = figures.under_45_share.mean() - units.loc[figures.index, "under_45_share"].mean()
    assert abs(gap) < 5
    assert (figures.talent_pool_1980s_1990s <= figures.born_1980s_1990s).all()
