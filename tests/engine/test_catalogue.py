from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from grassroots.engine.caseformat import EVENT_TYPES
from grassroots.engine.catalogue import (
    Direction,
    list_catalogues,
    load_catalogue,
    read_catalogue_file,
)
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.expressions import columns_of, parse

# The public contract of INDICATORS.md.
SPP_INDICATORS = {
    "case_procedure_ratio", "non_arrest_rate", "non_prosecution_rate",
    "post_arrest_non_prosecution_rate", "pre_charge_detention_rate", "plea_leniency_rate",
    "fixed_term_recommendation_rate", "recommendation_adoption_rate", "remand_rate",
    "extension_rate", "withdrawal_rate", "acquittal_rate", "post_arrest_light_sentence_rate",
    "protest_change_rate", "civil_admin_recommendation_adoption_rate",
    "pre_litigation_remedy_rate",
}  # fmt: skip

MINIMAL: dict[str, Any] = {
    "name": "mini",
    "name_zh": "小",
    "name_en": "Mini",
    "elements": [
        {
            "code": "approved",
            "name_zh": "批捕",
            "name_en": "Approved",
            "rule": {
                "table": "persons",
                "filter": "arrest_decision = 'approved'",
                "measure": "count",
                "date": "arrest_decision_date",
            },
        },
        {
            "code": "decided",
            "name_zh": "审查",
            "name_en": "Decided",
            "rule": {
                "table": "persons",
                "filter": "arrest_decision IS NOT NULL",
                "measure": {"count_distinct": "case_id"},
                "date": "arrest_decision_date",
            },
        },
    ],
    "indicators": [
        {
            "code": "approval_rate",
            "name_zh": "批捕率",
            "name_en": "Approval rate",
            "numerator": "approved",
            "denominator": "decided",
            "factor": 100,
            "direction": "higher",
        }
    ],
}


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "mini.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _problems(tmp_path: Path, doc: dict[str, Any]) -> list[Problem]:
    with pytest.raises(InputError) as error:
        read_catalogue_file(_write(tmp_path, doc))
    return error.value.problems


def _doc() -> dict[str, Any]:
    return copy.deepcopy(MINIMAL)


def test_it_ships_both_catalogues() -> None:
    assert {"spp-case-quality", "cepej"} <= set(list_catalogues())


def test_spp_catalogue_has_every_indicator_of_the_notes_with_both_names() -> None:
    catalogue = load_catalogue("spp-case-quality")
    # The notes' indicators, and the staff-team observations the roster supplies (issue 14.5).
    assert set(catalogue.indicators) == SPP_INDICATORS | {
        "staff_under_45_share",
        "staff_talent_pool_share",
        "supervision_conversion_rate",  # issue 16.4
        "library_cases_per_10_procurators",  # issue 13.2
        "library_articles_per_10_procurators",
    }
    sourced = {e.code: e.source for e in catalogue.elements.values() if e.source is not None}
    assert set(sourced.values()) == {"roster", "supervision", "library"}
    assert sourced["staff_under_45"] == "roster"
    assert sourced["supervision_leads"] == "supervision"
    assert sum(1 for s in sourced.values() if s == "library") == 8
    named = [*catalogue.indicators.values(), *catalogue.elements.values()]
    assert all(item.name_zh and item.name_en for item in named)


def test_case_procedure_ratio_is_cases_plus_extra_procedures_over_cases() -> None:
    catalogue = load_catalogue("spp-case-quality")
    numerator, denominator = catalogue.expanded("case_procedure_ratio")
    cases = "(arrest_review_cases + prosecution_review_cases - prosecution_review_cases_after_arrest_review)"
    assert numerator == f"{cases} + extra_procedures"
    assert denominator == cases


def test_extra_procedures_counts_the_sixteen_event_types() -> None:
    rule = load_catalogue("spp-case-quality").elements["extra_procedures"].rule
    assert rule is not None
    tree = parse(rule.filter, source="test")
    literals = {lit.this for lit in tree.find_all(type(parse("'a'", source="t")))}
    assert literals == set(EVENT_TYPES)
    assert columns_of(tree) == {"event_type"}


def test_cepej_elements_are_reported_figures() -> None:
    catalogue = load_catalogue("cepej")
    assert {c: e.reported for c, e in catalogue.elements.items()} == {
        "incoming": True,
        "resolved": True,
        "pending_end": True,
    }
    assert catalogue.indicators["disposition_time"].direction is Direction.LOWER


def test_it_loads_a_valid_catalogue_from_a_path(tmp_path: Path) -> None:
    catalogue = read_catalogue_file(_write(tmp_path, _doc()))
    assert catalogue.elements["decided"].rule is not None
    assert catalogue.elements["decided"].rule.measure.column == "case_id"


def test_it_reports_a_typo_in_an_indicator_expression_with_its_yaml_path(tmp_path: Path) -> None:
    doc = _doc()
    doc["indicators"][0]["numerator"] = "aproved"
    problems = _problems(tmp_path, doc)
    assert [(p.source, p.message) for p in problems] == [
        (
            "mini.yaml: indicators[0].numerator",
            "unknown element 'aproved' (did you mean 'approved'?)",
        )
    ]
    # The row is the YAML line holding the bad expression.
    lines = (tmp_path / "mini.yaml").read_text(encoding="utf-8").splitlines()
    assert problems[0].row is not None
    assert lines[problems[0].row - 1].strip() == "numerator: aproved"


