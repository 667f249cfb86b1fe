"""Periods are written the way an office says them (issue 18.3).

Every period's Chinese label parses back to the same period, and the usual spellings of a
quarter (2024Q4, 2024q4, 2024 Q4, 2024年第四季度, 2024年4季度) are one period.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period, recent_quarters, reporting_period

KINDS = st.sampled_from(["month", "quarter", "year", "ytd"])


@st.composite
def periods(draw: st.DrawFn) -> Period:
    kind = draw(KINDS)
    year = draw(st.integers(2000, 2099))
    if kind == "month":
        return Period.parse(f"{year}-{draw(st.integers(1, 12)):02d}")
    if kind == "quarter":
        return Period.parse(f"{year}Q{draw(st.integers(1, 4))}")
    if kind == "ytd":
        return Period.parse(f"{year}Q{draw(st.integers(1, 4))}-YTD")
    return Period.parse(str(year))


@given(periods())
def test_the_chinese_label_parses_back_to_the_same_period(period: Period) -> None:
    assert Period.parse(period.label_zh) == period
    assert Period.parse(period.key.lower()) == period


@pytest.mark.parametrize(
    "text", ["2024Q4", "2024q4", "2024 Q4", " 2024年第四季度 ", "2024年4季度", "2024年第4季度"]
)
def test_the_spellings_of_a_quarter_are_one_period(text: str) -> None:
    assert Period.parse(text).key == "2024Q4"


@pytest.mark.parametrize(
    ("text", "key", "zh", "en"),
    [
        ("2024年7月", "2024-07", "2024年7月", "July 2024"),
        ("2024年度", "2024", "2024年", "2024"),
        ("2024年前三季度", "2024Q3-YTD", "2024年前三季度", "2024 Q1–Q3 (year to date)"),
        ("2024年第一季度累计", "2024Q1-YTD", "2024年第一季度累计", "2024 Q1 (year to date)"),
    ],
)
def test_labels(text: str, key: str, zh: str, en: str) -> None:
    period = Period.parse(text)
    assert (period.key, period.label_zh, period.label_en) == (key, zh, en)


@pytest.mark.parametrize("text", ["2024年第五季度", "2024Q5", "2024年13月", "第四季度", "24Q4"])
def test_what_is_not_a_period_is_refused(text: str) -> None:
    with pytest.raises(InputError):
        Period.parse(text)


def test_the_reporting_period_is_the_last_quarter_that_has_ended() -> None:
    assert reporting_period(date(2026, 12, 6)).key == "2026Q3"
    assert reporting_period(date(2027, 1, 1)).key == "2026Q4"
    assert [p.key for p in recent_quarters(Period.parse("2024Q1"), 2)] == ["2024Q1", "2023Q4"]
