"""The quarterly bulletin (季度通报) and its monthly, half-year and annual variants, built from the
published run of the scope's province: figures and their changes (同比, 环比), the distribution of
units per indicator, the period's warnings, the weak units' plans, the data's completeness and
the office's own paragraphs.

Nothing here computes what the engine computes: values, colours, scores and ranks are read from
the stored results. The scope's figure for an indicator is the median of its units' stored
values (a unit's own value for a unit), which the document says.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.assistance.models import WeakStatus
from grassroots.assistance.plans.selectors import measures_due_by, quarterly_counts
from grassroots.assistance.selectors import designations_for
from grassroots.engine.catalogue import Catalogue, load_catalogue
from grassroots.engine.periods import Period
from grassroots.engine.scheme import Node, Scheme
from grassroots.evaluation.models import EvaluationRun, WarningKind
from grassroots.evaluation.permissions import Visible, visibility_for
from grassroots.evaluation.results import results_frame
from grassroots.evaluation.schemes import scheme_of
from grassroots.evaluation.selectors import latest_published_runs
from grassroots.evaluation.warnings import evidence_text, stored_warnings
from grassroots.intake.reporting.services import reporting_rate
from grassroots.organisations.models import Level, Unit
from grassroots.reports import charts
from grassroots.reports.content import (
    DASH,
    Cell,
    Chart,
    Content,
    Header,
    Section,
    Table,
    change_cell,
    colour_cell,
    number_cell,
    text_cell,
)
from grassroots.reports.errors import ReportError
from grassroots.reports.models import RankingMode
from grassroots.reports.selectors import narratives, policy_for, province_of
from grassroots.reports.templates_spec import Template

SCHEME = "core-business"
COLOURS = ("green", "yellow", "red", "grey")

# The SPP's quarterly sections (PRACTICE-2 §3.2) and the catalogue's business lines.
LINES = {
    "criminal": "刑事检察",
    "civil_administrative": "民事、行政检察",
    "civil": "民事检察",
    "administrative": "行政检察",
    "public_interest": "公益诉讼检察",
    "minors": "未成年人检察",
    "leaders": "入额院领导办案",
}
SPP_LINES = ("criminal", "civil", "administrative", "public_interest", "minors", "leaders")


def period_label(period: Period) -> str:
    if period.kind == "quarter":
        return f"{period.year}年第{'一二三四'[period.number - 1]}季度"
    if period.kind == "month":
        return f"{period.year}年{period.number}月"
    if period.kind == "ytd":
        return f"{period.year}年1-{3 * period.number}月"
    return f"{period.year}年"


def same_period_last_year(period: Period) -> Period:
    steps = {"quarter": -4, "month": -12}.get(period.kind, -1)
    return period.shift(steps)


@dataclass(frozen=True)
class Runs:
    """The published runs a bulletin reads: the period's, the one before (环比) and the same
    period a year before (同比); the last two may be missing."""

    now: EvaluationRun
    previous: EvaluationRun | None
    last_year: EvaluationRun | None

    def ids(self) -> dict[str, int | None]:
        return {
            "run": self.now.pk,
            "previous": self.previous.pk if self.previous else None,
            "last_year": self.last_year.pk if self.last_year else None,
        }


def run_scope(province: Unit) -> str:
    """The scope code runs are published for: a province's code, "" for the nation."""
    return "" if province.level == Level.NATION else province.code


def find_runs(scope: Unit, period: str, scheme: str = SCHEME) -> Runs:
    """The published runs of the scope's province; no published run for the period is an error
    (no document is made from a draft)."""
    parsed = Period.parse(period)
    before, year_ago = parsed.previous().key, same_period_last_year(parsed).key
    province = province_of(scope)
    found = latest_published_runs(
        scheme=scheme, scope=run_scope(province), periods=[parsed.key, before, year_ago]
    )
    if parsed.key not in found:
        raise ReportError(
            _("No published evaluation run of %(scope)s for %(period)s: publish a run first.")
            % {"scope": province.name_zh, "period": parsed.key}
        )
    return Runs(found[parsed.key], found.get(before), found.get(year_ago))


