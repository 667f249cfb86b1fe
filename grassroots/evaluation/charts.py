"""Heatmap and unit-profile data, and the ECharts options the pages render.

Options are plain JSON built here (the page passes them through json_script and a static file
initialises the chart): no inline script, and the numbers come from the stored run only.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.explain import explain_gaps
from grassroots.engine.scheme import Node, Scheme
from grassroots.evaluation.models import EvaluationRun, Result
from grassroots.evaluation.permissions import Visible
from grassroots.evaluation.reasons import group_names, render_why
from grassroots.evaluation.selectors import comparable_published_runs, period_order
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


class HeatCell(NamedTuple):
    colour: str  # "" where the role sees no colours
    score: float | None
    value: float | None  # the indicator's raw value, in its unit
    text: str  # the value as read: "23.4%", "1:2.12", "17 件"; "—" for no data


@dataclass
class HeatRow:
    code: str
    name: str
    cells: list[HeatCell] = field(default_factory=list)


@dataclass
class Heatmap:
    columns: list[Column]
    groups: list[tuple[Node, int]]  # aspect and how many indicator columns it spans
    rows: list[HeatRow]
    by_colour: bool
    units: list[str] = field(default_factory=list)  # each column's unit of value (catalogue)

    @property
    def labelled_columns(self) -> list[tuple[Column, str]]:
        """Each column with its unit as the reader says it ("%", "件"), for the table's header."""
        return [(c, unit_word(u)) for c, u in zip(self.columns, self.units, strict=True)]


def unit_word(unit: str) -> str:
    """A catalogue unit of value as the reader says it: "%", "1:x", "件", "人"…"""
    words = {
        "cases": pgettext("value unit", "cases"),
        "items": pgettext("value unit", "items"),
        "persons": pgettext("value unit", "persons"),
        "leads": pgettext("value unit", "leads"),
        "days": pgettext("value unit", "days"),
        "yuan": pgettext("value unit", "yuan"),
    }
    return words.get(unit, "" if unit == "ratio" else unit)


def value_text(value: float | None, unit: str) -> str:
    """An indicator's raw value with its unit, one decimal (a case ratio as 1:x, two decimals).

    >>> value_text(23.456, "%"), value_text(2.124, "1:x"), value_text(None, "%")
    ('23.5%', '1:2.12', '—')
    """
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "1:x":
        return f"1:{value:.2f}"
    if unit == "ratio":
        return f"{value:.2f}"
    number = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    word = unit_word(unit)
    return f"{number} {word}" if word else number


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
    cells: dict[tuple[str, str], tuple[str, float | None, float | None]] = {
        (code, node): (colour, score, value)
        for code, node, colour, score, value in run.results.filter(
            level="indicator", unit_path__startswith=path
        ).values_list("unit_code", "node", "colour", "score", "value")
    }
    value_unit = value_units(scheme)
    col_units = [value_unit.get(c.indicator.indicator or "", "") for c in columns]
    # By city, as the map reads; for a role that may not see ranks by code only, as its tables.
    order = "path" if visible.ranks else "code"
    units = Unit.objects.filter(path__startswith=path, level=Level.GRASSROOTS).order_by(order)
    scored = set(run.results.filter(unit_path__startswith=path).values_list("unit_code", flat=True))
    rows = []
    for unit in units.only("code", "name_zh", "name_en"):
        if unit.code not in scored:
            continue
        row = HeatRow(unit.code, unit_name(unit.name_zh, unit.name_en))
        for col, unit_of in zip(columns, col_units, strict=True):
            colour, score, value = cells.get((unit.code, col.indicator.code), ("", None, None))
            shown = colour if visible.colours else ""
            row.cells.append(HeatCell(shown, score, value, value_text(value, unit_of)))
        rows.append(row)
    return Heatmap(columns, groups, rows, by_colour=visible.colours, units=col_units)


