"""Heatmap and unit-profile data, and the ECharts options the pages render.

Options are plain JSON built here (the page passes them through json_script and a static file
initialises the chart): no inline script, and the numbers come from the stored run only.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.explain import explain_gaps
from grassroots.engine.scheme import Node, Scheme
from grassroots.evaluation.models import EvaluationRun, Publication, Result, RunStatus
from grassroots.evaluation.permissions import Visible
from grassroots.evaluation.reasons import group_names, render_why
from grassroots.i18n import in_language
from grassroots.organisations.models import Level, Unit

COLOUR_CODES = {"red": 0, "yellow": 1, "green": 2}
NO_DATA = -1
# Okabe-Ito-like hues that stay apart for red-green colour blindness; shapes carry it too.
PALETTE = {"red": "#c62828", "yellow": "#e0a100", "green": "#1a7f37", "none": "#c9ced6"}
MARKS = {"red": "■", "yellow": "▲", "green": "●"}


def node_name(node: Node) -> str:
    return in_language(node.name_zh, node.name_en)


def unit_name(zh: str, en: str) -> str:
    return in_language(zh, en)


@dataclass
class Column:
    aspect: Node
    indicator: Node


@dataclass
class HeatRow:
    code: str
    name: str
    cells: list[tuple[str, float | None]] = field(default_factory=list)  # (colour, score)


@dataclass
class Heatmap:
    columns: list[Column]
    groups: list[tuple[Node, int]]  # aspect and how many indicator columns it spans
    rows: list[HeatRow]
    by_colour: bool


def indicator_columns(scheme: Scheme) -> list[Column]:
    """Leaves in tree order, each under the top-level aspect it belongs to."""
    columns = []
    for aspect in scheme.root.children:
        leaves = [aspect] if aspect.is_leaf else [n for n, _ in aspect.walk() if n.is_leaf]
        columns += [Column(aspect, leaf) for leaf in leaves]
    return columns


def heatmap(*, run: EvaluationRun, scheme: Scheme, path: str, visible: Visible) -> Heatmap:
    columns = indicator_columns(scheme)
    groups: list[tuple[Node, int]] = []
    for col in columns:
        if groups and groups[-1][0].code == col.aspect.code:
            groups[-1] = (col.aspect, groups[-1][1] + 1)
        else:
            groups.append((col.aspect, 1))
    cells: dict[tuple[str, str], tuple[str, float | None]] = {
        (code, node): (colour, score)
        for code, node, colour, score in run.results.filter(
            level="indicator", unit_path__startswith=path
        ).values_list("unit_code", "node", "colour", "score")
    }
    # By city, as the map reads; for a role that may not see ranks by code only, as its tables.
    order = "path" if visible.ranks else "code"
    units = Unit.objects.filter(path__startswith=path, level=Level.GRASSROOTS).order_by(order)
    scored = set(run.results.filter(unit_path__startswith=path).values_list("unit_code", flat=True))
    rows = []
    for unit in units.only("code", "name_zh", "name_en"):
        if unit.code not in scored:
            continue
        row = HeatRow(unit.code, unit_name(unit.name_zh, unit.name_en))
        for col in columns:
            colour, score = cells.get((unit.code, col.indicator.code), ("", None))
            row.cells.append((colour if visible.colours else "", score))
        rows.append(row)
    return Heatmap(columns, groups, rows, by_colour=visible.colours)


def heatmap_option(heat: Heatmap) -> dict[str, Any]:
    """ECharts heatmap: y = units, x = indicators grouped by aspect, grey where no data."""
    x = [f"{node_name(c.aspect)} · {node_name(c.indicator)}" for c in heat.columns]
    y = [f"{r.code} {r.name}" for r in heat.rows]
    data = []
    for yi, row in enumerate(heat.rows):
        for xi, (colour, score) in enumerate(row.cells):
            if heat.by_colour:
                value: float = COLOUR_CODES.get(colour, NO_DATA)
            else:
                value = NO_DATA if score is None else round(score, 1)
            data.append([xi, yi, value])
    if heat.by_colour:
        visual: dict[str, Any] = {
            "type": "piecewise",
            "pieces": [
                {"value": NO_DATA, "label": _("No data"), "color": PALETTE["none"]},
                {"value": 0, "label": "■ " + _("Red"), "color": PALETTE["red"]},
                {"value": 1, "label": "▲ " + _("Yellow"), "color": PALETTE["yellow"]},
                {"value": 2, "label": "● " + _("Green"), "color": PALETTE["green"]},
            ],
        }
    else:
        visual = {
            "type": "piecewise",
            "pieces": [
                {"value": NO_DATA, "label": _("No data"), "color": PALETTE["none"]},
                {"min": 0, "max": 33.3, "color": "#deebf7"},
                {"min": 33.3, "max": 66.6, "color": "#9ecae1"},
                {"min": 66.6, "max": 100, "color": "#3182bd"},
            ],
        }
    visual.update({"orient": "horizontal", "left": "center", "top": 0, "dimension": 2})
    return {
        "aria": {"enabled": True},
        "grid": {"left": 220, "right": 20, "top": 40, "bottom": 160},
        "tooltip": {"renderMode": "richText"},
        "xAxis": {"type": "category", "data": x, "axisLabel": {"rotate": 50, "interval": 0}},
        "yAxis": {"type": "category", "data": y, "inverse": True, "axisLabel": {"interval": 0}},
        "visualMap": visual,
        "series": [{"type": "heatmap", "data": data, "itemStyle": {"borderColor": "#fff"}}],
        "units": [r.code for r in heat.rows],
    }


# ------------------------------------------------------------------------------ unit profile


@dataclass
class IndicatorLine:
    node: Node
    aspect: Node
    value: float | None
    score: float | None
    colour: str
    why: str
    unit: str = ""  # the catalogue's unit of the value: "%", "1:x", "" (a count)


@dataclass
class Profile:
    unit: Unit
    overall: Result | None
    lines: list[IndicatorLine]
    radar: dict[str, Any]
    waterfall: dict[str, Any] | None
    trends: list[dict[str, Any]]


def _peer_of(unit: Unit) -> str:
    return unit.peer_group or (unit.parent.code if unit.parent else "")


def profile(*, run: EvaluationRun, scheme: Scheme, unit: Unit, visible: Visible) -> Profile:
    mine = {r.node: r for r in run.results.filter(unit_code=unit.code)}
    names = group_names([unit.peer_group]) if unit.peer_group else {}
    units = value_units(scheme)
    columns = indicator_columns(scheme)
    lines = [
        IndicatorLine(
            node=c.indicator,
            aspect=c.aspect,
            value=mine[c.indicator.code].value if c.indicator.code in mine else None,
            score=mine[c.indicator.code].score if c.indicator.code in mine else None,
            colour=(mine[c.indicator.code].colour if c.indicator.code in mine else "")
            if visible.colours
            else "",
            why=_why(mine.get(c.indicator.code), names)
            if visible.colours and visible.ranks
            else "",
            unit=units.get(c.indicator.indicator or "", ""),
        )
        for c in columns
    ]
    # The city median, the gap to the peer median and the peers' range place the unit among
    # its peers: shown to the roles the scheme shows ranks to, also in analysis mode (which
    # hides ranks, not comparisons); another role sees the unit's own values only.
    peers = visible.peers
    return Profile(
        unit=unit,
        overall=mine.get(scheme.root.code),
        lines=lines,
        radar=_radar(run, scheme, unit, mine, peers=peers),
        waterfall=_waterfall(run, scheme, unit) if peers else None,
        trends=_trends(run, scheme, unit, peers=peers),
    )


def _why(result: Result | None, names: Mapping[str, str]) -> str:
    """The indicator's colour reason in the reader's language (stored English as fallback)."""
    if result is None:
        return ""
    return render_why(result.why, result.why_reason, names)


def _city_path(unit: Unit) -> str:
    return unit.parent.path if unit.parent else unit.path


def _radar(
    run: EvaluationRun, scheme: Scheme, unit: Unit, mine: dict[str, Result], *, peers: bool
) -> dict[str, Any]:
    aspects = list(scheme.root.children)
    medians = []
    for aspect in aspects if peers else ():
        scores = [
            s
            for s in run.results.filter(
                node=aspect.code, unit_path__startswith=_city_path(unit)
            ).values_list("score", flat=True)
            if s is not None
        ]
        medians.append(round(statistics.median(scores), 1) if scores else None)
    own = [
        None if (r := mine.get(a.code)) is None or r.score is None else round(r.score, 1)
        for a in aspects
    ]
    data: list[dict[str, Any]] = [{"name": unit_name(unit.name_zh, unit.name_en), "value": own}]
    if peers:
        data.append({"name": _("City median"), "value": medians, "lineStyle": {"type": "dashed"}})
    return {
        "aria": {"enabled": True},
        "legend": {"bottom": 0},
        "tooltip": {"renderMode": "richText"},
        "radar": {"indicator": [{"name": node_name(a), "max": 100} for a in aspects]},
        "series": [{"type": "radar", "data": data}],
    }


def _waterfall(run: EvaluationRun, scheme: Scheme, unit: Unit) -> dict[str, Any] | None:
    """Each indicator's contribution to the gap between the unit and its peer median."""
    rows = list(
        run.results.filter(unit_path__startswith=_city_path(unit)).values(
            "unit_code", "node", "score"
        )
    )
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    frame["period"] = run.period
    peers = {
        u.code: _peer_of(u)
        for u in Unit.objects.filter(code__in=frame["unit_code"].unique()).select_related("parent")
    }
    frame["peer_group"] = frame["unit_code"].map(peers).fillna("")
    gaps = explain_gaps(frame, scheme)
    mine = gaps[(gaps["unit_code"] == unit.code) & (gaps["aspect"] == scheme.root.code)]
    if mine.empty:
        return None
    names = {n.code: node_name(n) for n, _ in scheme.nodes()}
    labels, base, up, down = [], [], [], []
    running = 0.0
    for rec in mine.sort_values("contribution", ascending=False).to_dict("records"):
        c = float(rec["contribution"])
        labels.append(names.get(str(rec["indicator"]), str(rec["indicator"])))
        low = min(running, running + c)
        base.append(round(low, 2))
        up.append(round(c, 2) if c >= 0 else 0)
        down.append(round(-c, 2) if c < 0 else 0)
        running += c
    labels.append(_("Gap to peer median"))
    base.append(round(min(0.0, running), 2))
    up.append(round(running, 2) if running >= 0 else 0)
    down.append(round(-running, 2) if running < 0 else 0)
    return {
        "aria": {"enabled": True},
        "grid": {"left": 60, "right": 20, "top": 30, "bottom": 120},
        "tooltip": {"renderMode": "richText"},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 40, "interval": 0}},
        "yAxis": {"type": "value"},
        "series": [
            {
                "type": "bar",
                "stack": "w",
                # Stack negative and positive values together, or a below-zero base
                # would float the bars from zero instead of from the running total.
                "stackStrategy": "all",
                "data": base,
                "itemStyle": {"color": "transparent"},
                "silent": True,
            },
            {
                "type": "bar",
                "stack": "w",
                "stackStrategy": "all",
                "name": _("Raises the score"),
                "data": up,
                "itemStyle": {"color": "#1a7f37"},
            },
            {
                "type": "bar",
                "stack": "w",
                "stackStrategy": "all",
                "name": _("Lowers the score"),
                "data": down,
                "itemStyle": {"color": "#c62828", "decal": {"symbol": "rect"}},
            },
        ],
    }