@dataclass
class Figure:
    node: Node
    line: str
    unit: str
    now: float | None
    previous: float | None
    last_year: float | None
    counts: Counter[str] = field(default_factory=Counter)
    values: list[float] = field(default_factory=list)


@dataclass
class Inputs:
    scope: Unit
    period: Period
    runs: Runs
    scheme: Scheme
    template: Template
    ranking: bool
    marking: str
    issuer: str
    issued_on: dt.date
    stamp: dt.datetime
    user: Any
    product: str = "bulletin"


def _units(scope: Unit) -> dict[str, Unit]:
    units = Unit.objects.filter(path__startswith=scope.path, level=Level.GRASSROOTS)
    return {u.code: u for u in units.select_related("parent").order_by("code")}


def _peers(scope: Unit) -> Unit:
    """Whose units a figure's distribution is over: the scope, or a unit's city (its peers)."""
    if scope.level == Level.GRASSROOTS and scope.parent is not None:
        return scope.parent
    return scope


def _values(run: EvaluationRun | None, path: str, codes: set[str]) -> dict[tuple[str, str], Any]:
    """(unit, node) -> (value, colour, score, rank_all, q05, q95) of the run's stored results.
    Column by column, not row by row: a national run has some 100,000 rows a period."""
    if run is None:
        return {}
    numbers = ["value", "score", "rank_all", "rank_q05", "rank_q95"]
    frame = results_frame(run, path=path, columns=["node", "colour", *numbers])
    frame = frame[frame["unit_code"].astype(str).isin(codes)]
    if frame.empty:
        return {}
    value, score, rank, q05, q95 = (_nums(frame[c]) for c in numbers)
    colour = [c or "" for c in frame["colour"].tolist()]
    units, nodes = frame["unit_code"].astype(str).tolist(), frame["node"].astype(str).tolist()
    keys = zip(units, nodes, strict=True)
    return dict(zip(keys, zip(value, colour, score, rank, q05, q95, strict=True), strict=True))


def _nums(column: pd.Series) -> list[float | None]:
    """A column as floats, None where there is no number (as `_num` reads one value)."""
    numbers = pd.to_numeric(column, errors="coerce").astype("float64")
    return [None if f != f else f for f in numbers.tolist()]


@lru_cache(maxsize=8)
def shipped_catalogue(name: str) -> Catalogue:
    """A shipped catalogue, parsed once a process (its file changes only with the code)."""
    return load_catalogue(name)


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


def _figure_of(
    values: dict[tuple[str, str], Any], scope: Unit, codes: list[str], node: str
) -> float | None:
    if scope.level == Level.GRASSROOTS:
        found = values.get((scope.code, node))
        return found[0] if found else None
    present = [v[0] for c in codes if (v := values.get((c, node))) and v[0] is not None]
    return statistics.median(present) if present else None


def figures(
    inputs: Inputs, units: dict[str, Unit], scope_values: dict[tuple[str, str], Any] | None = None
) -> list[Figure]:
    """The scope's figure per indicator. ``scope_values``: the period's values of ``units``
    when the caller has read them already (they are the peers' unless the scope is a unit)."""
    peers = _peers(inputs.scope)
    peer_codes = set(_units(peers)) if peers != inputs.scope else set(units)
    codes = sorted(units)
    catalogue = shipped_catalogue(inputs.scheme.catalogue) if inputs.scheme.catalogue else None
    if scope_values is not None and peers == inputs.scope:
        now = scope_values
    else:
        now = _values(inputs.runs.now, peers.path, peer_codes)
    before = _values(inputs.runs.previous, inputs.scope.path, set(units))
    year_ago = _values(inputs.runs.last_year, inputs.scope.path, set(units))
    chosen = inputs.template.indicators
    out = []
    for leaf in inputs.scheme.leaves():
        code = leaf.indicator or leaf.code
        if chosen and code not in chosen:
            continue
        indicator = catalogue.indicators.get(code) if catalogue else None
        figure = Figure(
            node=leaf,
            line=indicator.line if indicator else "",
            unit=indicator.unit if indicator else "",
            now=_figure_of(now, inputs.scope, codes, leaf.code),
            previous=_figure_of(before, inputs.scope, codes, leaf.code),
            last_year=_figure_of(year_ago, inputs.scope, codes, leaf.code),
        )
        for c in sorted(peer_codes):
            value, colour, *_rest = now.get((c, leaf.code), (None, "", None, None, None, None))
            figure.counts[colour or "grey"] += 1
            if value is not None:
                figure.values.append(value)
        out.append(figure)
    return out


