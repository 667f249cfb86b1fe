"""No censored indicators: the newest period reads like the ones before it.

An indicator whose outcome is known only later (a sentencing recommendation is adopted or not
at judgment; a procuratorial recommendation is answered weeks after it is issued) must be dated
by the event that completes it. Dated by the start of the story instead, the newest period —
the one always evaluated — holds mostly outcomes not yet known, and its province mean drops (the
issue's 93.8, 93.9, 89.4, then 25.2%). The synthetic province has realistic completion lags
(judgment 20-120 days after the review concludes, answers 20-90 days after issue), so it shows
the drop when the dating is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from grassroots.engine.cases import read_cases
from grassroots.engine.catalogue import list_catalogues, load_catalogue
from grassroots.engine.compute import compute_elements
from grassroots.engine.indicators import compute_indicators
from grassroots.engine.synth import SynthOptions, generate

FIRST, LAST = "2023Q1", "2024Q4"
# Catalogues whose elements are all reported figures: a unit reports a period's flows once
# they are complete, and the generator writes case records only.
REPORTED_ONLY = {"cepej"}
# The newest period's mean may lie outside the earlier periods' [min, max] by half that range
# on either side. Eight quarters of one seed's draws already span about 2.5 standard deviations
# of the quarter-to-quarter noise, so the allowed band is about mean ± 2.5 sd: an ordinary
# quarter falls outside it about once in a hundred indicators, while a censored one (93 → 25)
# lies many ranges away.
TOLERANCE = 0.5


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("province")
    # Shandong at a third of its caseload: about 140 units, a few seconds.
    generate(out, SynthOptions(first=FIRST, last=LAST, provinces=("37",), seed=1, scale=0.3))
    return out


def _province_means(folder: Path, catalogue: str) -> pd.DataFrame:
    """Indicator × period: the mean over units of each unit's value."""
    cat = load_catalogue(catalogue)
    periods = sorted(pd.period_range(FIRST, LAST, freq="Q").strftime("%YQ%q"))
    values = compute_indicators(compute_elements(read_cases(folder), cat, periods), cat)
    return values.groupby(["indicator", "period"])["value"].mean().unstack()


def _rule_catalogues() -> list[str]:
    return [name for name in list_catalogues() if name not in REPORTED_ONLY]


def test_only_catalogues_of_reported_figures_are_left_out() -> None:
    for name in REPORTED_ONLY:
        assert all(e.reported for e in load_catalogue(name).elements.values())
    assert _rule_catalogues()


@pytest.mark.parametrize("catalogue", _rule_catalogues())
def test_the_newest_period_mean_lies_in_the_range_of_earlier_periods(
    province: Path, catalogue: str
) -> None:
    means = _province_means(province, catalogue)
    assert set(means.index) == set(load_catalogue(catalogue).indicators)
    earlier, newest = means.iloc[:, :-1], means.iloc[:, -1]
    low, high = earlier.min(axis=1), earlier.max(axis=1)
    slack = TOLERANCE * (high - low)
    outside = (newest < low - slack) | (newest > high + slack)
    found = {
        code: f"{newest[code]:.1f} after {low[code]:.1f}–{high[code]:.1f}"
        for code in means.index[outside]
    }
    assert found == {}
