"""Charts for the documents, drawn on the server with matplotlib in a CJK font (PNG bytes)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

CJK_FAMILY = "Noto Sans CJK SC"
# Colours with the word beside them in the legend: a chart never relies on colour alone.
PALETTE = {"green": "#3a8f4b", "yellow": "#d9a400", "red": "#c0392b", "grey": "#9e9e9e"}
LABELS = {"green": "绿", "yellow": "黄", "red": "红", "grey": "无数据"}
HATCHES = {"green": "", "yellow": "//", "red": "xx", "grey": ".."}


@lru_cache(maxsize=1)
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    names = {f.name for f in font_manager.fontManager.ttflist}
    family = CJK_FAMILY if CJK_FAMILY in names else "Noto Sans CJK JP"
    plt.rcParams.update(
        {
            "font.family": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "svg.hashsalt": "grassroots",
            "hatch.linewidth": 0.6,
        }
    )
    return plt


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    # No time or software version in the file: the same figures give the same bytes.
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None}, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def _short(name: str) -> str:
    return name if len(name) <= 9 else name[:8] + "…"


def distribution_chart(figures: Sequence[Any]) -> bytes:
    """``figures``: the bulletin's `Figure` rows (node, counts, now, previous, last_year).

    Stacked bars: how many units are green, yellow, red or without data, per indicator."""
    plt = _pyplot()
    names = [_short(f.node.name_zh) for f in figures]
    fig, ax = plt.subplots(figsize=(7.2, 0.32 * len(figures) + 1.2))
    left = [0] * len(figures)
    for colour in ("green", "yellow", "red", "grey"):
        counts = [f.counts.get(colour, 0) for f in figures]
        ax.barh(
            names,
            counts,
            left=left,
            color=PALETTE[colour],
            hatch=HATCHES[colour],
            edgecolor="white",
            label=LABELS[colour],
        )
        left = [a + b for a, b in zip(left, counts, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("单位数（个）")
    ax.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def compare_chart(figures: Sequence[Any]) -> bytes:
    """Grouped bars: the period's figure beside the previous period's and last year's."""
    plt = _pyplot()
    names = [_short(f.node.name_zh) for f in figures]
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * len(figures) + 1.2))
    series = (
        ("本期", [f.now for f in figures], "#1f4e79", ""),
        ("上期", [f.previous for f in figures], "#7fa7cf", "//"),
        ("去年同期", [f.last_year for f in figures], "#c9d7e6", ".."),
    )
    height = 0.26
    for i, (label, values, colour, hatch) in enumerate(series):
        ys = [k + (i - 1) * height for k in range(len(figures))]
        ax.barh(
            ys,
            [v if v is not None else 0 for v in values],
            height=height,
            color=colour,
            hatch=hatch,
            edgecolor="white",
            label=label,
        )
    ax.set_yticks(range(len(figures)), names)
    ax.invert_yaxis()
    ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def line_chart(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> bytes:
    """Lines over the periods, one per indicator (a gap where a period has no figure); each
    line has its own marker, so the legend does not rely on colour alone."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    markers = "osD^vP*Xph"
    for i, (name, values) in enumerate(series):
        ys = [v if v is not None else float("nan") for v in values]
        ax.plot(range(len(labels)), ys, marker=markers[i % len(markers)], label=_short(name))
    ax.set_xticks(range(len(labels)), list(labels))
    ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", linewidth=0.4, alpha=0.5)
    return _png(fig)


def heatmap_chart(
    rows: Sequence[str], columns: Sequence[str], colours: Sequence[Sequence[str]]
) -> bytes:
    """Units (rows) × indicators (columns), each cell in its colour with its mark written in it
    (绿 ●, 黄 ▲, 红 ■, no data ○), so it reads without colour too."""
    from matplotlib.colors import ListedColormap

    plt = _pyplot()
    order = ("green", "yellow", "red", "grey")
    marks = {"green": "●", "yellow": "▲", "red": "■", "grey": "○"}
    grid = [[order.index(c) if c in order else 3 for c in row] for row in colours]
    width = min(7.2, 1.8 + 0.26 * len(columns))
    fig, ax = plt.subplots(figsize=(max(width, 4.0), 1.4 + 0.2 * len(rows)))
    ax.imshow(
        grid or [[3]],
        cmap=ListedColormap([PALETTE[c] for c in order]),
        vmin=0,
        vmax=3,
        aspect="auto",
        interpolation="nearest",
    )
    for y, row in enumerate(colours):
        for x, colour in enumerate(row):
            ax.text(
                x, y, marks.get(colour, "○"), ha="center", va="center", fontsize=5, color="white"
            )
    ax.set_xticks(range(len(columns)), [_short(c) for c in columns], rotation=90, fontsize=6)
    ax.set_yticks(range(len(rows)), [_short(r) for r in rows], fontsize=6)
    ax.xaxis.tick_top()
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=PALETTE[c], label=f"{marks[c]} {LABELS[c]}")
        for c in order
    ]
    ax.legend(
        handles=handles,
        ncol=4,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        frameon=False,
        fontsize=7,
    )
    return _png(fig)
