"""Outlier flags: values far from the unit's own history or from its peers.

Modified z-score on median and MAD (Iglewicz & Hoaglin): z = 0.6745 (x − median) / MAD, flagged
when |z| > 3.5. Median/MAD, not mean/SD: counts are skewed and one huge unit would inflate the
SD enough to hide itself. A flag is a note for follow-up with its reason; values never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from grassroots.cells import cell_float

THRESHOLD = 3.5
MIN_REFERENCE = 4  # fewer comparison values than this say nothing


@dataclass(frozen=True)
class Flag:
    unit_code: str
    period: str
    element: str
    value: float
    basis: str  # "history" or "peers"
    z: float
    median: float
    # How many values the median was taken over. Peers are never named: a median and a
    # count say enough and reveal no unit outside the viewer's scope.
    references: int = 0

    @property
    def reason(self) -> str:
        against = (
            f"its own earlier periods ({self.references})"
            if self.basis == "history"
            else f"{self.references} peer units"
        )
        return (
            f"{self.element} = {self.value:g} is far from the median {self.median:g} of "
            f"{against} (modified z-score {self.z:+.1f}, flagged beyond ±{THRESHOLD:g})"
        )


def modified_z(value: float, reference: Sequence[float] | np.ndarray) -> tuple[float, float] | None:
    """(z, median) of ``value`` against ``reference``; None when it cannot be judged.

    >>> round(modified_z(50, [10, 11, 9, 10, 12])[0], 1)
    27.0
    """
    ref = np.asarray(reference, dtype=np.float64)
    ref = ref[~np.isnan(ref)]
    if len(ref) < MIN_REFERENCE:
        return None
    median = float(np.median(ref))
    mad = float(np.median(np.abs(ref - median)))
    if mad == 0:
        return None  # most references identical: no scale to judge distance by
    return 0.6745 * (value - median) / mad, median


def flag_outliers(
    current: pd.DataFrame, *, history: pd.DataFrame, peers: pd.DataFrame
) -> list[Flag]:
    """Flags for ``current`` rows (unit_code, period, element, value).

    ``history``: the same units' earlier values (unit_code, element, value);
    ``peers``: other units' values for the same period (unit_code, element, value)."""
    # Index the references once: a province of thousands of units would otherwise filter the
    # whole frame again for every value.
    empty = np.empty(0, dtype=np.float64)
    own_history = {
        (str(unit), str(element)): group["value"].to_numpy(dtype=np.float64)
        for (unit, element), group in history.groupby(["unit_code", "element"])
    }
    by_element = {
        str(element): (group["unit_code"].astype(str).to_numpy(),
                       group["value"].to_numpy(dtype=np.float64))
        for element, group in peers.groupby("element")
    }  # fmt: skip
    flags: list[Flag] = []
    for row in current.itertuples(index=False):
        unit, element = str(row.unit_code), str(row.element)
        codes, values = by_element.get(element, (np.empty(0, dtype=str), empty))
        others = values[codes != unit]
        for basis, reference in (("history", own_history.get((unit, element), empty)),
                                 ("peers", others)):  # fmt: skip
            judged = modified_z(cell_float(row.value), reference)
            if judged is not None and abs(judged[0]) > THRESHOLD:
                flags.append(
                    Flag(
                        unit,
                        str(row.period),
                        element,
                        cell_float(row.value),
                        basis,
                        judged[0],
                        judged[1],
                        int((~np.isnan(reference)).sum()),
                    )  # fmt: skip
                )
    return flags