def _line_table(figures: list[Figure], scope: Unit) -> Table:
    what = _("Value") if scope.level == Level.GRASSROOTS else _("Median of units")
    headers = [
        _("Indicator"),
        _("Unit of measure"),
        what,
        _("Previous period"),
        _("Change on previous period (环比)"),
        _("Same period last year"),
        _("Change on last year (同比)"),
    ]
    table = Table(title="", sheet="", headers=headers)
    for f in figures:
        table.rows.append(
            [
                text_cell(f.node.name_zh),
                text_cell(f.unit or DASH),
                number_cell(f.now),
                number_cell(f.previous),
                change_cell(f.now, f.previous),
                number_cell(f.last_year),
                change_cell(f.now, f.last_year),
            ]
        )
    return table


def _distribution_table(figures: list[Figure]) -> Table:
    headers = [
        _("Indicator"),
        COLOUR_HEADER["green"],
        COLOUR_HEADER["yellow"],
        COLOUR_HEADER["red"],
        COLOUR_HEADER["grey"],
        _("Lowest"),
        _("Median"),
        _("Highest"),
    ]
    table = Table(title=_("Distribution of units per indicator"), sheet="各院分布", headers=headers)
    for f in figures:
        values = f.values
        table.rows.append(
            [
                text_cell(f.node.name_zh),
                *(
                    Cell(str(f.counts.get(c, 0)), colour=c, number=f.counts.get(c, 0))
                    for c in COLOURS
                ),
                number_cell(min(values) if values else None),
                number_cell(statistics.median(values) if values else None),
                number_cell(max(values) if values else None),
            ]
        )
    return table


COLOUR_HEADER = {
    "green": "● 绿（个）",
    "yellow": "▲ 黄（个）",
    "red": "■ 红（个）",
    "grey": "○ 无数据（个）",
}


def _warnings_table(inputs: Inputs, units: dict[str, Unit]) -> Table:
    """Every warning of the period: the Excel edition's sheet (the documents summarise it)."""
    visible = Visible(ranks=inputs.ranking, colours=True)
    names = {n.code: n.name_zh for n, _depth in inputs.scheme.nodes()}
    rows = stored_warnings(run=inputs.runs.now, path=inputs.scope.path, visible=visible)
    table = Table(
        title=_("Warnings of the period: every warning"),
        sheet="预警明细",
        headers=[
            _("Unit"),
            _("City"),
            _("Indicator"),
            _("Warning"),
            _("First period of the warning"),
            _("Evidence"),
        ],
        spreadsheet_only=True,
    )
    kinds = dict(WarningKind.choices)
    for w in sorted(rows, key=lambda w: (w.unit_code, w.node, w.kind)):
        if not inputs.ranking and w.kind == WarningKind.RANK_DROP:
            continue
        unit = units.get(w.unit_code)
        city = unit.parent.name_zh if unit is not None and unit.parent is not None else DASH
        table.rows.append(
            [
                text_cell(unit.name_zh if unit else w.unit_code),
                text_cell(city),
                text_cell(names.get(w.node, w.node)),
                text_cell(str(kinds.get(w.kind, w.kind))),
                text_cell(w.first_period),
                text_cell(evidence_text(w, names)),
            ]
        )
    return table


TOP_WARNED = 5


