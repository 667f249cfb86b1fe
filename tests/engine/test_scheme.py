"""The scheme language: shipped schemes load, and every kind of mistake is reported with its path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from grassroots.engine.errors import InputError
from grassroots.engine.scheme import (
    AggMethod,
    ColourRule,
    Direction,
    ItemKind,
    NormMethod,
    SchemeKind,
    list_schemes,
    load_scheme,
    read_scheme_file,
    scheme_from_dict,
)

SPP_CODES = {
    "case_procedure_ratio", "non_arrest_rate", "non_prosecution_rate",
    "post_arrest_non_prosecution_rate", "pre_charge_detention_rate", "plea_leniency_rate",
    "fixed_term_recommendation_rate", "recommendation_adoption_rate", "remand_rate",
    "extension_rate", "withdrawal_rate", "acquittal_rate", "post_arrest_light_sentence_rate",
    "protest_change_rate", "civil_admin_recommendation_adoption_rate", "pre_litigation_remedy_rate",
}  # fmt: skip


def _doc() -> dict[str, Any]:
    return {
        "name": "t",
        "tree": {
            "code": "whole",
            "children": [
                {"code": "quality", "weight": 2, "children": [
                    {"indicator": "remand_rate", "direction": "lower"},
                    {"indicator": "plea_leniency_rate"},
                ]},
                {"code": "effect", "weight": 1, "children": [{"indicator": "acquittal_rate"}]},
            ],
        },
    }  # fmt: skip


def _messages(raw: dict[str, Any], **kwargs: Any) -> list[str]:
    with pytest.raises(InputError) as info:
        scheme_from_dict(raw, source="t.yaml", **kwargs)
    return [str(p) for p in info.value.problems]


def test_all_shipped_schemes_load_against_their_catalogue_codes() -> None:
    assert list_schemes() == ["cepej", "core-business", "spp-case-quality", "weak-exit-standard"]
    assert (
        set(load_scheme("spp-case-quality", indicator_codes=SPP_CODES).indicator_codes())
        == SPP_CODES
    )
    assert (
        set(load_scheme("core-business", indicator_codes=SPP_CODES).indicator_codes()) == SPP_CODES
    )
    cepej = load_scheme(
        "cepej", indicator_codes={"clearance_rate", "disposition_time", "case_turnover"}
    )
    assert cepej.catalogue == "cepej"


def test_equal_weight_schemes_weigh_every_indicator_the_same() -> None:
    for name in ("spp-case-quality", "cepej"):
        weights = {leaf.weight for leaf in load_scheme(name).leaves()}
        assert weights == {1.0}, name


def test_core_business_has_three_aspects_and_ranges_for_rate_indicators() -> None:
    scheme = load_scheme("core-business")
    assert [a.code for a in scheme.root.children] == ["quality", "efficiency", "effect"]
    ranged = [leaf for leaf in scheme.leaves() if leaf.leaf_direction is Direction.RANGE]
    assert {leaf.code for leaf in ranged} == {"non_arrest_rate", "non_prosecution_rate"}
    assert all(leaf.range is not None and leaf.range.low < leaf.range.high for leaf in ranged)
    assert scheme.visibility.show_ranks_to == ("province_admin", "city_admin")
    assert "unit_leader" in scheme.visibility.show_colours_to


def test_weak_exit_standard_has_17_items_under_five_headings() -> None:
    scheme = load_scheme("weak-exit-standard")
    assert scheme.kind is SchemeKind.CHECKLIST
    assert len(scheme.items) == 17
    assert [h.code for h in scheme.headings] == [
        "political", "leadership", "staff", "supervision", "management",
    ]  # fmt: skip
    assert {i.heading for i in scheme.items} == {h.code for h in scheme.headings}
    kinds = {i.kind for i in scheme.items}
    assert kinds == {ItemKind.QUANTITATIVE, ItemKind.QUALITATIVE}
    q1 = next(i for i in scheme.items if i.code == "Q1")
    assert q1.condition is not None
    assert q1.condition.value == pytest.approx(2 / 3, abs=1e-15)


def test_leaf_codes_default_to_the_indicator_and_levels_get_names() -> None:
    scheme = scheme_from_dict(_doc())
    assert [n.code for n, _ in scheme.nodes()] == [
        "whole", "quality", "remand_rate", "plea_leniency_rate", "effect", "acquittal_rate",
    ]  # fmt: skip
    assert [n.level for n, _ in scheme.nodes()][:3] == ["whole", "aspect", "indicator"]


def test_level_policies_apply_by_name_then_by_depth() -> None:
    raw = _doc()
    raw["defaults"] = {"aggregation": "arithmetic", "normalisation": "minmax"}
    raw["levels"] = {
        "aspect": {"aggregation": "geometric"},
        "indicator": {"normalisation": {"method": "rank"}},
        0: {"aggregation": "harmonic"},
    }
    scheme = scheme_from_dict(raw)
    by_code = {n.code: (n, d) for n, d in scheme.nodes()}
    assert scheme.policy_for(*by_code["whole"]).aggregation is AggMethod.HARMONIC
    assert scheme.policy_for(*by_code["quality"]).aggregation is AggMethod.GEOMETRIC
    assert scheme.policy_for(*by_code["remand_rate"]).normalisation.method is NormMethod.RANK


def test_it_rejects_duplicate_node_codes_with_both_paths() -> None:
    raw = _doc()
    raw["tree"]["children"][1]["children"].append({"indicator": "remand_rate"})
    (message,) = _messages(raw)
    assert "t.yaml: tree.effect.remand_rate" in message
    assert "duplicate node code 'remand_rate' (also at tree.quality.remand_rate)" in message


def test_it_rejects_children_whose_weights_sum_to_zero() -> None:
    raw = _doc()
    for child in raw["tree"]["children"][0]["children"]:
        child["weight"] = 0
    (message,) = _messages(raw)
    assert message.startswith("t.yaml: tree.children[quality]")
    assert "weights sum to zero" in message


def test_it_rejects_negative_weights_naming_the_node() -> None:
    raw = _doc()
    raw["tree"]["children"][1]["weight"] = -1
    (message,) = _messages(raw)
    assert "tree.children[effect]" in message
    assert "must not be negative" in message


def test_it_rejects_unknown_indicators_with_a_suggestion() -> None:
    raw = _doc()
    raw["tree"]["children"][0]["children"][0]["indicator"] = "remand_rat"
    (message,) = _messages(raw, indicator_codes=SPP_CODES)
    assert "unknown indicator 'remand_rat' (did you mean 'remand_rate'?)" in message


def test_it_rejects_unknown_method_names_listing_the_valid_ones() -> None:
    raw = _doc()
    raw["defaults"] = {"normalisation": "min-max", "aggregation": "median"}
    messages = _messages(raw)
    assert any("defaults.normalisation.method" in m and "'minmax'" in m for m in messages)
    assert any("defaults.aggregation" in m and "'geometric'" in m for m in messages)


def test_it_rejects_malformed_values_and_unknown_keys() -> None:
    raw = _doc()
    raw["tree"]["children"][0]["weight"] = "heavy"
    raw["tree"]["children"][1]["colour"] = "red"
    messages = _messages(raw)
    assert any("tree.children[quality].weight" in m and "number" in m for m in messages)
    assert any("tree.children[effect].colour: unknown key" in m for m in messages)


def test_it_reports_every_problem_not_just_the_first() -> None:
    raw = _doc()
    raw["tree"]["children"][0]["weight"] = -2
    raw["defaults"] = {"aggregation": "median"}
    assert len(_messages(raw)) == 2


def test_it_requires_goalposts_targets_and_ranges_for_the_methods_that_use_them() -> None:
    raw = _doc()
    leaves = raw["tree"]["children"][0]["children"]
    leaves[0]["normalisation"] = "goalposts"
    leaves[1]["normalisation"] = "target"
    raw["tree"]["children"][1]["children"][0]["direction"] = "range"
    messages = _messages(raw)
    assert any("remand_rate" in m and "goalposts needs `goalposts`" in m for m in messages)
    assert any("plea_leniency_rate" in m and "target needs `target`" in m for m in messages)
    assert any("acquittal_rate" in m and "range" in m for m in messages)


def test_it_rejects_a_range_whose_low_exceeds_high() -> None:
    raw = _doc()
    raw["tree"]["children"][1]["children"][0]["range"] = {"low": 40, "high": 20}
    (message,) = _messages(raw)
    assert "range low (40.0) must not exceed high (20.0)" in message


def test_it_rejects_overlapping_or_gapped_threshold_bands() -> None:
    raw = _doc()
    bands = [
        {"to": 60, "colour": "red"},
        {"from": 50, "to": 80, "colour": "yellow"},
        {"from": 80, "colour": "green"},
    ]
    raw["defaults"] = {"colour": {"rule": "thresholds", "bands": bands}}
    assert "overlap" in _messages(raw)[0]
    bands[1]["from"] = 65
    assert "gap" in _messages(raw)[0]
    bands[1]["from"] = 60
    scheme = scheme_from_dict(raw)
    assert scheme.defaults.colour.rule is ColourRule.THRESHOLDS


def test_it_rejects_geometric_aggregation_over_z_scores() -> None:
    raw = _doc()
    raw["defaults"] = {"normalisation": "zscore", "aggregation": "geometric"}
    assert any("needs positive scores" in m for m in _messages(raw))


def test_it_rejects_a_range_colour_rule_without_bounds_on_aggregates() -> None:
    raw = _doc()
    raw["levels"] = {"aspect": {"colour": {"rule": "range"}}}
    messages = _messages(raw)
    assert len(messages) == 2
    assert all("range colour rule needs low/high" in m for m in messages)


def test_it_names_the_yaml_file_and_suggests_shipped_scheme_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="did you mean 'core-business'"):
        load_scheme("core-busines")
    path = tmp_path / "mine.yaml"
    raw = _doc()
    raw["tree"]["children"][0]["weight"] = -1
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(InputError, match=r"mine\.yaml: tree\.children\[quality\]"):
        read_scheme_file(path)


def test_checklist_conditions_must_name_nodes_of_the_scheme_they_read() -> None:
    raw = yaml.safe_load(Path(load_scheme.__code__.co_filename).with_name("schemes").joinpath(
        "weak-exit-standard.yaml").read_text(encoding="utf-8"))  # fmt: skip
    broken = copy.deepcopy(raw)
    broken["items"][9]["condition"]["node"] = "qualty"
    (message,) = _messages(broken)
    assert "items[Q1].condition.node" in message
    assert "did you mean 'quality'?" in message
    broken = copy.deepcopy(raw)
    broken["items"][10]["condition"]["value"] = "purple"
    assert any("purple" in m for m in _messages(broken))


def test_a_level_entry_overrides_only_the_keys_it_names() -> None:
    raw = _doc()
    raw["defaults"] = {
        "missing": {"imputation": "peer_mean", "min_coverage": 0.5},
        "colour": {"rule": "rank_tiers", "top": 0.2, "no_data": "red"},
    }
    raw["levels"] = {"whole": {"missing": {"min_coverage": 0.8}, "colour": {"top": 0.4}}}
    scheme = scheme_from_dict(raw)
    policy = scheme.policy_for(scheme.root)
    assert policy.missing.min_coverage == 0.8
    assert policy.missing.imputation.value == "peer_mean"
    assert (policy.colour.top, policy.colour.no_data.value) == (0.4, "red")


def test_it_rejects_level_entries_that_combine_into_an_invalid_policy() -> None:
    raw = _doc()
    raw["defaults"] = {"colour": {"rule": "rank_tiers", "bottom": 0.6}}
    raw["levels"] = {"aspect": {"colour": {"top": 0.6}}}
    messages = _messages(raw)
    assert len(messages) == 2  # the two aspects
    assert all("top (0.6) + bottom (0.6) exceed 1" in m for m in messages)


def test_warning_thresholds_have_defaults_and_take_the_provinces_values() -> None:
    assert scheme_from_dict(_doc()).warnings.rank_drop_places == 20
    raw = _doc()
    raw["warnings"] = {"rank_drop_places": 10, "red_streak_from": 3, "gaming_ratio_fall": 0.15}
    rules = scheme_from_dict(raw).warnings
    assert (rules.rank_drop_places, rules.red_streak_from, rules.gaming_ratio_fall) == (10, 3, 0.15)


def test_it_rejects_warning_thresholds_out_of_range_naming_them() -> None:
    raw = _doc()
    raw["warnings"] = {"gaming_ratio_fall": 2, "red_streak_from": 1, "rank_drop": 5}
    messages = _messages(raw)
    assert any("warnings.gaming_ratio_fall" in m and "less than 1" in m for m in messages)
    assert any(
        "warnings.red_streak_from" in m and "greater than or equal to 2" in m for m in messages
    )
    assert any("warnings.rank_drop: unknown key" in m for m in messages)
