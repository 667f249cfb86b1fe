"""Reads for pages, API and CLI: plan counts, ledger totals, target checks, the board."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from grassroots.assistance.exits.standard import standard_scheme
from grassroots.assistance.models import (
    ActivityKind,
    Designation,
    ExitAssessment,
    ItemStatus,
    Measure,
    MeasureStatus,
    Problem,
    Target,
    WeakStatus,
)
from grassroots.assistance.models import TargetCheck as StoredCheck
from grassroots.assistance.selection import (
    RelapseRule,
    RelapseWarning,
    in_watch,
    rank_history,
    relapse_warnings,
    target_met,
)
from grassroots.assistance.stored import (
    latest_runs,
    rank_visibility,
    results_for,
    scope_path,
    stored_periods,
)
from grassroots.assistance.targets import directions, evaluate, run_values
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.periods import Period
from grassroots.engine.scheme import load_scheme
from grassroots.evaluation.models import EvaluationRun
from grassroots.i18n import english, period_label
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import visible_units

TARGET_SCHEME = "core-business"


def designations_for(user: Any) -> QuerySet[Designation]:
    """Designations of the units the user may see (every page and endpoint starts here)."""
    return Designation.objects.filter(unit__in=visible_units(user)).select_related("unit")


@dataclass(frozen=True)
class PlanCounts:
    problems: int
    measures: int
    done: int
    overdue: int


def plan_counts(designations: QuerySet[Designation], *, today: dt.date) -> PlanCounts:
    """ "35 problems, 99 measures, 81 done, 6 overdue" over these designations."""
    measures = Measure.objects.filter(designation__in=designations)
    return PlanCounts(
        problems=Problem.objects.filter(designation__in=designations).count(),
        measures=measures.count(),
        done=measures.filter(status=MeasureStatus.DONE).count(),
        overdue=overdue_measures(measures, today=today).count(),
    )


def overdue_measures(measures: QuerySet[Measure], *, today: dt.date) -> QuerySet[Measure]:
    return measures.exclude(status=MeasureStatus.DONE).filter(deadline__lt=today)


def posts_exchanged(designations: QuerySet[Designation]) -> int:
    """People sent on temporary post exchanges ("119 posts exchanged")."""
    total = (
        designations.filter(activities__kind=ActivityKind.POST_EXCHANGE)
        .aggregate(n=Sum("activities__people"))
        .get("n")
    )
    return int(total or 0)


def _directions() -> dict[str, str]:
    catalogue_name = load_scheme(TARGET_SCHEME).catalogue or "spp-case-quality"
    catalogue = load_catalogue(catalogue_name)
    return {code: ind.direction.value for code, ind in catalogue.indicators.items()}


@dataclass(frozen=True)
class TargetCheck:
    target: Target
    value: float | None
    met: bool | None


def check_targets(
    designation: Designation, values: dict[tuple[str, str], float]
) -> list[TargetCheck]:
    """Each target against the unit's result for its period (None: no result yet)."""
    directions = _directions()
    checks = []
    for target in designation.targets.all():
        value = values.get((target.indicator, target.period))
        direction = directions.get(target.indicator, "higher")
        met = target_met(direction=direction, target=target.value, value=value)
        checks.append(TargetCheck(target, value, met))
    return checks


@dataclass(frozen=True)
class TargetOutcome:
    """A target against the latest finished run of its period (run None: no run yet).

    ``stored`` tells whether the outcome is the check stored when that run finished, or
    computed now (the target was set after the run)."""

    target: Target
    run: EvaluationRun | None
    value: float | None
    met: bool | None
    stored: bool


def target_checks(designation: Designation) -> list[TargetOutcome]:
    """Each of the designation's targets checked against the latest stored run of its period."""
    targets = list(designation.targets.select_related("designation__unit"))
    runs = latest_runs(path=designation.unit.path, periods={t.period for t in targets})
    stored = {
        (c.target_id, c.run_id): c
        for c in StoredCheck.objects.filter(target__in=targets, run__in=list(runs.values()))
    }
    ways = directions()
    outcomes = []
    for target in targets:
        run = runs.get(target.period)
        if run is None:
            outcomes.append(TargetOutcome(target, None, None, None, stored=False))
            continue
        check = stored.get((target.pk, run.pk))
        if check is not None:
            outcomes.append(TargetOutcome(target, run, check.value, check.met, stored=True))
            continue
        value, met = evaluate(target, run, run_values(run, [target]), ways)
        outcomes.append(TargetOutcome(target, run, value, met, stored=False))
    return outcomes


