"""Reporting periods as text keys: month ``2024-07``, quarter ``2024Q3``, year ``2024`` and
year-to-date ``2024Q3-YTD`` (1 January to the end of Q3).

>>> p = Period.parse("2024Q3-YTD")
>>> (p.kind, p.start.isoformat(), p.end.isoformat())
('ytd', '2024-01-01', '2024-09-30')
>>> p.previous().key
'2023Q3-YTD'
>>> [q.key for q in Period.range("2023Q4", "2024Q2")]
['2023Q4', '2024Q1', '2024Q2']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from grassroots.engine.errors import InputError, Problem

PeriodKind = Literal["month", "quarter", "year", "ytd"]

_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("month", re.compile(r"(\d{4})-(0[1-9]|1[0-2])")),
    ("quarter", re.compile(r"(\d{4})Q([1-4])")),
    ("ytd", re.compile(r"(\d{4})Q([1-4])-YTD")),
    ("year", re.compile(r"(\d{4})")),
)


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    kind: PeriodKind
    key: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse a period key; a malformed key is an InputError (a ValueError)."""
        cleaned = str(text).strip()
        for kind, pattern in _PATTERNS:
            match = pattern.fullmatch(cleaned)
            if match:
                year = int(match.group(1))
                number = int(match.group(2)) if kind != "year" else 0
                return cls._build(kind, year, number)
        raise InputError(
            [
                Problem(
                    "period",
                    None,
                    None,
                    f"{text!r} is not a period (expected 2024, 2024Q3, 2024-07 or 2024Q3-YTD)",
                )
            ]
        )

    @classmethod
    def _build(cls, kind: PeriodKind, year: int, number: int) -> Period:
        if kind == "month":
            return cls(
                date(year, number, 1), _month_end(year, number), kind, f"{year}-{number:02d}"
            )
        if kind == "quarter":
            start = date(year, 3 * number - 2, 1)
            return cls(start, _month_end(year, 3 * number), kind, f"{year}Q{number}")
        if kind == "ytd":
            return cls(date(year, 1, 1), _month_end(year, 3 * number), kind, f"{year}Q{number}-YTD")
        return cls(date(year, 1, 1), date(year, 12, 31), kind, str(year))

    @property
    def year(self) -> int:
        return self.end.year

    @property
    def number(self) -> int:
        """Month number for months, quarter number for quarters and YTD, 0 for years."""
        if self.kind == "month":
            return self.end.month
        if self.kind in ("quarter", "ytd"):
            return (self.end.month + 2) // 3
        return 0

    def shift(self, steps: int) -> Period:
        """The period ``steps`` steps later (negative: earlier) of the same kind."""
        if self.kind == "month":
            index = self.year * 12 + self.number - 1 + steps
            return self._build("month", index // 12, index % 12 + 1)
        if self.kind == "quarter":
            index = self.year * 4 + self.number - 1 + steps
            return self._build("quarter", index // 4, index % 4 + 1)
        # A YTD period steps a year at a time: 2024Q3-YTD is compared with 2023Q3-YTD.
        return self._build(self.kind, self.year + steps, self.number)

    def previous(self) -> Period:
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def month_indexes(self) -> range:
        """Months covered, as ``year * 12 + month - 1`` (every period is whole months)."""
        first = self.start.year * 12 + self.start.month - 1
        last = self.end.year * 12 + self.end.month - 1
        return range(first, last + 1)

    @classmethod
    def range(cls, first: str | Period, last: str | Period) -> list[Period]:
        """Every period of the same kind from ``first`` to ``last`` inclusive."""
        start = first if isinstance(first, Period) else cls.parse(first)
        stop = last if isinstance(last, Period) else cls.parse(last)
        if start.kind != stop.kind:
            raise InputError(
                [Problem("period", None, None, f"{start.key} and {stop.key} are different kinds")]
            )
        periods = [start]
        while periods[-1] < stop:
            periods.append(periods[-1].next())
        return periods

    def __str__(self) -> str:
        return self.key
