"""A table page's export as the user's own unit issues it (``grassroots/tables.py`` writes it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grassroots.organisations.scope import issuing_unit
from grassroots.tables import Column, TableExport


def unit_table(
    user: Any,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    period: str = "",
    notes: Sequence[str] = (),
    frozen_columns: int = 2,
) -> TableExport:
    """The table of a page whose scope is the user's unit (and the units under it), issued by
    that unit; the file is named by the title and the unit."""
    unit = issuing_unit(user)
    return TableExport(
        title=title,
        scope=unit,
        period=period,
        issuer=unit,
        columns=columns,
        rows=rows,
        file_stem=f"{title}-{unit}",
        notes=notes,
        frozen_columns=frozen_columns,
    )
