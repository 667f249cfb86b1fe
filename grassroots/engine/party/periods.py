"""The periods of a plan's recurring tasks: weekly, monthly, quarterly and yearly.

"One regular meeting every week, one comment every month, one assessment every quarter, one
summary every year": a plan item recurs at one of these, and each occurrence inside a span is a
task due on the last day of its period.

>>> [(p.label, str(p.due)) for p in due_dates("monthly", dt.date(2024, 1, 1), dt.date(2024, 3, 31))]
[('2024-01', '2024-01-31'), ('2024-02', '2024-02-29'), ('2024-03', '2024-03-31')]
>>> [p.label for p in due_dates("weekly", dt.date(2024, 1, 1), dt.date(2024, 1, 14))]
['2024-W01', '2024-W02']
>>> [p.label for p in due_dates("quarterly", dt.date(2024, 1, 1), dt.date(2024, 12, 31))]
['2024Q1', '2024Q2', '2024Q3', '2024Q4']
>>> quarter_of("2024-05"), months_of("2024Q2")
('2024Q2', ['2024-04', '2024-05', '2024-06'])
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum


class Recurrence(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


@dataclass(frozen=True)
class Occurrence:
    label: str  # 2024-W03, 2024-01, 2024Q1, 2024
    start: dt.date
    due: dt.date

    @property
    def month(self) -> str:
        """The month a task of this occurrence is reported in (its due date's)."""
        return f"{self.due.year:04d}-{self.due.month:02d}"


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _occurrence(kind: Recurrence, day: dt.date) -> Occurrence:
    if kind is Recurrence.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return Occurrence(f"{year:04d}-W{week:02d}", start, start + dt.timedelta(days=6))
    if kind is Recurrence.MONTHLY:
        return Occurrence(
            f"{day.year:04d}-{day.month:02d}",
            day.replace(day=1),
            _month_end(day.year, day.month),
        )
    if kind is Recurrence.QUARTERLY:
        q = (day.month - 1) // 3 + 1
        first = 3 * q - 2
        return Occurrence(
            f"{day.year:04d}Q{q}", dt.date(day.year, first, 1), _month_end(day.year, first + 2)
        )
    return Occurrence(f"{day.year:04d}", dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))


def due_dates(kind: Recurrence | str, start: dt.date, end: dt.date) -> list[Occurrence]:
    """Every occurrence of ``kind`` whose period begins inside [start, end]."""
    kind = Recurrence(kind)
    out: list[Occurrence] = []
    day = start
    while day <= end:
        occ = _occurrence(kind, day)
        if occ.start >= start:
            out.append(occ)
        day = occ.due + dt.timedelta(days=1)
    return out


QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def quarter_of(month: str) -> str:
    m = MONTH.match(month)
    if not m:
        raise ValueError(f"not a month: {month!r} (write 2024-05)")
    return f"{m.group(1)}Q{(int(m.group(2)) - 1) // 3 + 1}"


def months_of(quarter: str) -> list[str]:
    m = QUARTER.match(quarter)
    if not m:
        raise ValueError(f"not a quarter: {quarter!r} (write 2024Q2)")
    year, q = int(m.group(1)), int(m.group(2))
    return [f"{year:04d}-{month:02d}" for month in range(3 * q - 2, 3 * q + 1)]
