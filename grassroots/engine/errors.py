"""Problems found in input, and the one exception that carries all of them.

Every bad input raises :class:`InputError` with *every* problem found (up to
:data:`MAX_PROBLEMS`), so a user fixes a file once, not once per error.

>>> p = Problem("persons.csv", 12, "arrest_decision_date", "'abc' is not a date (expected YYYY-MM-DD)")
>>> str(p)
"persons.csv row 12, column arrest_decision_date: 'abc' is not a date (expected YYYY-MM-DD)"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Enough to show the shape of a systematic error without building a huge message.
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    source: str
    row: int | None
    column: str | None
    message: str
    sheet: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.sheet:
            where += f" sheet {self.sheet}"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f"{',' if self.row is not None else ''} column {self.column}"
        return f"{where}: {self.message}"


class InputError(ValueError):
    """Bad input: ``problems`` lists every problem found (bounded by MAX_PROBLEMS).

    A ValueError, so code that guards a parse with ``except ValueError`` keeps working."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)[:MAX_PROBLEMS]
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [str(p) for p in self.problems[:20]]
        more = len(self.problems) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more")
        return "\n".join(lines) if lines else "invalid input"


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Raise InputError when ``problems`` is not empty."""
    found = list(problems)
    if found:
        raise InputError(found)