def value_units(scheme: Scheme) -> dict[str, str]:
    """Each indicator's unit of value as its catalogue says ("%", "1:x", "" for a count)."""
    if not scheme.catalogue:
        return {}
    catalogue = load_catalogue(scheme.catalogue)
    return {code: ind.unit or "" for code, ind in catalogue.indicators.items()}


def _trends(run: EvaluationRun, scheme: Scheme, unit: Unit, *, peers: bool) -> list[dict[str, Any]]:
    """Per indicator: the unit's value over the published runs of this scheme (and this run for
    its own period), peer range shaded (with ``peers``; without, the unit's own values only).
    A draft's figures never show in another run's trend."""
    runs = [
        run,
        *EvaluationRun.objects.filter(
            scheme_version__code=run.scheme_version.code,
            status=RunStatus.DONE,
            provisional=False,
            publication=Publication.PUBLISHED,
        ).order_by("period", "-published_at"),
    ]
    latest: dict[str, EvaluationRun] = {}
    for r in runs:
        latest.setdefault(r.period, r)
    periods = sorted(latest)
    peer = Unit.objects.filter(peer_group=_peer_of(unit)).values_list("code", flat=True)
    peer_codes = (set(peer) | {unit.code}) if peers else {unit.code}
    charts = []
    units = value_units(scheme)
    columns = indicator_columns(scheme)
    # Every peer's value of every indicator in every period's run, read in one query.
    by_cell: dict[tuple[int, str], dict[str, float | None]] = {}
    for run_id, node, code, value in Result.objects.filter(
        run__in=[latest[p].pk for p in periods],
        node__in=[c.indicator.code for c in columns],
        unit_code__in=peer_codes,
    ).values_list("run_id", "node", "unit_code", "value"):
        by_cell.setdefault((run_id, node), {})[code] = value
    for column in columns:
        code = column.indicator.code
        measure = units.get(column.indicator.indicator or "", "")
        own, low, span = [], [], []
        for period in periods:
            values = by_cell.get((latest[period].pk, code), {})
            present = [v for v in values.values() if v is not None]
            mine = values.get(unit.code)
            own.append(round(mine, 2) if mine is not None else None)
            lo, hi = (min(present), max(present)) if present else (None, None)
            low.append(round(lo, 2) if lo is not None else None)
            span.append(round(hi - lo, 2) if lo is not None and hi is not None else None)
        series: list[dict[str, Any]] = _range_series(low, span) if peers else []
        series.append(
            {
                "type": "line",
                "data": own,
                "name": unit_name(unit.name_zh, unit.name_en),
                "symbol": "circle",
                "lineStyle": {"width": 2, "color": "#1f3b63"},
            }
        )
        charts.append(
            {
                "title": node_name(column.indicator) + (f" ({measure})" if measure else ""),
                "json_id": f"trend-{code}",
                "option": {
                    "aria": {"enabled": True},
                    "grid": {"left": 50, "right": 10, "top": 20, "bottom": 30},
                    "tooltip": {"renderMode": "richText", "trigger": "axis"},
                    "xAxis": {"type": "category", "data": periods},
                    "yAxis": {"type": "value", "scale": True},
                    "series": series,
                },
            }
        )
    return charts


def _range_series(low: list[float | None], span: list[float | None]) -> list[dict[str, Any]]:
    """The peers' range as a shaded band: an invisible line at the low, the span stacked on it."""
    return [
        {
            "type": "line",
            "stack": "range",
            "data": low,
            "symbol": "none",
            "lineStyle": {"opacity": 0},
        },
        {
            "type": "line",
            "stack": "range",
            "data": span,
            "symbol": "none",
            "name": _("Peer range"),
            "lineStyle": {"opacity": 0},
            "areaStyle": {"color": "#c9d7ea"},
        },
    ]
