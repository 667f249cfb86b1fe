from __future__ import annotations

from datetime import date

import pytest

from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period


@pytest.mark.parametrize(
    ("key", "kind", "start", "end"),
    [
        ("2024-07", "month", date(2024, 7, 1), date(2024, 7, 31)),
        ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024Q3", "quarter", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024Q4", "quarter", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024Q3-YTD", "ytd", date(2024, 1, 1), date(2024, 9, 30)),
    ],
)
def test_it_parses_each_kind_of_period(key: str, kind: str, start: date, end: date) -> None:
    period = Period.parse(key)
    assert (period.key, period.kind, period.start, period.end) == (key, kind, start, end)


@pytest.mark.parametrize("key", ["2024Q5", "2024-13", "2024-7", "24Q3", "2024Q3YTD", "", "Q3"])
def test_it_rejects_malformed_periods(key: str) -> None:
    with pytest.raises(InputError) as error:
        Period.parse(key)
    assert error.value.problems[0].source == "period"
    assert repr(key) in error.value.problems[0].message


@pytest.mark.parametrize(
    ("key", "previous"),
    [("2024Q1", "2023Q4"), ("2024-01", "2023-12"), ("2024", "2023"), ("2024Q3-YTD", "2023Q3-YTD")],
)
def test_previous_steps_back_one_period_of_the_same_kind(key: str, previous: str) -> None:
    assert Period.parse(key).previous().key == previous


def test_range_lists_every_period_between_inclusive() -> None:
    keys = [p.key for p in Period.range("2023Q3", "2024Q2")]
    assert keys == ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    assert [p.key for p in Period.range("2023-11", "2024-02")] == [
        "2023-11",
        "2023-12",
        "2024-01",
        "2024-02",
    ]


def test_range_rejects_mixed_kinds() -> None:
    with pytest.raises(InputError):
        Period.range("2023Q3", "2024")


def test_contains_is_inclusive_at_both_ends() -> None:
    q3 = Period.parse("2024Q3")
    assert q3.contains(date(2024, 7, 1))
    assert q3.contains(date(2024, 9, 30))
    assert not q3.contains(date(2024, 6, 30))
    assert not q3.contains(date(2024, 10, 1))


def test_a_malformed_period_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match="is not a period"):
        Period.parse("2024Q0")
