"""Ranks within groups, best (highest score) first, ties sharing the lower rank ("min").

Vectorised over columns: each column of ``scores`` is ranked on its own, so the same call ranks
all nodes of an evaluation or all replications of the uncertainty analysis.

>>> import numpy as np
>>> s = np.array([[90.0], [80.0], [80.0], [70.0], [np.nan]])
>>> rank_desc(s, np.zeros(5, dtype=np.int64)).ravel().tolist()
[1.0, 2.0, 2.0, 4.0, nan]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse

Array = npt.NDArray[np.float64]
Groups = npt.NDArray[np.int64]


SMALL_GROUP = 64  # up to this group size, counting better peers beats sorting
CHUNK_CELLS = 2**24  # cells of the (groups × size × size × columns) comparison per chunk


def rank_desc(scores: Array, groups: Groups) -> Array:
    """Min-method descending ranks of each column of ``scores`` (N, M) within ``groups`` (N,)."""
    n, m = scores.shape
    if n == 0:
        return scores.copy()
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    # Counting pads every group to the largest in its call: bucket groups by size (powers of
    # two) so a few big cities do not pad all the small ones. Groups never straddle buckets.
    size = counts[inverse]
    bucket = np.where(size <= SMALL_GROUP, 2 ** np.ceil(np.log2(np.maximum(size, 2))), np.inf)
    labels = np.unique(bucket)
    if labels.size == 1:
        if np.isinf(labels[0]):
            return _rank_by_sorting(scores, groups)
        return _rank_by_counting(scores, groups)
    out = np.empty((n, m), dtype=np.float64)
    for label in labels:
        part = bucket == label
        rank = _rank_by_sorting if np.isinf(label) else _rank_by_counting
        out[part] = rank(scores[part], groups[part])
    return out


def _rank_by_counting(scores: Array, groups: Groups) -> Array:
    """Rank = 1 + peers with a strictly higher score: the min rule by definition."""
    n, m = scores.shape
    order = np.argsort(groups, kind="stable")
    _, starts, counts = np.unique(groups[order], return_index=True, return_counts=True)
    which = np.repeat(np.arange(counts.size), counts)
    pos = np.arange(n) - np.repeat(starts, counts)
    size = int(counts.max())
    padded = np.full((counts.size, size, m), np.nan)
    padded[which, pos] = scores[order]
    ranked = np.empty((n, m), dtype=np.float64)
    step = max(1, CHUNK_CELLS // (counts.size * size * size))
    for lo in range(0, m, step):
        block = padded[:, :, lo : lo + step]
        better = (block[:, None, :, :] > block[:, :, None, :]).sum(axis=2)
        ranked[:, lo : lo + step] = 1.0 + better[which, pos]
    ranked[np.isnan(scores[order])] = np.nan
    out = np.empty_like(ranked)
    out[order] = ranked
    return out


def _rank_by_sorting(scores: Array, groups: Groups) -> Array:
    n, m = scores.shape
    # Work on rows (M, N): each row is one column of scores, contiguous for the sorts.
    key = np.ascontiguousarray(-scores.T)  # NaN sorts last
    by_score = np.argsort(key, axis=1)
    small = groups.astype(np.int16) if groups.max(initial=0) < 2**15 else groups
    # A stable sort on the group keeps the score order inside each group (radix sort for int16).
    by_group = np.argsort(small[by_score], axis=1, kind="stable")
    order = np.take_along_axis(by_score, by_group, axis=1)
    k_sorted = np.take_along_axis(key, order, axis=1)
    g_sorted = small[order]
    new_group = np.empty((m, n), dtype=np.bool_)
    new_group[:, 0] = True
    np.not_equal(g_sorted[:, 1:], g_sorted[:, :-1], out=new_group[:, 1:])
    new_run = new_group.copy()
    new_run[:, 1:] |= k_sorted[:, 1:] != k_sorted[:, :-1]
    idx = np.arange(n, dtype=np.int32)
    group_start = np.maximum.accumulate(np.where(new_group, idx, 0), axis=1)
    run_start = np.maximum.accumulate(np.where(new_run, idx, 0), axis=1)
    ranked = (run_start - group_start + 1).astype(np.float64)
    ranked[np.isnan(k_sorted)] = np.nan
    out = np.empty((m, n), dtype=np.float64)
    np.put_along_axis(out, order, ranked, axis=1)
    return out.T


def ranked_counts(scores: Array, groups: Groups) -> Array:
    """For each cell, how many units of its group have a score in that column (N, M)."""
    codes, inverse = np.unique(groups, return_inverse=True)
    missing = np.isnan(scores)
    sizes = np.bincount(inverse).astype(np.float64)
    if not missing.any():
        return np.broadcast_to(sizes[inverse][:, None], scores.shape).copy()
    one_hot = sparse.csr_matrix(
        (np.ones(inverse.size), (inverse, np.arange(inverse.size))),
        shape=(codes.size, inverse.size),
    )
    gaps = np.asarray(one_hot @ missing.astype(np.float64))
    return np.asarray(sizes[inverse][:, None] - gaps[inverse], dtype=np.float64)