@dataclass(frozen=True)
class RankRow:
    period: str
    score: float | None
    rank: int | None
    ranked: int
    bottom: bool
    rank_q05: float | None = None
    rank_q95: float | None = None

    @property
    def interval(self) -> str:
        """ "9–15" (the 5 %–95 % rank interval), "" without sensitivity."""
        if self.rank_q05 is None or self.rank_q95 is None:
            return ""
        return f"{self.rank_q05:.0f}–{self.rank_q95:.0f}"


@dataclass(frozen=True)
class RelapseStatus:
    """An exited unit under watch: the warning (if any), its kind, and the periods read."""

    warning: RelapseWarning | None
    watched_periods: list[RankRow]
    rule: RelapseRule


@dataclass(frozen=True)
class BoardRow:
    designation: Designation
    partner: str
    measures_done: int
    measures_overdue: int
    measures: int
    targets: int
    exit_state: str
    targets_met: int = 0
    targets_checked: int = 0
    missed: tuple[TargetOutcome, ...] = ()
    relapse: RelapseStatus | None = None
    partner_unit: Unit | None = None


def board(user: Any, *, today: dt.date, rule: RelapseRule | None = None) -> list[BoardRow]:
    """The province's weak-unit board: one row per current or past designation in scope, with
    targets met (latest stored run of each target's period) and relapse status after exit."""
    rule = rule or RelapseRule()
    designations = list(
        designations_for(user).select_related("pairing__partner").prefetch_related("measures")
    )
    relapses = relapse_statuses(user, designations, rule=rule)
    rows = []
    for d in designations:
        measures = list(d.measures.all())
        pairing = getattr(d, "pairing", None)
        outcomes = target_checks(d)
        checked = [o for o in outcomes if o.met is not None]
        rows.append(
            BoardRow(
                designation=d,
                partner=str(pairing.partner) if pairing else "",
                measures=len(measures),
                measures_done=sum(m.status == MeasureStatus.DONE for m in measures),
                measures_overdue=sum(m.is_overdue(today) for m in measures),
                targets=len(outcomes),
                exit_state=_exit_state(d),
                targets_met=sum(bool(o.met) for o in checked),
                targets_checked=len(checked),
                missed=tuple(
                    o for o in checked if o.met is False and d.status != WeakStatus.EXITED
                ),
                relapse=relapses.get(d.pk),
                partner_unit=pairing.partner if pairing else None,
            )
        )
    return rows


def relapse_statuses(
    user: Any, designations: list[Designation], *, rule: RelapseRule
) -> dict[int, RelapseStatus]:
    """Designation id → relapse status, for exited designations with an exit period, read from
    the stored runs of the periods after exit (within the rule's months)."""
    exited = {d.pk: d for d in designations if d.status == WeakStatus.EXITED and d.exit_period}
    if not exited:
        return {}
    periods = stored_periods(path=scope_path(user))
    frame = results_for(user, periods=periods)
    codes = {d.unit.code: d.exit_period for d in exited.values()}
    warnings = {w.unit_code: w for w in relapse_warnings(frame, codes, rule=rule)}
    history = rank_history(frame, list(codes), share=rule.share) if not frame.empty else None
    ranks = rank_visibility(user).ranks
    out = {}
    for pk, d in exited.items():
        rows = [] if history is None else _watched_rows(history, d, rule, ranks=ranks)
        out[pk] = RelapseStatus(warnings.get(d.unit.code), rows, rule)
    return out


def _watched_rows(history: Any, d: Designation, rule: RelapseRule, *, ranks: bool) -> list[RankRow]:
    """The periods watched after exit; the rank only for a role that may see ranks."""
    mine = history[history["unit_code"] == d.unit.code]
    rows = []
    for r in mine.itertuples():
        if not in_watch(str(r.period), d.exit_period, rule.months):
            continue
        rows.append(
            RankRow(
                period=str(r.period),
                score=None if r.score is None or r.score != r.score else float(r.score),
                rank=None
                if not ranks or r.rank_all != r.rank_all or r.rank_all is None
                else int(r.rank_all),
                ranked=int(r.ranked),
                bottom=bool(r.bottom),
            )
        )
    return rows


def _exit_state(d: Designation) -> str:
    """Exit readiness: the status once past designation, else the latest checklist's items met."""
    if d.status != WeakStatus.DESIGNATED:
        return str(WeakStatus(d.status).label)
    latest = ExitAssessment.objects.filter(designation=d).order_by("-id").first()
    if latest is None:
        return ""
    items = list(latest.items.values_list("status", flat=True))
    return f"{items.count(ItemStatus.MET)}/{len(items)}"


STATUS_COLOURS = {"done": "#2e7d32", "in_progress": "#f0a202", "planned": "#6c7a89"}
OVERDUE_COLOUR = "#c62828"


