"""Three-colour rules: rank tiers with the no-data policy, threshold legends, reasonable ranges."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from grassroots.engine.colours import COLOURS, colour_codes
from grassroots.engine.scheme import ColourSpec, ReasonableRange, scheme_from_dict
from grassroots.engine.scoring import evaluate

P = "2024"


def _evaluate(xs: dict[str, float | None], colour: dict[str, Any], **leaf: Any) -> pd.DataFrame:
    rows = [
        {"unit_code": u, "period": P, "indicator": "x", "value": v}
        for u, v in xs.items()
        if v is not None
    ]
    unit_frame = pd.DataFrame({"unit_code": list(xs), "peer_group": "3701"})
    scheme = scheme_from_dict(
        {
            "name": "t",
            "defaults": {"colour": "none", "normalisation": {"method": "minmax", "within": "peer"}},
            "levels": {"indicator": {"colour": colour}},
            "tree": {"code": "whole", "children": [{"indicator": "x", **leaf}]},
        }
    )
    result = evaluate(pd.DataFrame(rows), unit_frame, scheme, P)
    return result[result["node"] == "x"].set_index("unit_code")


TEN = {f"u{i}": float(100 - 10 * i) for i in range(1, 11)}  # u1 best ... u10 worst


def test_rank_tiers_colour_the_top_and_bottom_shares_of_the_peer_group() -> None:
    rows = _evaluate(TEN, {"rule": "rank_tiers", "top": 0.3, "bottom": 0.3})
    colours = rows["colour"].tolist()
    assert colours == ["green"] * 3 + ["yellow"] * 4 + ["red"] * 3


def test_the_why_text_gives_the_rank_the_group_and_the_tier() -> None:
    rows = _evaluate(TEN, {"rule": "rank_tiers", "top": 0.3, "bottom": 0.3})
    assert rows.loc["u9", "why"] == "rank 9 of 10 in peer group 3701: bottom 30% → red"
    assert rows.loc["u2", "why"] == "rank 2 of 10 in peer group 3701: top 30% → green"
    assert rows.loc["u5", "why"] == "rank 5 of 10 in peer group 3701: middle → yellow"


def test_tied_units_share_a_colour() -> None:
    xs = {**TEN, "u4": TEN["u3"]}  # u3 and u4 tie for third
    rows = _evaluate(xs, {"rule": "rank_tiers", "top": 0.3, "bottom": 0.3})
    assert rows.loc["u3", "rank_peer"] == rows.loc["u4", "rank_peer"] == 3
    assert rows.loc["u3", "colour"] == rows.loc["u4", "colour"] == "green"


@pytest.mark.parametrize(("policy", "expected"), [("grey", "grey"), ("red", "red")])
def test_no_data_is_coloured_by_policy(policy: str, expected: str) -> None:
    xs: dict[str, float | None] = {**TEN, "u11": None}
    rows = _evaluate(xs, {"rule": "rank_tiers", "no_data": policy})
    assert rows.loc["u11", "colour"] == expected
    assert rows.loc["u11", "why"] == f"no data → {expected}"
    assert rows.loc["u10", "why"].startswith("rank 10 of 10 ")  # the gap is not counted


def test_no_data_defaults_to_grey() -> None:
    assert ColourSpec().no_data.value == "grey"


BANDS = [
    {"to": 60, "colour": "red"},
    {"from": 60, "to": 80, "colour": "yellow"},
    {"from": 80, "to": 100, "colour": "green"},
]


def test_threshold_bands_include_their_lower_edge_and_the_last_band_its_upper_edge() -> None:
    xs = {"a": 59.99, "b": 60.0, "c": 79.99, "d": 80.0, "e": 100.0, "f": 100.01}
    rows = _evaluate(xs, {"rule": "thresholds", "on": "value", "bands": BANDS})
    assert rows["colour"].tolist() == ["red", "yellow", "yellow", "green", "green", "grey"]
    assert rows.loc["b", "why"] == "value 60 in [60, 80) → yellow"
    assert rows.loc["e", "why"] == "value 100 in [80, 100] → green"
    assert rows.loc["f", "why"] == "value 100 outside the legend → grey"


def test_thresholds_on_score_use_the_normalised_score() -> None:
    xs = {"a": 0.0, "b": 7.0, "c": 10.0}  # scores 0, 70, 100
    rows = _evaluate(xs, {"rule": "thresholds", "on": "score", "bands": BANDS})
    assert rows["colour"].tolist() == ["red", "yellow", "green"]


def test_the_range_rule_is_green_inside_yellow_within_the_margin_and_red_beyond() -> None:
    xs = {"a": 30.0, "b": 20.0, "c": 45.0, "d": 12.0, "e": 60.0, "f": None}
    rows = _evaluate(
        xs,
        {"rule": "range", "on": "value", "margin": 8},
        direction="range",
        range={"low": 20, "high": 40},
    )
    assert rows["colour"].tolist() == ["green", "green", "yellow", "yellow", "red", "grey"]
    assert rows.loc["c", "why"] == "value 45 is 5 above range 20–40 (margin 8) → yellow"


def test_the_range_rule_defaults_its_margin_to_the_fall_off() -> None:
    spec = ColourSpec(rule="range", on="value")
    band = ReasonableRange(low=20, high=40, fall_off=5)
    x = np.array([[42.0], [46.0]])
    codes = colour_codes(spec, score=x, value=x, rank=x, count=x, band=band)
    assert [COLOURS[c].value for c in codes.ravel()] == ["yellow", "red"]


def test_rank_tiers_are_vectorised_over_replications() -> None:
    spec = ColourSpec(rule="rank_tiers", top=0.2, bottom=0.2)
    ranks = np.array([[1.0, 5.0], [3.0, 3.0], [5.0, 1.0]])
    codes = colour_codes(spec, score=ranks, value=ranks, rank=ranks, count=np.full((3, 2), 5.0))
    assert [[COLOURS[c].value for c in row] for row in codes] == [
        ["green", "red"], ["yellow", "yellow"], ["red", "green"],
    ]  # fmt: skip


def test_a_scheme_can_switch_colours_off() -> None:
    rows = _evaluate(TEN, {"rule": "none"})
    assert set(rows["colour"]) == {""}


# ------------------------------------------------------------- structured why reasons


def _all_whys() -> list[str]:
    """The why texts of every colour rule, including no data and big numbers."""
    texts: list[str] = []
    texts += _evaluate(TEN | {"u11": None}, {"rule": "rank_tiers", "top": 0.3, "bottom": 0.3})[
        "why"
    ].tolist()
    texts += _evaluate(
        {"a": 5.0, "b": 9.0}, {"rule": "rank_tiers", "top": 0.5, "bottom": 0.5, "within": "all"}
    )["why"].tolist()
    xs = {"a": 59.99, "b": 60.0, "e": 100.0, "f": 100.01, "g": 12345.0, "h": 25000.0}
    bands = [*BANDS[:-1], {"from": 80, "to": 20000, "colour": "green"}]
    texts += _evaluate(xs, {"rule": "thresholds", "on": "value", "bands": bands})["why"].tolist()
    texts += _evaluate(
        {"a": 30.0, "c": 45.0, "d": -5.0, "e": 60.0, "f": None},
        {"rule": "range", "on": "value", "margin": 8},
        direction="range",
        range={"low": 20, "high": 40},
    )["why"].tolist()
    texts += _evaluate({"a": 1.0}, {"rule": "none"})["why"].tolist()
    return texts


def test_every_why_text_parses_back_into_the_reasons_that_wrote_it() -> None:
    from grassroots.engine.colours import english_text, parse_why

    texts = _all_whys()
    keys = set()
    for text in texts:
        reasons = parse_why(text)
        assert reasons is not None, text
        assert english_text(reasons) == text
        keys |= {r.key for r in reasons}
    assert keys == {
        "rank_peer", "rank_all", "no_data", "band", "outside_legend", "in_range", "off_range",
        "not_coloured", "small_peer_group",
    }  # fmt: skip


def test_a_reason_carries_its_parameters_and_the_coverage_note_is_its_own_reason() -> None:
    from grassroots.engine.colours import coverage_note, english, parse_why

    text = "rank 9 of 10 in peer group 3701: bottom 30% → red; " + english(coverage_note(0.25, 0.5))
    first, note = parse_why(text) or []
    assert first.key == "rank_peer"
    assert dict(first.params) == {
        "rank": "9", "count": "10", "group": "3701", "tier": "bottom", "share": "30%",
        "colour": "red",
    }  # fmt: skip
    assert note.key == "coverage"
    assert dict(note.params) == {"share": "25%", "needs": "50%"}


def test_text_the_engine_did_not_write_is_not_parsed() -> None:
    from grassroots.engine.colours import parse_why

    assert parse_why("") is None
    assert parse_why("low remand rate") is None
    assert parse_why("rank 9 of 10 in peer group 3701: bottom 30% → red; and more") is None
