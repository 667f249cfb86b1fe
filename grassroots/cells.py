"""Typed reads of one cell of a pandas frame, for every app (below the apps; imports none).

pandas-stubs type a cell (``row.value`` of ``itertuples()``, ``frame.loc[code, column]``) as any
scalar pandas may hold (a string, a date, a period...), so ``float(row.value)`` does not type
check although the column is numeric. These helpers convert exactly as ``float()``, ``int()``
and ``pd.isna()`` do, and say once, here, that the caller knows the column's type.
"""

from __future__ import annotations

from typing import Any, SupportsFloat, SupportsInt, cast

import pandas as pd


def cell_float(value: object) -> float:
    """``float(value)`` for a numeric cell."""
    return float(cast(SupportsFloat, value))


def cell_int(value: object) -> int:
    """``int(value)`` for a whole-number cell."""
    return int(cast(SupportsInt, value))


def cell_isna(value: object) -> bool:
    """``pd.isna(value)`` for one cell (None, NaN, NaT and pd.NA are missing)."""
    return bool(pd.isna(cast(Any, value)))


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")`` of a frame whose column labels are strings (ours all are);
    the stubs type the keys as any hashable."""
    return cast(list[dict[str, Any]], frame.to_dict("records"))
