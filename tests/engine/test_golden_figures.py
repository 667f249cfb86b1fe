"""Published figures (INDICATORS.md) recomputed through the shipped catalogues' expressions."""

from __future__ import annotations

import pandas as pd
import pytest

from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.indicators import compute_indicators


def _value(catalogue: str, code: str, elements: dict[str, float]) -> float:
    frame = pd.DataFrame(
        {
            "unit_code": "x",
            "period": "2024",
            "element": list(elements),
            "value": list(elements.values()),
        }
    )
    result = compute_indicators(frame, load_catalogue(catalogue), codes=[code])
    return float(result["value"].iloc[0])


def test_xuchang_case_to_procedure_ratio_is_1_545() -> None:
    ratio = _value(
        "spp-case-quality",
        "case_procedure_ratio",
        {
            "arrest_review_cases": 9265,
            "prosecution_review_cases": 14640,
            "prosecution_review_cases_after_arrest_review": 6220,
            "extra_procedures": 9630,
        },
    )
    assert round(ratio, 3) == 1.545


@pytest.mark.parametrize(
    ("code", "elements", "published"),
    [
        (
            "non_arrest_rate",
            {"arrest_not_approved_persons": 191_000, "arrest_approved_persons": 367_000},
            34.2,
        ),
        (
            "non_prosecution_rate",
            {"not_prosecuted_persons": 186_000, "prosecuted_persons": 761_000},
            19.7,
        ),
        (
            "non_prosecution_rate",
            {"not_prosecuted_persons": 83_000, "prosecuted_persons": 329_000},
            20.1,
        ),
    ],
    ids=["2024H1-non-arrest", "2024H1-non-prosecution", "2022Q1-non-prosecution"],
)
def test_national_rates_match_the_published_figures(
    code: str, elements: dict[str, float], published: float
) -> None:
    """The national counts are published rounded to thousands, and 761,000 / 186,000 gives
    19.64%, not the published 19.7%. So the published rate must lie between the rates at the
    ends of the counts' rounding intervals (+-500), each rounded as published, and the rate of
    the rounded counts must be within 0.1 point of it."""
    numerator, other = list(elements)  # the first element is the numerator's
    central = _value("spp-case-quality", code, elements)
    low = _value(
        "spp-case-quality",
        code,
        {numerator: elements[numerator] - 500, other: elements[other] + 500},
    )
    high = _value(
        "spp-case-quality",
        code,
        {numerator: elements[numerator] + 500, other: elements[other] - 500},
    )
    assert round(low, 1) <= published <= round(high, 1)
    assert abs(central - published) < 0.1


CROATIA = {"incoming": 24924, "resolved": 31306, "pending_end": 24423}


def test_croatian_commercial_courts_clearance_rate_is_125_61() -> None:
    assert round(_value("cepej", "clearance_rate", CROATIA), 2) == 125.61


def test_croatian_commercial_courts_disposition_time_is_285_days() -> None:
    assert round(_value("cepej", "disposition_time", CROATIA)) == 285