def wall_chart_option(designations: QuerySet[Designation], *, today: dt.date) -> dict[str, Any]:
    """An ECharts option: one bar per measure from creation to deadline, coloured by status.

    Bars are a custom-free encoding (a stacked bar: an invisible offset, then the duration) so
    the chart needs no JS callbacks beyond date labels and no inline styles; overdue measures are red.
    """
    measures = list(
        Measure.objects.filter(designation__in=designations)
        .select_related("designation__unit")
        .order_by("deadline", "id")
    )
    labels = [f"{m.designation.unit.name_zh} · {m.title}" for m in measures]
    start = min((m.created_on for m in measures), default=today)
    offsets = [(m.created_on - start).days for m in measures]
    bars: list[dict[str, Any]] = [
        {
            "value": (m.deadline - m.created_on).days,
            "itemStyle": {
                "color": OVERDUE_COLOUR if m.is_overdue(today) else STATUS_COLOURS[m.status]
            },
            # The full unit and measure in the tooltip: the axis label may be cut short.
            "name": f"{label}\n{m.deadline.isoformat()} {m.get_status_display()}",
        }
        for m, label in zip(measures, labels, strict=True)
    ]
    ends = [o + b["value"] for o, b in zip(offsets, bars, strict=True)]
    span = max(ends, default=30) + 14
    today_days = (today - start).days
    series: list[dict[str, Any]] = [
        {
            "type": "bar",
            "stack": "t",
            "data": offsets,
            "itemStyle": {"color": "transparent"},
            "tooltip": {"show": False},
        },
        {"type": "bar", "stack": "t", "data": bars},
    ]
    if 0 <= today_days <= span:
        # Only when today falls on the chart: a line far to the right would squash every bar.
        series[1]["markLine"] = {
            "symbol": "none",
            "silent": True,
            "label": {"formatter": str(_("today"))},
            "data": [{"xAxis": today_days}],
        }
    return {
        "start": start.isoformat(),
        "grid": {"left": 260, "right": 30, "top": 30, "bottom": 40},
        "tooltip": {"trigger": "item", "renderMode": "richText"},
        "xAxis": {"type": "value", "min": 0, "max": span},
        # The unit's name leads each label and the measure's title is cut to fit (…), so no
        # name runs off the chart's left edge.
        "yAxis": {
            "type": "category",
            "data": labels,
            "inverse": True,
            "axisLabel": {"width": 245, "overflow": "truncate", "ellipsis": "…"},
        },
        "series": series,
    }


@dataclass(frozen=True)
class ExitRow:
    item: Any  # ExitItem
    name: str
    heading: str
    reason: str  # the engine's reason, said in the page's language


_MEASURES = {
    "score": _lazy("score"),
    "value": _lazy("value"),
    "rank_peer": _lazy("rank in the peer group"),
    "rank_all": _lazy("rank in the province"),
    "peer_position": _lazy("position in the peer group (0 top, 1 bottom)"),
    "colour": _lazy("colour"),
}
_OPS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠"}
_COLOURS = {"red": _lazy("red"), "yellow": _lazy("yellow"), "green": _lazy("green")}
_QUALITATIVE = re.compile(r"^qualitative: a reviewer decides on the evidence(?: \((?P<e>.*)\))?$")
_NEEDS = re.compile(r"^needs (?P<n>\d+) periods of results, have (?P<m>\d+)$")
_CONDITION = re.compile(
    r"^(?P<node>\S+) (?P<measure>\w+) (?P<op>\w+) (?P<value>\S+) "
    r"\[(?P<require>all|any) of (?P<periods>[^\]]*)\]; (?P<shown>.*?)"
    r"(?: \(no result for (?P<gaps>[^)]*)\))?$"
)


# Measures whose values are ranks or stand for one (a position in a peer group of 12 is a rank):
# where the ranking policy hides ranks from the reader, the values found are not shown.
RANK_MEASURES = frozenset({"rank_peer", "rank_all", "peer_position"})


