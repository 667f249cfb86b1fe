"""Outlier flags: values far from the unit's own history or from its peers.

Modified z-score on median and MAD (Iglewicz & Hoaglin): z = 0.6745 (x − median) / MAD, flagged
when |z| > 3.5. Median/MAD, not mean/SD: counts are skewed and one huge unit would inflate the
SD enough to hide itself. A flag is a note for follow-up with its reason; values never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

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
    ``peers``: other units' values for the same period (unit_code, element, value). With a
    ``group`` column in both ``current`` and ``peers``, a row is compared with its own group's
    peers only (one call for many peer groups).

    Set-wise: every row's references are laid side by side as one row of a matrix (NaN where
    there is none), so the medians of all rows are a few array operations, with the same
    arithmetic as ``modified_z`` on each row's own reference."""
    if current.empty:
        return []
    rows = current.reset_index(drop=True)
    units = rows["unit_code"].astype(str).to_numpy(dtype=object)
    elements = rows["element"].astype(str).to_numpy(dtype=object)
    values = rows["value"].to_numpy(dtype=np.float64)
    own = _keys(units, elements)
    judged = {
        "history": _judge(
            values, own, _keys(history["unit_code"], history["element"]), history["value"]
        ),
    }
    grouped = "group" in rows.columns and "group" in peers.columns
    row_block = _keys(rows["group"], elements) if grouped else elements.astype(str)
    peer_block = (
        _keys(peers["group"], peers["element"]) if grouped else peers["element"].astype(str)
    )
    judged["peers"] = _judge(
        values,
        np.asarray(row_block, dtype=object),
        np.asarray(peer_block, dtype=object),
        peers["value"],
        exclude=(units, peers["unit_code"].astype(str).to_numpy(dtype=object)),
    )
    flagged = np.zeros(len(rows), dtype=np.bool_)
    for z, _, _ in judged.values():
        flagged |= np.abs(np.nan_to_num(z)) > THRESHOLD
    periods = rows["period"].astype(str).tolist()
    flags: list[Flag] = []
    for i in np.flatnonzero(flagged).tolist():
        for basis in ("history", "peers"):
            z, median, count = judged[basis]
            if abs(z[i]) > THRESHOLD:  # NaN: not judged
                flags.append(
                    Flag(
                        units[i],
                        periods[i],
                        elements[i],
                        float(values[i]),
                        basis,
                        float(z[i]),
                        float(median[i]),
                        int(count[i]),
                    )  # fmt: skip
                )
    return flags


_SEPARATOR = "\x1f"


def _keys(first: object, second: object) -> npt.NDArray[np.object_]:
    """Row keys of two text columns (a separator no code contains)."""
    left = pd.Series(np.asarray(first, dtype=object)).astype(str)
    right = pd.Series(np.asarray(second, dtype=object)).astype(str)
    return (left + _SEPARATOR + right).to_numpy(dtype=object)


CHUNK_CELLS = 2**22  # cells of the (rows × references) matrix handled at once


def _judge(
    values: npt.NDArray[np.float64],
    row_keys: npt.NDArray[np.object_],
    ref_keys: npt.NDArray[np.object_],
    ref_values: pd.Series,
    *,
    exclude: tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """(z, median, references) of each value against the reference rows of its key, leaving
    out references of the row's own unit (``exclude``: row units, reference units); z is NaN
    where ``modified_z`` says None."""
    n = values.size
    z, median = np.full(n, np.nan), np.full(n, np.nan)
    count = np.zeros(n, dtype=np.int64)
    if len(ref_keys) == 0:
        return z, median, count
    block, uniques = pd.factorize(np.asarray(ref_keys, dtype=object))
    order = np.argsort(block, kind="stable")
    sizes = np.bincount(block, minlength=len(uniques))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    position = np.arange(order.size) - starts[block[order]]
    width = int(sizes.max())
    table = np.full((len(uniques), width), np.nan)
    table[block[order], position] = np.asarray(ref_values, dtype=np.float64)[order]
    owners: npt.NDArray[np.int64] | None = None
    row_owner = np.zeros(n, dtype=np.int64)
    if exclude is not None:
        ids, _ = pd.factorize(np.concatenate([exclude[0], exclude[1]]))
        row_owner = ids[:n]
        owners = np.full((len(uniques), width), -1, dtype=np.int64)
        owners[block[order], position] = ids[n:][order]
    row_block = pd.Index(uniques).get_indexer(np.asarray(row_keys, dtype=object))
    step = max(1, CHUNK_CELLS // width)
    for lo in range(0, n, step):
        part = slice(lo, min(n, lo + step))
        have = row_block[part] >= 0
        at = np.flatnonzero(have) + lo
        if at.size == 0:
            continue
        refs = table[row_block[at]]
        if owners is not None:
            refs = np.where(owners[row_block[at]] == row_owner[at, None], np.nan, refs)
        mid, m = _medians(refs)
        mad, _ = _medians(np.abs(refs - mid[:, None]))
        with np.errstate(invalid="ignore", divide="ignore"):
            score = 0.6745 * (values[at] - mid) / mad
        ok = (m >= MIN_REFERENCE) & (mad != 0)
        z[at] = np.where(ok, score, np.nan)
        median[at] = mid
        count[at] = m
    return z, median, count


def _medians(
    refs: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Each row's median over its non-NaN cells (NaN for none) and how many there are; the
    same arithmetic as ``np.median``: the middle value, or the mean of the two middle ones."""
    ordered = np.sort(refs, axis=1)  # NaN last
    m = (~np.isnan(ordered)).sum(axis=1)
    rows = np.arange(refs.shape[0])
    low = ordered[rows, np.maximum((m - 1) // 2, 0)]
    high = ordered[rows, np.maximum(m // 2, 0)]
    with np.errstate(invalid="ignore"):
        middle = np.where(m % 2 == 1, low, (low + high) / 2)
    return np.where(m > 0, middle, np.nan), m
