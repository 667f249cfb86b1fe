"""Validation rules (DHIS2 model): operators, pairs, missing-value strategies, shipped rules."""

from __future__ import annotations

import pandas as pd
import pytest

from grassroots.intake.validation.rules import Missing, Operator, Rule, load_rules, run_rules


def _values(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [("370102", "2024Q3", element, value) for element, _, value in rows],
        columns=["unit_code", "period", "element", "value"],
    )


def _rule(op: str, missing: Missing = Missing.SKIP_IF_ANY_MISSING) -> Rule:
    return Rule("r", "规则", "a + b", Operator(op), "c", missing=missing)


@pytest.mark.parametrize(
    ("op", "violated"),
    [("==", True), ("!=", False), ("<", False), ("<=", False), (">", True), (">=", True)],
)
def test_each_comparison_operator_compares_the_two_sides(op, violated) -> None:
    values = _values([("a", None, 1), ("b", None, 2), ("c", None, 5)])
    found = run_rules([_rule(op)], values)
    assert bool(found) is violated
    if found:
        assert (found[0].left, found[0].right) == (3, 5)


def test_missing_values_follow_the_rules_strategy() -> None:
    values = _values([("a", None, 9), ("c", None, 5)])  # b is missing
    assert run_rules([_rule("<=")], values) == []  # skip if any missing
    [v] = run_rules([_rule("<=", Missing.SKIP_IF_ALL_MISSING)], values)
    assert v.left == 9  # b counted as 0
    assert run_rules([_rule("<=", Missing.SKIP_IF_ALL_MISSING)], _values([("c", None, 1)])) == []
    [v] = run_rules([_rule(">=", Missing.NEVER_SKIP)], _values([("c", None, 1)]))
    assert (v.left, v.right) == (0, 1)


def test_compulsory_and_exclusive_pairs() -> None:
    only_left = _values([("a", None, 1), ("b", None, 1)])
    assert len(run_rules([_rule("compulsory_pair")], only_left)) == 1
    both = _values([("a", None, 1), ("c", None, 1)])
    assert run_rules([_rule("compulsory_pair")], both) == []
    assert len(run_rules([_rule("exclusive_pair")], both)) == 1
    assert run_rules([_rule("exclusive_pair")], only_left) == []


def test_the_shipped_rules_load_and_catch_an_impossible_count() -> None:
    rules = load_rules("spp-case-quality")
    assert len(rules) >= 5
    values = _values([("acquitted_persons", None, 4), ("judged_persons", None, 3)])
    [violation] = [v for v in run_rules(rules, values) if v.rule.code == "acquitted_within_judged"]
    assert violation.message == "acquitted_persons = 4 <= judged_persons = 3"


def test_a_version_page_lists_the_rule_violations_of_its_values(clerk, data_dir, export, client):
    from grassroots.intake.cases.services import import_cases
    from grassroots.intake.models import ElementValue

    version = import_cases(source=export, unit=clerk.membership.unit, period="2024Q3", actor=clerk)
    client.force_login(clerk)
    assert (
        "acquitted_within_judged"
        not in client.get(f"/intake/versions/{version.pk}/").content.decode()
    )
    ElementValue.objects.filter(data_version=version, element="acquitted_persons").update(value=2)
    page = client.get(f"/intake/versions/{version.pk}/").content.decode()
    assert "无罪判决人数不超过法院判决人数" in page