def test_it_rejects_an_unknown_element_without_a_close_match(tmp_path: Path) -> None:
    doc = _doc()
    doc["indicators"][0]["denominator"] = "decided + zzz_unknown"
    problems = _problems(tmp_path, doc)
    assert [(p.source, p.message) for p in problems] == [
        ("mini.yaml: indicators[0].denominator", "unknown element 'zzz_unknown'")
    ]


def test_it_reports_a_typo_in_a_filter_column(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["rule"]["filter"] = "arest_decision = 'approved'"
    problems = _problems(tmp_path, doc)
    assert [(p.source, p.message) for p in problems] == [
        (
            "mini.yaml: elements[0].rule.filter",
            "unknown column 'arest_decision' (did you mean 'arrest_decision'?)",
        )
    ]


def test_it_rejects_a_column_of_another_table_in_a_filter(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["rule"]["filter"] = "event_type = 'protest'"
    assert "unknown column 'event_type'" in _problems(tmp_path, doc)[0].message


def test_it_rejects_a_function_outside_the_whitelist(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["rule"]["filter"] = "random() > 0.5"
    problem = _problems(tmp_path, doc)[0]
    assert problem.source == "mini.yaml: elements[0].rule.filter"
    assert problem.message.startswith("RAND is not allowed in a filter")


def test_it_rejects_a_subquery_in_a_filter(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["rule"]["filter"] = "case_id IN (SELECT case_id FROM events)"
    assert "not allowed" in _problems(tmp_path, doc)[0].message


def test_it_rejects_a_category_value_the_column_does_not_have(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["rule"]["filter"] = "arrest_decision = 'aproved'"
    problem = _problems(tmp_path, doc)[0]
    assert (
        problem.message == "'aproved' is not a value of arrest_decision (did you mean 'approved'?)"
    )


def test_it_rejects_duplicate_codes(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][1]["code"] = "approved"
    problems = _problems(tmp_path, doc)
    assert (problems[0].source, problems[0].message) == (
        "mini.yaml: elements[1].code",
        "duplicate code 'approved'",
    )


def test_it_rejects_an_unknown_table(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["rule"]["table"] = "person"
    problems = _problems(tmp_path, doc)
    assert [(p.source, p.message) for p in problems] == [
        ("mini.yaml: elements[0].rule.table", "unknown table 'person' (did you mean 'persons'?)")
    ]
    lines = (tmp_path / "mini.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[(problems[0].row or 0) - 1].strip() == "table: person"


def test_it_rejects_an_unknown_measure_column(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][1]["rule"]["measure"] = {"count_distinct": "caseid"}
    problem = _problems(tmp_path, doc)[0]
    assert problem.source == "mini.yaml: elements[1].rule.measure"
    assert problem.message == "unknown column 'caseid' in persons (did you mean 'case_id'?)"


def test_it_rejects_a_date_column_that_is_not_a_date(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["rule"]["date"] = "arrest_decision"
    assert _problems(tmp_path, doc)[0].source == "mini.yaml: elements[0].rule.date"


def test_it_reports_malformed_yaml_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nelements:\n  - code: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_catalogue_file(path)
    problem = error.value.problems[0]
    assert problem.source == "bad.yaml"
    assert problem.row == 4
    assert problem.message.startswith("malformed YAML")


def test_it_reports_structural_errors_with_their_yaml_path(tmp_path: Path) -> None:
    doc = _doc()
    del doc["indicators"][0]["name_en"]
    doc["indicators"][0]["direction"] = "range"
    problems = _problems(tmp_path, doc)
    sources = {p.source for p in problems}
    assert "mini.yaml: indicators[0].name_en" in sources


def test_a_range_indicator_needs_low_and_high(tmp_path: Path) -> None:
    doc = _doc()
    doc["indicators"][0]["direction"] = "range"
    problems = _problems(tmp_path, doc)
    assert [(p.source, p.message) for p in problems] == [
        ("mini.yaml: indicators[0]", "direction 'range' needs 'low' and 'high'")
    ]


def test_an_element_needs_a_rule_or_reported(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["reported"] = True
    assert _problems(tmp_path, doc)[0].message == (
        "an element has exactly one of a rule, 'reported: true' or a 'source'"
    )


def test_it_reports_every_problem_at_once(tmp_path: Path) -> None:
    doc = _doc()
    doc["elements"][0]["rule"]["filter"] = "arest_decision = 'approved'"
    doc["indicators"][0]["numerator"] = "aproved"
    assert len(_problems(tmp_path, doc)) == 2


def test_a_derived_code_cannot_refer_to_itself_or_later_definitions(
    tmp_path: Path,
) -> None:
    doc = _doc()
    doc["derived"] = [
        {"code": "both", "name_zh": "和", "name_en": "Both", "expression": "approved + decided"},
        {"code": "later", "name_zh": "后", "name_en": "Later", "expression": "both + later"},
    ]
    problems = _problems(tmp_path, doc)
    assert [(p.source, p.message) for p in problems] == [
        ("mini.yaml: derived[1].expression", "unknown element 'later'")
    ]


def test_an_unknown_shipped_name_suggests_the_closest(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        load_catalogue("cepj")
    assert "did you mean 'cepej'" in error.value.problems[0].message
