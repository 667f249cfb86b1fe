"""End to end on synthetic Shandong: the units the generator planted as weak come out at the bottom.

The generator (``grassroots generate``) draws a latent quality per unit and quarter and moves
every case rate with it; truth.json says which units it planted as weak and how each unit's
quality moved. Evaluating its case records with the shipped ``core-business`` scheme must find
them: that checks the catalogue, element SQL, indicators, scoring and colours together.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from grassroots.cli import main

PERIOD = "2024Q4"  # the last generated quarter: improvers have had time to recover

# Share of still-weak units that must land in the bottom tier. By chance a third would (the
# bottom tier is the bottom third); weak units sit ~2 standard deviations of latent quality
# below the rest, and the ~20 core indicators each carry a noisy signal of it, so nearly all
# should be found. 70% leaves room for sampling noise in small units without letting a broken
# direction, normalisation or peer grouping through (those fall to about a third or less).
MIN_WEAK_IN_BOTTOM = 0.70
# Recovered improvers should no longer be flagged as a block; a third is chance level.
MAX_RECOVERED_IN_BOTTOM = 0.50


@pytest.fixture(scope="module")
def shandong(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], pd.DataFrame]:
    folder = tmp_path_factory.mktemp("shandong")
    args = ["generate", "--province", "37", "--from", "2023Q1", "--to", PERIOD, "--seed", "1"]
    assert main([*args, "--out", str(folder)]) == 0
    out = folder / "result.parquet"
    evaluate = ["evaluate", "--scheme", "core-business", "--period", PERIOD]
    assert main([*evaluate, "--cases", str(folder), "--out", str(out)]) == 0
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    result = pd.read_parquet(out)
    return truth, result[result["level"] == "whole"].set_index("unit_code")


def _still_weak(truth: dict[str, object], period: str) -> tuple[list[str], list[str]]:
    """Planted weak units still weak at ``period``, and those that recovered (improvers).

    Recovered means the latent quality has climbed past halfway from the weak mean to the
    ordinary mean, both read from truth.json."""
    params = truth["parameters"]
    units = truth["units"]
    assert isinstance(params, dict)
    assert isinstance(units, dict)
    halfway = (params["weak_quality_mean"] + params["ordinary_quality_mean"]) / 2
    weak = truth["weak_units"]
    assert isinstance(weak, list)
    still = [u for u in weak if units[u]["quality"][period] < halfway]
    return still, [u for u in weak if u not in still]


def _bottom_tier(root: pd.DataFrame) -> set[str]:
    """Bottom third of the province by overall score, or coloured red."""
    n = root["rank_all"].notna().sum()
    return set(root.index[(root["rank_all"] > 2 * n / 3) | (root["colour"] == "red")])


@pytest.mark.slow
def test_planted_weak_units_fall_mostly_in_the_bottom_tier(
    shandong: tuple[dict[str, object], pd.DataFrame],
) -> None:
    truth, root = shandong
    still, _ = _still_weak(truth, PERIOD)
    assert len(still) >= 15  # the generator plants ~35 in Shandong, ~40% of them improve
    assert set(still) <= set(root.index)
    bottom = _bottom_tier(root)
    share = sum(u in bottom for u in still) / len(still)
    assert share >= MIN_WEAK_IN_BOTTOM, f"only {share:.0%} of {len(still)} weak units at the bottom"


@pytest.mark.slow
def test_improvers_that_recovered_are_no_longer_flagged_as_a_block(
    shandong: tuple[dict[str, object], pd.DataFrame],
) -> None:
    truth, root = shandong
    _, recovered = _still_weak(truth, PERIOD)
    assert len(recovered) >= 5
    bottom = _bottom_tier(root)
    share = sum(u in bottom for u in recovered) / len(recovered)
    assert share <= MAX_RECOVERED_IN_BOTTOM, f"{share:.0%} of recovered improvers at the bottom"