def _warnings_summary(every: Table, units: dict[str, Unit], national: bool) -> list[Table]:
    """The warnings counted by kind and city (by province for the nation), in code order, and
    the few units with the most of them."""
    codes = {u.parent.name_zh: u.parent.code for u in units.values() if u.parent is not None}
    group = {name: name for name in codes}
    if national:  # one row per province, not some three hundred cities
        provinces = {
            p.code: p.name_zh
            for p in Unit.objects.filter(level=Level.PROVINCE).only("code", "name_zh")
        }
        for u in units.values():
            if u.parent is not None:
                code = u.path.split("/", 1)[0]
                group[u.parent.name_zh] = provinces.get(code, u.parent.name_zh)
                codes[provinces.get(code, u.parent.name_zh)] = code
    kinds = sorted({row[3].text for row in every.rows})
    by_city: dict[str, Counter[str]] = {}
    by_unit: dict[tuple[str, str], Counter[str]] = {}
    for row in every.rows:
        city = group.get(row[1].text, row[1].text)
        by_city.setdefault(city, Counter())[row[3].text] += 1
        by_unit.setdefault((row[0].text, row[1].text), Counter())[row[3].text] += 1
    counts = Table(
        title=_("Warnings by kind and province") if national else _("Warnings by kind and city"),
        sheet="预警汇总",
        headers=[_("Province") if national else _("City"), *kinds, _("Total")],
    )
    totals: Counter[str] = Counter()
    for city in sorted(by_city, key=lambda name: (codes.get(name, "~"), name)):
        counted = by_city[city]
        totals.update(counted)
        counts.rows.append(
            [
                text_cell(city),
                *(number_cell(counted.get(k, 0), digits=0) for k in kinds),
                number_cell(sum(counted.values()), digits=0),
            ]
        )
    if by_city:
        counts.rows.append(
            [
                text_cell(_("Total")),
                *(number_cell(totals.get(k, 0), digits=0) for k in kinds),
                number_cell(sum(totals.values()), digits=0),
            ]
        )
    top = Table(
        title=_("Units with the most warnings (the first %(n)d)") % {"n": TOP_WARNED},
        sheet="预警较多的院",
        headers=[_("Unit"), _("City"), _("Warnings"), _("Kinds")],
    )
    ordered = sorted(by_unit.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for (unit, city), counted in ordered[:TOP_WARNED]:
        top.rows.append(
            [
                text_cell(unit),
                text_cell(city),
                number_cell(sum(counted.values()), digits=0),
                text_cell("、".join(f"{k}{n}条" for k, n in sorted(counted.items()))),
            ]
        )
    return [counts, top]


def plans_table(user: Any, scope: Unit, day: dt.date) -> Table:
    """The weak units under ``scope`` designated by ``day``: measures, due, done, overdue."""
    table = Table(
        title=_("Weak units: progress of the rectification plans"),
        sheet="帮扶整改",
        headers=[
            _("Unit"),
            _("Designated on"),
            _("Measures"),
            _("Due"),
            _("Done"),
            _("Overdue"),
            _("Progress reports"),
        ],
    )
    designations = (
        designations_for(user)
        .filter(unit__path__startswith=scope.path, designated_on__lte=day)
        .exclude(status=WeakStatus.EXITED)
        .order_by("unit__code", "designated_on")
    )
    for d in designations:
        counts = quarterly_counts(d, today=day)
        row = counts[0] if counts else None
        table.rows.append(
            [
                text_cell(d.unit.name_zh),
                text_cell(d.designated_on.isoformat()),
                number_cell(row.measures if row else 0, digits=0),
                number_cell(measures_due_by(d, day), digits=0),
                number_cell(row.done if row else 0, digits=0),
                number_cell(row.overdue if row else 0, digits=0),
                number_cell(row.reports if row else 0, digits=0),
            ]
        )
    return table


def _percent(share: float | None) -> Cell:
    return number_cell(None if share is None else 100 * share, digits=1)


def _data_table(inputs: Inputs) -> tuple[Table, str]:
    """Completeness and timeliness per city (per province for the nation: one row each, not
    some three hundred cities, as the warnings summary counts them)."""

    def clock() -> dt.datetime:
        return inputs.stamp

    report = reporting_rate(user=inputs.user, period=inputs.period.key, clock=clock)
    national = inputs.scope.level == Level.NATION
    table = Table(
        title=_("Completeness and timeliness of the data"),
        sheet="数据质量",
        headers=[
            _("Province") if national else _("City"),
            _("Units expected"),
            _("Reported"),
            _("On time"),
            _("Completeness (%)"),
            _("Timeliness (%)"),
        ],
    )
    groups: list[tuple[str, list[Any]]] = []
    if national:
        names = {
            p.code: p.name_zh
            for p in Unit.objects.filter(level=Level.PROVINCE).only("code", "name_zh")
        }
        by_province: dict[str, list[Any]] = {}
        for ln in report.lines:
            if ln.city is not None and ln.unit.path.startswith(inputs.scope.path):
                by_province.setdefault(ln.unit.path.split("/", 1)[0], []).append(ln)
        groups = [(names.get(code, code), by_province[code]) for code in sorted(by_province)]
    else:
        # Each city's units, grouped once (not every unit looked at again for each city).
        by_city: dict[Any, list[Any]] = {}
        for ln in report.lines:
            if ln.city is not None and ln.unit.path.startswith(inputs.scope.path):
                by_city.setdefault(ln.city.pk, []).append(ln)
        groups = [
            (tally.unit.name_zh, by_city.get(tally.unit.pk, []))
            for tally in report.cities
            if tally.unit is not None
            and (
                tally.unit.path.startswith(inputs.scope.path)
                or inputs.scope.path.startswith(tally.unit.path)
            )
        ]
    expected = reported = on_time = 0
    for name, lines in groups:
        e = len(lines)
        r = sum(ln.reported for ln in lines)
        t = sum(ln.timeliness == "on_time" for ln in lines)
        if not e:
            continue
        expected, reported, on_time = expected + e, reported + r, on_time + t
        table.rows.append(
            [
                text_cell(name),
                number_cell(e, digits=0),
                number_cell(r, digits=0),
                number_cell(t, digits=0),
                _percent(r / e),
                _percent(t / e),
            ]
        )
    summary = _("%(reported)d of %(expected)d units reported, %(on_time)d on time.") % {
        "reported": reported,
        "expected": expected,
        "on_time": on_time,
    }
    return table, summary


def _league_table(inputs: Inputs, units: dict[str, Unit]) -> Table:
    root = inputs.scheme.root.code
    values = _values(inputs.runs.now, inputs.scope.path, set(units))
    table = Table(
        title=_("League table (ranking mode)"),
        sheet="排名",
        headers=[
            _("Rank in province"),
            _("Rank interval (5%–95%)"),
            _("Unit"),
            _("City"),
            _("Composite score"),
            _("Colour"),
        ],
    )
    rows = []
    for code, unit in units.items():
        found = values.get((code, root))
        if found is None:
            continue
        _value, colour, score, rank, q05, q95 = found
        rows.append((rank if rank is not None else 10**9, code, unit, colour, score, q05, q95))
    for rank, _code, unit, colour, score, q05, q95 in sorted(rows, key=lambda r: (r[0], r[1])):
        interval = f"{q05:.0f}–{q95:.0f}" if q05 is not None and q95 is not None else DASH
        table.rows.append(
            [
                number_cell(rank if rank < 10**9 else None, digits=0),
                text_cell(interval),
                text_cell(unit.name_zh),
                text_cell(unit.parent.name_zh if unit.parent else DASH),
                number_cell(score),
                colour_cell(colour),
            ]
        )
    return table


def _units_table(
    values: dict[tuple[str, str], Any], units: dict[str, Unit], figs: list[Figure], line: str
) -> Table:
    chosen = [f for f in figs if f.line == line]
    headers = [_("Unit"), _("City")]
    for f in chosen:
        headers += [f.node.name_zh, _("Colour")]
    table = Table(
        title=_("Values of the units: %(line)s") % {"line": LINES.get(line, line)},
        sheet=f"各院-{LINES.get(line, line)}"[:31],
        headers=headers,
        spreadsheet_only=True,
    )
    for code, unit in units.items():
        row = [text_cell(unit.name_zh), text_cell(unit.parent.name_zh if unit.parent else DASH)]
        for f in chosen:
            value, colour, *_rest = values.get(
                (code, f.node.code), (None, "", None, None, None, None)
            )
            row += [number_cell(value), colour_cell(colour or "grey")]
        table.rows.append(row)
    return table


TREND_STEPS = {"month": 6, "quarter": 5, "ytd": 3, "year": 3}


def trend_periods(period: Period) -> list[Period]:
    """The periods a trend shows: the period and the few of its kind before it, oldest first."""
    steps = TREND_STEPS.get(period.kind, 3)
    return [period.shift(-k) for k in range(steps)][::-1]  # a YTD period steps a year


def trend_runs(inputs: Inputs) -> list[tuple[Period, EvaluationRun | None]]:
    periods = trend_periods(inputs.period)
    found = latest_published_runs(
        scheme=inputs.template.scheme,
        scope=run_scope(province_of(inputs.scope)),
        periods=[p.key for p in periods],
    )
    return [(p, found.get(p.key)) for p in periods]


def trend_figures(
    inputs: Inputs, units: dict[str, Unit], figs: list[Figure]
) -> tuple[list[Period], dict[str, list[float | None]]]:
    """Node -> the scope's figure in each trend period (None: no published run or no value)."""
    codes = sorted(units)
    periods, series = [], {f.node.code: [] for f in figs}  # type: ignore[var-annotated]
    for period, run in trend_runs(inputs):
        periods.append(period)
        values = _values(run, inputs.scope.path, set(units)) if run is not None else {}
        for f in figs:
            series[f.node.code].append(
                _figure_of(values, inputs.scope, codes, f.node.code) if values else None
            )
    return periods, series


def _trend_section(inputs: Inputs, units: dict[str, Unit], figs: list[Figure]) -> Section:
    periods, series = trend_figures(inputs, units, figs)
    labels = [period_label(p) for p in periods]
    table = Table(
        title=_("Figures over the periods"), sheet="趋势", headers=[_("Indicator"), *labels]
    )
    for f in figs:
        table.rows.append(
            [text_cell(f.node.name_zh), *(number_cell(v) for v in series[f.node.code])]
        )
    section = Section(
        key="trend",
        title=_("Trend"),
        paragraphs=[
            _(
                "The figure of each indicator in the last %(n)d periods (— where no run was published)."
            )
            % {"n": len(periods)}
        ],
        tables=[table],
    )
    for line in dict.fromkeys(f.line for f in figs):
        chosen = [f for f in figs if f.line == line]
        if not chosen:
            continue
        section.charts.append(
            Chart(
                _("Trend: %(line)s") % {"line": LINES.get(line, line or DASH)},
                partial(
                    charts.line_chart,
                    labels,
                    [(f.node.name_zh, series[f.node.code]) for f in chosen],
                ),
            )
        )
    return section


HEATMAP_UNITS = 60


def _heatmap_section(inputs: Inputs, units: dict[str, Unit], figs: list[Figure]) -> Section:
    """Colours of units × indicators; over HEATMAP_UNITS units, one row per city with the colour
    most of its units have."""
    values = _values(inputs.runs.now, inputs.scope.path, set(units))
    columns = [f.node.name_zh for f in figs]
    rows: list[tuple[str, list[str]]] = []
    if len(units) <= HEATMAP_UNITS:
        for code, unit in units.items():
            rows.append(
                (
                    unit.name_zh,
                    [values.get((code, f.node.code), ("", ""))[1] or "grey" for f in figs],
                )
            )
        note = _("One row per unit.")
    else:
        cities: dict[str, list[str]] = {}
        for code, unit in units.items():
            city = unit.parent.name_zh if unit.parent else DASH
            cities.setdefault(city, []).append(code)
        for city, codes in cities.items():
            row = []
            for f in figs:
                counted = Counter(
                    values.get((c, f.node.code), ("", ""))[1] or "grey" for c in codes
                )
                row.append(max(COLOURS, key=lambda c: (counted.get(c, 0), -COLOURS.index(c))))
            rows.append((city, row))
        note = _("One row per city: the colour most of its units have.")
    return Section(
        key="heatmap",
        title=_("Colours of the units per indicator"),
        paragraphs=[note],
        charts=[
            Chart(
                _("Heat map of colours"),
                partial(charts.heatmap_chart, [r[0] for r in rows], columns, [r[1] for r in rows]),
            )
        ],
    )


def _summary(
    inputs: Inputs, figs: list[Figure], units: dict[str, Unit], warnings: int, plans: int, data: str
) -> list[str]:
    better = worse = 0
    for f in figs:
        direction = str(f.node.direction or "")
        if f.now is None or f.previous is None or direction not in ("higher", "lower"):
            continue
        change = f.now - f.previous
        if change == 0:
            continue
        if (change > 0) == (direction == "higher"):
            better += 1
        else:
            worse += 1
    scope_kind = (
        _("the unit") if inputs.scope.level == Level.GRASSROOTS else _("the units in scope")
    )
    first = ngettext(
        "This bulletin covers %(period)s for %(scope)s (%(count)d grassroots unit), from the "
        "evaluation run published on %(published)s.",
        "This bulletin covers %(period)s for %(scope)s (%(count)d grassroots units), from the "
        "evaluation run published on %(published)s.",
        len(units),
    ) % {
        "period": period_label(inputs.period),
        "scope": inputs.scope.name_zh,
        "count": len(units),
        "published": inputs.issued_on.isoformat(),
    }
    second = ngettext(
        "Of %(n)d indicator with a preferred direction and figures in both periods, %(better)d "
        "improved on the previous period and %(worse)d worsened (figures for %(kind)s).",
        "Of %(n)d indicators with a preferred direction and figures in both periods, %(better)d "
        "improved on the previous period and %(worse)d worsened (figures for %(kind)s).",
        better + worse,
    ) % {"n": better + worse, "better": better, "worse": worse, "kind": scope_kind}
    third = _("%(warnings)s; %(plans)s.") % {
        "warnings": ngettext("%(n)d warning was raised", "%(n)d warnings were raised", warnings)
        % {"n": warnings},
        "plans": ngettext(
            "%(n)d weak unit has a rectification plan",
            "%(n)d weak units have rectification plans",
            plans,
        )
        % {"n": plans},
    }
    return [first, second, third, data]


def build_bulletin(inputs: Inputs) -> Content:
    units = _units(inputs.scope)
    # The period's values of the scope's units: read once for the figures and the appendix.
    values = _values(inputs.runs.now, inputs.scope.path, set(units))
    figs = figures(inputs, units, values)
    title = inputs.template.title_for(inputs.period)
    sections: dict[str, list[Section]] = {}
    lines = [ln for ln in dict.fromkeys(f.line for f in figs) if ln]
    line_sections = []
    for number, line in enumerate(lines, start=1):
        chosen = [f for f in figs if f.line == line]
        table = _line_table(chosen, inputs.scope)
        table.title = LINES.get(line, line)
        table.sheet = LINES.get(line, line)[:31]
        section = Section(
            key=f"line-{line}", title=f"{number}. {LINES.get(line, line)}", tables=[table]
        )
        section.charts.append(
            Chart(_("Figures of the period and before"), partial(charts.compare_chart, chosen))
        )
        line_sections.append(section)
    absent = [
        LINES[ln]
        for ln in SPP_LINES
        if ln not in lines
        and not (ln in ("civil", "administrative") and "civil_administrative" in lines)
    ]
    if absent and line_sections:
        line_sections[-1].paragraphs.append(
            _("The catalogue has no indicators yet for: %(lines)s.") % {"lines": "、".join(absent)}
        )
    sections["lines"] = line_sections
    distribution = _distribution_table(figs)
    sections["distribution"] = [
        Section(
            key="distribution",
            title=_("Distribution of units"),
            paragraphs=[
                _("Counts of units per colour, and the range of their values, for each indicator.")
            ],
            tables=[distribution],
            charts=[Chart(_("Units per colour"), partial(charts.distribution_chart, figs))],
        )
    ]
    warnings = _warnings_table(inputs, units)
    by_kind = Counter(row[3].text for row in warnings.rows)
    counted = "、".join(f"{kind}{n}条" for kind, n in sorted(by_kind.items()))
    sections["warnings"] = [
        Section(
            key="warnings",
            title=_("Warnings"),
            paragraphs=[
                ngettext(
                    "%(n)d warning in the period: %(kinds)s.",
                    "%(n)d warnings in the period: %(kinds)s.",
                    len(warnings.rows),
                )
                % {"n": len(warnings.rows), "kinds": counted or DASH},
                _("Every warning is in the Excel edition of this document."),
            ],
            tables=[
                *_warnings_summary(warnings, units, inputs.scope.level == Level.NATION),
                warnings,
            ],
        )
    ]
    if "trend" in inputs.template.sections:
        sections["trend"] = [_trend_section(inputs, units, figs)]
    if "heatmap" in inputs.template.sections:
        sections["heatmap"] = [_heatmap_section(inputs, units, figs)]
    plans = plans_table(inputs.user, inputs.scope, min(inputs.period.end, inputs.issued_on))
    sections["weak_units"] = [Section(key="weak_units", title=_("Weak units"), tables=[plans])]
    data, data_line = _data_table(inputs)
    sections["data_quality"] = [
        Section(key="data_quality", title=_("Data quality"), paragraphs=[data_line], tables=[data])
    ]
    if inputs.ranking:
        sections["league"] = [
            Section(key="league", title=_("League table"), tables=[_league_table(inputs, units)])
        ]
    texts = narratives(product=inputs.product, scope=inputs.scope, period=inputs.period.key)
    for key, heading in (
        ("consultation", _("Conclusions of the consultation meeting")),
        ("next_steps", _("Next steps")),
    ):
        body = [p for p in texts.get(key, "").splitlines() if p.strip()]
        sections[key] = [Section(key=key, title=heading, paragraphs=body or [DASH])]
    appendix = [_units_table(values, units, figs, line) for line in lines]
    sections["appendix"] = [
        Section(
            key="appendix",
            title=_("Appendix: values of the units"),
            paragraphs=[
                _("Each unit's values and colours are in the Excel edition of this document.")
            ],
            tables=appendix,
        )
    ]
    summary = Section(
        key="summary",
        title=_("Summary"),
        paragraphs=_summary(inputs, figs, units, len(warnings.rows), len(plans.rows), data_line),
    )
    sections["summary"] = [summary]
    ordered = [
        s for key in inputs.template.order(ranking=inputs.ranking) for s in sections.get(key, [])
    ]
    header = Header(
        issuer=inputs.issuer,
        title=title,
        number=inputs.template.number_for(inputs.period),
        issued_on=inputs.issued_on,
        marking=inputs.marking,
    )
    return Content(header=header, sections=ordered, stamp=inputs.stamp)


def bulletin_inputs(
    *, scope: Unit, period: str, user: Any, template: Template, product: str = "bulletin"
) -> Inputs:
    runs = find_runs(scope, period, template.scheme)
    scheme = scheme_of(runs.now.scheme_version)
    policy = policy_for(scope)
    visible = visibility_for(user, scheme)
    published = runs.now.published_at or runs.now.finished_at or timezone.now()
    stamp = published.astimezone(dt.UTC).replace(microsecond=0)
    province = province_of(scope)
    return Inputs(
        scope=scope,
        period=Period.parse(period),
        runs=runs,
        scheme=scheme,
        template=template,
        ranking=policy.ranking == RankingMode.RANKING and visible.ranks,
        marking=template.marking if template.marking is not None else policy.marking,
        issuer=policy.issuer or province.name_zh,
        issued_on=timezone.localdate(published),
        stamp=stamp,
        user=user,
        product=product,
    )
