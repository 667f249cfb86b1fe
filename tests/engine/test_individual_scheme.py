"""Individual schemes and coefficient tables: the 60% rule, grades, names never paths."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from grassroots.engine.errors import InputError
from grassroots.engine.individual import (
    Viewer,
    list_coefficients,
    list_individual_schemes,
    load_coefficients,
    load_individual_scheme,
    parse_coefficients,
    parse_individual_scheme,
)
from grassroots.engine.individual.coefficients import COEFFICIENTS_DIR
from grassroots.engine.individual.scheme import INDIVIDUAL_SCHEMES_DIR, SAMPLE

SECRET = "grassroots-secret-line-42"


def _with(**changes: object) -> str:
    raw = yaml.safe_load(SAMPLE)
    raw.update(changes)
    return yaml.safe_dump(raw, allow_unicode=True)


def _weights(performance: float, common: float, overall: float) -> str:
    raw = yaml.safe_load(SAMPLE)
    for component, weight in zip(raw["components"], (performance, common, overall), strict=True):
        component["weight"] = weight
    return yaml.safe_dump(raw, allow_unicode=True)


def _messages(text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_individual_scheme(text, source="s.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_shipped_schemes_parse_and_cover_prosecutors_and_assistants() -> None:
    assert list_individual_schemes() == ["assistant-2021", "prosecutor-2021"]
    prosecutor = load_individual_scheme("prosecutor-2021")
    assistant = load_individual_scheme("assistant-2021")
    assert {c.value for c in prosecutor.categories} == {"prosecutor", "leader"}
    assert {c.value for c in assistant.categories} == {"assistant", "clerk"}
    assert prosecutor.performance_share >= 0.6
    assert assistant.performance_share >= 0.6
    sources = {i.source.value for _, i in assistant.items()}
    assert {"base", "adjustment"} <= sources
    assert "cases" not in sources
    assert [g.name_zh for g in prosecutor.grades] == ["优秀", "良好", "合格", "不合格"]


@pytest.mark.parametrize(
    ("weights", "ok"),
    [((60, 30, 10), True), ((60, 40, 0.0001), False), ((59, 31, 10), False), ((6, 3, 1), True),
     ((70, 20, 10), True), ((1, 1, 1), False)],
)  # fmt: skip
def test_the_performance_weight_must_be_at_least_60_percent(
    weights: tuple[float, float, float], ok: bool
) -> None:
    text = _weights(*weights)
    if ok:
        assert parse_individual_scheme(text).performance_share >= 0.6
        return
    messages = _messages(text)
    assert len(messages) == 1
    assert "业绩权重须不低于总分的60%" in messages[0]
    assert "the performance weight must be at least 60% of the full score" in messages[0]
    assert messages[0].startswith("s.yaml: components")


def test_a_scheme_without_a_performance_component_is_refused() -> None:
    raw = yaml.safe_load(SAMPLE)
    raw["components"][0]["kind"] = "common"
    raw["components"][0]["items"] = [
        {"code": "x", "name_zh": "x", "source": "reviewer", "points": 60}
    ]
    assert any("60%" in m for m in _messages(yaml.safe_dump(raw, allow_unicode=True)))


def test_it_lists_every_problem_at_once() -> None:
    raw = yaml.safe_load(SAMPLE)
    raw["components"][0]["weight"] = 10
    raw["components"][0]["items"][0]["indicator"] = "no_such_indicator"
    raw["grades"] = [
        {"code": "a", "name_zh": "甲", "share": 0.7},
        {"code": "b", "name_zh": "乙", "share": 0.5},
        {"code": "c", "name_zh": "丙"},
    ]
    messages = _messages(yaml.safe_dump(raw, allow_unicode=True))
    assert any("60%" in m for m in messages)
    assert any("unknown indicator 'no_such_indicator'" in m for m in messages)
    assert any("more than 100%" in m for m in messages)


@pytest.mark.parametrize(
    ("grades", "expected"),
    [
        ([{"code": "a", "name_zh": "甲", "share": 0.2}], "exactly one grade"),
        ([{"code": "a", "name_zh": "甲"}, {"code": "b", "name_zh": "乙"}], "exactly one grade"),
        ([{"code": "a", "name_zh": "甲", "below": 60}, {"code": "b", "name_zh": "乙"}],
         "only the last grade"),
        ([{"code": "b", "name_zh": "乙"}, {"code": "a", "name_zh": "甲", "share": 0.2}],
         "come before"),
    ],
)  # fmt: skip
def test_grade_rules_are_checked(grades: list[dict[str, object]], expected: str) -> None:
    assert any(expected in m for m in _messages(_with(grades=grades)))


def test_items_must_be_consistent() -> None:
    raw = yaml.safe_load(SAMPLE)
    raw["components"][0]["items"][0]["method"] = "band"  # no full/zero
    raw["components"][1]["items"][0]["indicator"] = "workload"  # reviewer item with indicator
    raw["unknown_key"] = 1
    messages = _messages(yaml.safe_dump(raw, allow_unicode=True))
    assert any("band item needs different full and zero" in m for m in messages)
    assert any("only a cases item has an indicator" in m for m in messages)
    assert any("unknown_key" in m and "unknown key" in m for m in messages)


def test_case_items_belong_to_performance() -> None:
    raw = yaml.safe_load(SAMPLE)
    raw["components"][1]["items"][0] = {
        "code": "w2", "name_zh": "w", "source": "cases", "indicator": "workload",
        "method": "relative", "points": 30,
    }  # fmt: skip
    assert any(
        "case-based items belong to performance" in m for m in _messages(yaml.safe_dump(raw))
    )


def test_ranks_are_hidden_by_default_and_the_scheme_can_open_them() -> None:
    scheme = parse_individual_scheme(SAMPLE)
    assert not any(scheme.visibility.allows("rank", v) for v in Viewer)
    assert scheme.visibility.allows("scores", "self")
    assert scheme.visibility.allows("band", "self")
    shipped = load_individual_scheme("prosecutor-2021")
    assert shipped.visibility.allows("rank", "committee")
    assert not shipped.visibility.allows("rank", "self")


@pytest.fixture
def secret_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "evil.yaml"
    path.write_text(
        (INDIVIDUAL_SCHEMES_DIR / "prosecutor-2021.yaml").read_text(encoding="utf-8")
        + f"# {SECRET}\n"
    )
    return path


def test_schemes_and_tables_load_by_registered_name_never_by_path(secret_yaml: Path) -> None:
    relative = "../individual/prosecutor-2021"
    for value in ["/etc/passwd", "../x.yaml", str(secret_yaml), relative, "", "/dev/zero",
                  str(COEFFICIENTS_DIR / "example-2021.yaml")]:  # fmt: skip
        for load in (load_individual_scheme, load_coefficients):
            with pytest.raises(InputError) as caught:
                load(value)
            text = str(caught.value.problems)
            assert SECRET not in text
            assert "root:" not in text
            assert "Errno" not in text
            assert "registered" in text
            if value.startswith("/") or ".." in value:
                assert value not in text
    # Each registry is its own: a scheme is not a coefficient table.
    with pytest.raises(InputError):
        load_coefficients("prosecutor-2021")


def test_the_example_coefficient_table_is_marked_as_an_example() -> None:
    assert list_coefficients() == ["example-2021"]
    table = load_coefficients("example-2021")
    assert table.example
    assert table.year == 2021
    assert table.coefficient("arrest_review") == 1
    assert table.coefficient("protest") == Fraction(4, 3)
    assert table.coefficient("detention_extension") == Fraction(1, 3)
    assert table.sources["protest"] == "二审抗诉"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\ncoefficients: {no_such_type: 1}", "unknown work type"),
        ("name: x\ncoefficients: {arrest_review: -1}", "not a number or fraction"),
        ("name: x\ncoefficients: {arrest_review: 'one'}", "not a number or fraction"),
        ("name: x\nyear: '2024'\ncoefficients: {}", "year must be a whole number"),
        ("name: x", "needs a coefficients mapping"),
        ("[: bad", "not valid YAML"),
    ],
)
def test_bad_coefficient_tables_are_refused_with_a_clear_message(text: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_coefficients(text, source="t.yaml")
    assert any(expected in str(p) for p in caught.value.problems)
