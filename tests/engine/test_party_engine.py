"""The party engine (issue 15.3): scheme checks, the weight tree with deductions and floors,
months into quarters, and the rank-band and threshold colours against hand-computed cases."""

from __future__ import annotations

import pytest

from grassroots.engine.errors import InputError
from grassroots.engine.party import (
    SAMPLE,
    LeafInput,
    accumulate,
    load_party_scheme,
    parse_party_scheme,
    score_subject,
    standings,
)
from grassroots.engine.party.periods import due_dates


def problems_of(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_party_scheme(text)
    return "\n".join(str(p) for p in caught.value.problems)


def test_the_shipped_scheme_is_valid_and_weighs_75_15_10() -> None:
    s = load_party_scheme("integration-2024")
    assert [(n.code, n.weight) for n in s.tree] == [("business", 75), ("team", 15), ("affairs", 10)]
    assert s.colour.rule == "rank_bands"


def test_children_that_do_not_add_up_to_their_parent_are_rejected_in_both_languages() -> None:
    text = problems_of(SAMPLE.replace("weight: 5", "weight: 7"))
    assert "tree.team" in text
    assert "下级权重之和（17）不等于本项权重（15）" in text
    assert "the children's weights add up to 17, not this item's weight 15" in text


def test_top_weights_that_do_not_add_up_to_the_total_are_rejected() -> None:
    text = problems_of(SAMPLE.replace("weight: 75", "weight: 70"))
    assert "一级权重之和（95）不等于总分（100）" in text


def test_a_deduction_item_without_a_floor_is_rejected() -> None:
    text = problems_of(SAMPLE.replace("        floor: 0\n", ""))
    assert "tree.team.discipline" in text
    assert "扣分项须设最低分（floor）" in text
    assert "a deduction item needs a floor" in text


def test_a_floor_above_the_weight_and_a_floor_on_a_task_item_are_rejected() -> None:
    assert "最低分（12）高于本项权重（10）" in problems_of(SAMPLE.replace("floor: 0", "floor: 12"))
    bad = SAMPLE.replace("        weight: 5\n", "        weight: 5\n        floor: 1\n")
    assert "只有扣分项可设最低分" in problems_of(bad)


def test_rank_bands_must_rise_and_end_open() -> None:
    bad = (
        SAMPLE
        + "colour:\n  rule: rank_bands\n  bands: [{upto: 8, colour: green}, {upto: 4, colour: yellow}, {colour: red}]\n"
    )
    assert "名次段上限须递增" in problems_of(bad)
    bad = (
        SAMPLE
        + "colour:\n  rule: rank_bands\n  bands: [{upto: 4, colour: green}, {upto: 8, colour: red}]\n"
    )
    assert "只有最后一个名次段不设上限" in problems_of(bad)


def test_the_weight_tree_with_a_deduction_held_at_its_floor() -> None:
    s = parse_party_scheme(SAMPLE)
    # business 60 of 80 task points: 75 × 0.75 = 56.25; tasks 3 of 4: 5 × 0.75 = 3.75;
    # discipline 10 − 4 = 6; affairs 10 of 10: 10. Total 56.25 + 3.75 + 6 + 10 = 76.
    r = score_subject(s, {"business": LeafInput(60, 80), "tasks": LeafInput(3, 4),
                          "discipline": LeafInput(deducted=4), "affairs": LeafInput(10, 10)})  # fmt: skip
    assert r.points == {
        "business": 56.25,
        "team": 9.75,
        "tasks": 3.75,
        "discipline": 6.0,
        "affairs": 10.0,
    }
    assert r.total == 76.0
    # 14 deducted from a 10-point item with floor 0 keeps 0, not −4.
    r = score_subject(s, {"business": LeafInput(80, 80), "tasks": LeafInput(4, 4),
                          "discipline": LeafInput(deducted=14), "affairs": LeafInput(10, 10)})  # fmt: skip
    assert r.points["discipline"] == 0.0
    assert r.total == 90.0


def test_an_item_without_tasks_is_left_out_and_the_total_scaled() -> None:
    s = parse_party_scheme(SAMPLE)
    # only business (75, full marks) and discipline (10, untouched) assessed: 85 of 85 → 100
    r = score_subject(s, {"business": LeafInput(8, 8)})
    assert r.points["tasks"] is None
    assert r.points["affairs"] is None
    assert r.assessed_weight == 85
    assert r.total == 100.0
    # given no task at all, a subject has no total (its deductions alone are not a score)
    assert score_subject(s, {"discipline": LeafInput(deducted=2)}).total is None


def test_months_into_a_quarter() -> None:
    months = [{"total": 80.0, "a": 1.0}, {"total": 90.0, "a": None}, {"total": 70.0, "a": 3.0}]
    assert accumulate(months, "mean") == {"total": 80.0, "a": 2.0}
    assert accumulate(months, "sum") == {"total": 240.0, "a": 4.0}
    assert accumulate(months, "last") == {"total": 70.0, "a": 3.0}


def test_rank_band_colours_hand_computed() -> None:
    s = parse_party_scheme(SAMPLE)  # default bands: 1–4 green, 5–8 yellow, 9+ red
    totals = {f"u{i:02d}": 100.0 - i for i in range(1, 11)}  # u01 99 … u10 90
    totals["u11"] = 94.0  # ties u06: both rank 6
    totals["u12"] = None
    got = standings(s.colour, totals)
    assert {k: (v.rank, v.colour) for k, v in got.items()} == {
        "u01": (1, "green"), "u02": (2, "green"), "u03": (3, "green"), "u04": (4, "green"),
        "u05": (5, "yellow"), "u06": (6, "yellow"), "u11": (6, "yellow"), "u07": (8, "yellow"),
        "u08": (9, "red"), "u09": (10, "red"), "u10": (11, "red"), "u12": (None, "grey"),
    }  # fmt: skip
    assert got["u07"].why == "rank 8 of 11: ranks 5–8 → yellow"
    assert got["u09"].why == "rank 10 of 11: ranks 9 and after → red"
    assert got["u12"].why == "no data → grey"


def test_threshold_colours_hand_computed() -> None:
    text = SAMPLE + (
        "colour:\n  rule: thresholds\n  thresholds:\n"
        "    - {to: 80, colour: red}\n    - {from: 80, to: 90, colour: yellow}\n"
        "    - {from: 90, colour: green}\n"
    )
    s = parse_party_scheme(text)
    got = standings(s.colour, {"a": 95.0, "b": 90.0, "c": 89.99, "d": 80.0, "e": 79.5, "f": None})
    assert {k: v.colour for k, v in got.items()} == {
        "a": "green",
        "b": "green",
        "c": "yellow",
        "d": "yellow",
        "e": "red",
        "f": "grey",
    }
    assert got["c"].why == "score 89.99 in [80, 90) → yellow"
    assert got["e"].why == "score 79.5 in [-∞, 80) → red"


def test_thresholds_with_a_gap_are_rejected() -> None:
    text = SAMPLE + (
        "colour:\n  rule: thresholds\n  thresholds:\n"
        "    - {to: 80, colour: red}\n    - {from: 85, colour: green}\n"
    )
    assert "not contiguous" in problems_of(text)


def test_recurring_periods_of_a_quarter() -> None:
    import datetime as dt

    q1 = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert len(due_dates("weekly", *q1)) == 13
    assert [o.due.isoformat() for o in due_dates("monthly", *q1)] == [
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
    ]
    assert [(o.label, o.month) for o in due_dates("quarterly", *q1)] == [("2024Q1", "2024-03")]
