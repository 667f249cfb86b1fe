"""Reporting periods as text keys: month ``2024-07``, quarter ``2024Q3``, year ``2024`` and
year-to-date ``2024Q3-YTD`` (1 January to the end of Q3).

People write periods the way they say them, so ``parse`` also takes ``2024q3``, ``2024 Q3`` and
the Chinese forms an office uses (``2024年第三季度``, ``2024年3季度``, ``2024年7月``, ``2024年``,
``2024年前三季度``); ``label_zh`` and ``label_en`` give them back that way.

>>> Period.parse("2024年第四季度").key
'2024Q4'
>>> Period.parse("2024q4").label_zh
'2024年第四季度'

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

_ZH_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
_ZH_NUMERALS = "一二三四"
_Q = r"([1-4一二三四])"
# Spellings people type, tried after the keys; each maps onto a key's kind and numbers.
_SPOKEN: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("quarter", re.compile(r"(\d{4})\s*[Qq]\s*([1-4])")),
    ("ytd", re.compile(r"(\d{4})\s*[Qq]\s*([1-4])\s*-\s*[Yy][Tt][Dd]")),
    ("quarter", re.compile(rf"(\d{{4}})\s*年\s*第?\s*{_Q}\s*季度?")),
    ("ytd", re.compile(rf"(\d{{4}})\s*年\s*前\s*{_Q}\s*(?:个)?季度")),
    ("ytd", re.compile(rf"(\d{{4}})\s*年\s*(?:第\s*)?{_Q}\s*季度\s*累计")),
    ("month", re.compile(r"(\d{4})\s*年\s*(1[0-2]|0?[1-9])\s*月(?:份)?")),
    ("year", re.compile(r"(\d{4})\s*年(?:度)?")),
)


def _number(text: str) -> int:
    return _ZH_DIGITS.get(text) or int(text)


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
        for kind, pattern in _SPOKEN:
            match = pattern.fullmatch(cleaned)
            if match:
                year = int(match.group(1))
                number = _number(match.group(2)) if kind != "year" else 0
                return cls._build(kind, year, number)
        raise InputError(
            [
                Problem(
                    "period",
                    None,
                    None,
                    f"{text!r} is not a period (expected 2024, 2024Q3, 2024-07 or 2024Q3-YTD; "
                    "or 2024年第三季度, 2024年7月, 2024年)",
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

    @property
    def label_zh(self) -> str:
        """The period as a Chinese office writes it: 2024年第三季度, 2024年7月, 2024年前三季度."""
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年第{_ZH_NUMERALS[self.number - 1]}季度"
        if self.kind == "ytd":
            if self.number == 1:
                return f"{self.year}年第一季度累计"
            return f"{self.year}年前{_ZH_NUMERALS[self.number - 1]}季度"
        return f"{self.year}年"

    @property
    def label_en(self) -> str:
        """The period in English: 2024 Q3, July 2024, 2024 Q1–Q3 (year to date)."""
        if self.kind == "month":
            return self.start.strftime("%B %Y")
        if self.kind == "quarter":
            return f"{self.year} Q{self.number}"
        if self.kind == "ytd":
            quarters = "Q1" if self.number == 1 else f"Q1–Q{self.number}"
            return f"{self.year} {quarters} (year to date)"
        return str(self.year)

    def __str__(self) -> str:
        return self.key


def reporting_period(today: date) -> Period:
    """The quarter being reported on ``today``: the last quarter that has ended.

    >>> reporting_period(date(2025, 1, 10)).key
    '2024Q4'
    >>> reporting_period(date(2024, 12, 31)).key
    '2024Q3'
    """
    return Period._build("quarter", today.year, (today.month + 2) // 3).previous()


def recent_quarters(last: Period, count: int = 8) -> list[Period]:
    """``count`` quarters ending with ``last``, newest first (a period control's choices).

    >>> [p.key for p in recent_quarters(Period.parse("2024Q2"), 3)]
    ['2024Q2', '2024Q1', '2023Q4']
    """
    quarter = last if last.kind == "quarter" else reporting_period(last.end + timedelta(days=1))
    return [quarter.shift(-i) for i in range(count)]