def exit_reason(reason: str, nodes: dict[str, str], *, ranks: bool = True) -> str:
    """An exit item's reason as the engine wrote it (``core-business peer_position lt 0.6667
    [all of 2024Q3, 2024Q4]; 2024Q3: 0.5, 2024Q4: 0.8``), said in the page's language with the
    node's name; a reason of another shape is shown as it is. ``ranks`` False (the ranking
    policy hides ranks from the reader): the values of a rank measure are left out, the
    condition and whether it was met stay."""
    if match := _QUALITATIVE.match(reason):
        said = _("qualitative: a reviewer decides on the evidence")
        # The shipped standard's evidence is English (grassroots/locale has its Chinese); a
        # province's own evidence is shown as written.
        evidence = match.group("e")
        return (
            _("%(said)s (%(evidence)s)") % {"said": said, "evidence": _(evidence)}
            if evidence
            else said
        )
    if match := _NEEDS.match(reason):
        return _("needs %(n)s periods of results, has %(m)s") % match.groupdict()
    match = _CONDITION.match(reason)
    if match is None:
        return reason
    m = match.groupdict()

    def shown(value: str) -> str:
        return str(_COLOURS.get(value, value))

    comma = pgettext("list separator", ", ")
    periods = comma.join(period_label(p.strip()) for p in m["periods"].split(","))
    condition = "%s %s %s %s" % (  # noqa: UP031
        nodes.get(m["node"], m["node"]),
        _MEASURES.get(m["measure"], m["measure"]),
        _OPS.get(m["op"], m["op"]),
        shown(m["value"]),
    )
    require = (
        _("in every period of %(periods)s") if m["require"] == "all"
        else _("in one period of %(periods)s")
    ) % {"periods": periods}  # fmt: skip
    if not ranks and m["measure"] in RANK_MEASURES:
        return _("%(condition)s %(require)s; the positions found are not shown under the "
                 "province's ranking policy") % {"condition": condition, "require": require}  # fmt: skip
    values = [part.split(": ", 1) for part in m["shown"].split(", ") if ": " in part]
    said = comma.join(
        _("%(period)s: %(value)s") % {"period": period_label(p), "value": shown(v)}
        for p, v in values
    )
    text = _("%(condition)s %(require)s; found %(values)s") % {
        "condition": condition,
        "require": require,
        "values": said,
    }
    if m["gaps"]:
        gaps = comma.join(period_label(p.strip()) for p in m["gaps"].split(","))
        text += _(" (no result for %(periods)s)") % {"periods": gaps}
    return text


def _node_names(based_on: str) -> dict[str, str]:
    """The names of the nodes of the scheme an exit standard is based on, in the page's language."""
    from grassroots.evaluation.charts import node_name
    from grassroots.evaluation.errors import RunError
    from grassroots.evaluation.schemes import latest_scheme_version, scheme_of

    try:
        scheme = scheme_of(latest_scheme_version(based_on))
    except RunError:  # no stored scheme: the reason keeps its codes
        return {}
    return {node.code: node_name(node) for node, _level in scheme.nodes()}


def exit_rows(assessment: ExitAssessment, *, ranks: bool) -> list[ExitRow]:
    """The assessment's items with their names and headings from the exit standard, in the
    page's language (the record keeps codes, so a renamed item still reads as it was decided).
    ``ranks``: whether the reader may see ranks (positions are left out of reasons if not)."""
    scheme = standard_scheme(assessment.standard)  # the version it was assessed against
    in_english = english()
    names = {i.code: i.name_en if in_english else i.name_zh for i in scheme.items}
    headings = {h.code: h.name_en if in_english else h.name_zh for h in scheme.headings}
    nodes = _node_names(scheme.based_on) if scheme.based_on else {}
    return [
        ExitRow(
            item,
            names.get(item.code, item.code),
            headings.get(item.heading, item.heading),
            exit_reason(item.reason, nodes, ranks=ranks),
        )
        for item in assessment.items.all()
    ]


def exit_shortfalls(assessment: ExitAssessment) -> list[str]:
    """Where the assessment falls short of the standard, in the page's language; empty when exit
    follows the standard: every quantitative item met on periods after the designation and every
    qualitative item decided as met."""
    shortfalls = []
    items = list(assessment.items.all())
    scheme = standard_scheme(assessment.standard)
    in_english = english()
    names = {i.code: i.name_en if in_english else i.name_zh for i in scheme.items}
    labels = {True: gettext("quantitative items not met: %(items)s"),
              False: gettext("qualitative items not met: %(items)s")}  # fmt: skip
    for quantitative, label in labels.items():
        unmet = [
            f"{i.code} {names[i.code]}" if i.code in names else i.code
            for i in items
            if i.quantitative is quantitative and i.status != ItemStatus.MET
        ]
        if unmet:
            shortfalls.append(label % {"items": ", ".join(unmet)})
    since = assessment.designation.designated_on
    early = [p for p in assessment.periods if Period.parse(p).start < since]
    if early:
        shortfalls.append(
            gettext("periods that began before the designation (%(day)s): %(periods)s")
            % {"day": since.isoformat(), "periods": ", ".join(early)}
        )
    if not assessment.periods:
        shortfalls.append(gettext("no periods were assessed"))
    return shortfalls


def measures_completed_in(quarter: str) -> dict[str, int]:
    """Measures done within the quarter, per unit code (an input of the contribution ranking)."""
    period = Period.parse(quarter)
    done = Measure.objects.filter(
        status=MeasureStatus.DONE, done_on__gte=period.start, done_on__lte=period.end
    ).values_list("designation__unit__code", flat=True)
    counts: dict[str, int] = {}
    for code in done:
        counts[code] = counts.get(code, 0) + 1
    return counts
