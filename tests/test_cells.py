from __future__ import annotations

import pandas as pd

from grassroots.cells import cell_float, cell_int, cell_isna


def test_cells_convert_as_float_int_and_isna_do() -> None:
    row = next(pd.DataFrame({"n": [3], "x": [2.5], "gap": [None]}).itertuples())
    assert (cell_float(row.n), cell_int(row.x), cell_float("1.5")) == (3.0, 2, 1.5)
    assert [cell_isna(v) for v in (row.gap, float("nan"), pd.NaT, pd.NA, 0.0, "")] == [
        True, True, True, True, False, False,
    ]  # fmt: skip