def short_unit_name(name: str) -> str:
    """A unit's name without the words every unit shares, for an axis label: 济南市历下区.

    >>> short_unit_name("济南市历下区人民检察院"), short_unit_name("Pingyin County People's Procuratorate")
    ('济南市历下区', 'Pingyin County')
    """
    for suffix in ("人民检察院", " People's Procuratorate"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


# Rows the heatmap shows at once: more (a province of 150, the nation's 3,000) scroll with the
# slider beside it, so the indicator axis on top and every unit's label stay readable.
HEAT_ROWS_SHOWN = 50
HEAT_ROW_PX = 22
HEAT_TOP_PX = 130  # the legend and the indicator labels above the cells
HEAT_BOTTOM_PX = 20


def heatmap_height(rows: int) -> int:
    """The chart's height in pixels: every row up to HEAT_ROWS_SHOWN, then a scrolled window."""
    return HEAT_TOP_PX + HEAT_BOTTOM_PX + HEAT_ROW_PX * max(4, min(rows, HEAT_ROWS_SHOWN))


def heatmap_option(heat: Heatmap) -> dict[str, Any]:
    """ECharts heatmap: y = units, x = indicators (short names on top), grey where no data.

    Each cell is ``[x, y, colour code or score, the value as read]``; charts.js draws the
    colour's shape in the cell (■ ▲ ●: colour-blind readers need it) and puts the unit, the
    indicator and the raw value with its unit in the tooltip.
    """
    x = [node_name(c.indicator) for c in heat.columns]
    data = []
    for yi, row in enumerate(heat.rows):
        for xi, cell in enumerate(row.cells):
            if heat.by_colour:
                value: float = COLOUR_CODES.get(cell.colour, NO_DATA)
            else:
                value = NO_DATA if cell.score is None else round(cell.score, 1)
            data.append([xi, yi, value, cell.text])
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
    scrolled = len(heat.rows) > HEAT_ROWS_SHOWN
    option: dict[str, Any] = {
        "aria": {"enabled": True},
        "grid": {
            "left": 150,
            "right": 50 if scrolled else 20,
            "top": HEAT_TOP_PX,
            "bottom": HEAT_BOTTOM_PX,
        },
        "tooltip": {"renderMode": "richText"},
        "xAxis": {
            "type": "category",
            "data": x,
            "position": "top",
            "axisLabel": {"rotate": 40, "interval": 0, "width": 110, "overflow": "truncate"},
        },
        "yAxis": {
            "type": "category",
            "data": [short_unit_name(r.name) for r in heat.rows],
            "inverse": True,
            "axisLabel": {"interval": 0, "width": 140, "overflow": "truncate"},
        },
        "visualMap": visual,
        "series": [
            {
                "type": "heatmap",
                "data": data,
                "itemStyle": {"borderColor": "#fff"},
                "label": {"show": heat.by_colour, "color": "#fff", "fontSize": 11},
            }
        ],
        "units": [r.code for r in heat.rows],
        # What charts.js writes in the tooltip: the full names beside the short labels.
        "cellNames": {
            "indicators": [
                f"{node_name(c.aspect)} · {node_name(c.indicator)}" for c in heat.columns
            ],
            "units": [f"{r.code} {r.name}" for r in heat.rows],
            "colours": {"0": _("Red"), "1": _("Yellow"), "2": _("Green"), "-1": _("No data")},
            "score": _("Score"),
            "pattern": _("{indicator}: {value} ({level})"),
        },
    }
    if scrolled:
        option["dataZoom"] = [
            {
                "type": "slider",
                "yAxisIndex": 0,
                "right": 8,
                "width": 18,
                "startValue": 0,
                "endValue": HEAT_ROWS_SHOWN - 1,
                "zoomLock": True,  # scroll through the units; the row height stays readable
                "showDetail": False,
                "brushSelect": False,
            }
        ]
    return option


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
    """Per indicator: the unit's value over the published runs comparable with this one (same
    scheme, provinces and scope, periods of its kind; this run for its own period), its peers'
    range shaded (with ``peers``; without, the unit's own values only). A draft's figures
    never show in another run's trend, nor does a city's or the nation's run in a province's
    (their scores are normalised over other units)."""
    latest = {**comparable_published_runs(run), run.period: run}
    periods = sorted(latest, key=period_order)
    # The unit's peers: its peer group, or without one the other units of its parent.
    siblings = (
        Unit.objects.filter(peer_group=unit.peer_group)
        if unit.peer_group
        else Unit.objects.filter(parent_id=unit.parent_id, level=unit.level, peer_group="")
    )
    peer_codes = (
        (set(siblings.values_list("code", flat=True)) | {unit.code}) if peers else {unit.code}
    )
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
