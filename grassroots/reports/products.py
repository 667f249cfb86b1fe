"""The office's documents besides the bulletin family: the unit profile, the weak-unit plan
progress report and the exit-assessment record, on the same content model and renderers.

As in the bulletin, every figure is read from what is stored: the published runs' results (the
profile), the rectification plans' measures (the progress report) and the exit assessment's
items as they were decided (the record).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.assistance.models import (
    ExitAssessment,
    ItemStatus,
    Measure,
    MeasureStatus,
    WeakStatus,
)
from grassroots.assistance.plans.selectors import measures_due_by
from grassroots.assistance.selectors import designations_for, exit_rows, exit_shortfalls
from grassroots.engine.periods import Period
from grassroots.evaluation.models import WarningKind
from grassroots.evaluation.permissions import Visible
from grassroots.evaluation.warnings import evidence_text, stored_warnings
from grassroots.organisations.models import Level, Unit
from grassroots.reports.bulletin import (
    LINES,
    Inputs,
    _figure_of,
    _trend_section,
    _units,
    _values,
    figures,
    period_label,
    plans_table,
)
from grassroots.reports.content import (
    DASH,
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
from grassroots.reports.selectors import policy_for, province_of
from grassroots.reports.templates_spec import Template


@dataclass
class Made:
    """A document's content and what it was made from (stored on the `Document`)."""

    content: Content
    period: str
    template: Template
    ranking: bool
    runs: dict[str, Any] = field(default_factory=dict)
    data_versions: dict[str, Any] = field(default_factory=dict)


def _ordered(
    template: Template, sections: dict[str, list[Section]], ranking: bool
) -> list[Section]:
    return [s for key in template.order(ranking=ranking) for s in sections.get(key, [])]


def _require_unit(scope: Unit, what: str) -> None:
    if scope.level != Level.GRASSROOTS:
        raise ReportError(
            _("The %(product)s is made for a grassroots unit, not for %(scope)s.")
            % {"product": what, "scope": scope.name_zh}
        )


# --- unit profile ---------------------------------------------------------------------------


def unit_profile(inputs: Inputs) -> Content:
    """One unit's figures of the period beside its city's and its province's medians, their
    changes, its trend, its warnings and, if it is a weak unit, its plan."""
    scope = inputs.scope
    units = {scope.code: scope}
    figs = figures(inputs, units)
    province = province_of(scope)
    province_units = _units(province)
    in_province = _values(inputs.runs.now, province.path, set(province_units))
    own = _values(inputs.runs.now, scope.path, {scope.code})
    headers = [
        _("Indicator"),
        _("Unit of measure"),
        _("Value"),
        _("Colour"),
        _("Median of the city's units"),
        _("Median of the province's units"),
        _("Change on previous period (环比)"),
        _("Change on last year (同比)"),
    ]
    if inputs.ranking:
        headers += [_("Rank in province"), _("Rank interval (5%–95%)")]
    table = Table(title=_("Figures of the unit"), sheet="本院数值", headers=headers)
    colours: Counter[str] = Counter()
    codes = sorted(province_units)
    for f in figs:
        value, colour, _score, rank, q05, q95 = own.get(
            (scope.code, f.node.code), (None, "", None, None, None, None)
        )
        colours[colour or "grey"] += 1
        row = [
            text_cell(f.node.name_zh),
            text_cell(f.unit or DASH),
            number_cell(f.now),
            colour_cell(colour or "grey"),
            number_cell(statistics.median(f.values) if f.values else None),
            number_cell(_figure_of(in_province, province, codes, f.node.code)),
            change_cell(f.now, f.previous),
            change_cell(f.now, f.last_year),
        ]
        if inputs.ranking:
            interval = f"{q05:.0f}–{q95:.0f}" if q05 is not None and q95 is not None else DASH
            row += [number_cell(rank, digits=0), text_cell(interval)]
        table.rows.append(row)
    city = scope.parent.name_zh if scope.parent else DASH
    summary = [
        _(
            "Profile of %(unit)s (%(city)s) for %(period)s, from the evaluation run published on "
            "%(published)s."
        )
        % {
            "unit": scope.name_zh,
            "city": city,
            "period": period_label(inputs.period),
            "published": inputs.issued_on.isoformat(),
        },
        _(
            "Colours of its %(n)d indicators: %(green)d green, %(yellow)d yellow, %(red)d red, "
            "%(grey)d without data."
        )  # fmt: skip
        % {
            "n": len(figs),
            "green": colours["green"],
            "yellow": colours["yellow"],
            "red": colours["red"],
            "grey": colours["grey"],
        },
    ]
    sections: dict[str, list[Section]] = {
        "summary": [Section(key="summary", title=_("Summary"), paragraphs=summary)],
        "values": [
            Section(
                key="values",
                title=_("Figures of the period"),
                paragraphs=[
                    _("Business lines: %(lines)s.")
                    % {
                        "lines": "、".join(
                            dict.fromkeys(LINES.get(f.line, f.line) for f in figs if f.line)
                        )
                    }
                ],
                tables=[table],
            )
        ],
        "trend": [_trend_section(inputs, units, figs)],
        "warnings": [_unit_warnings(inputs)],
        "weak_units": [_unit_plan(inputs)],
    }
    return Content(
        header=_header(
            inputs.template, inputs.period, inputs.issuer, inputs.issued_on, inputs.marking, scope
        ),
        sections=_ordered(inputs.template, sections, inputs.ranking),
        stamp=inputs.stamp,
    )


def _header(
    template: Template, period: Period, issuer: str, issued_on: dt.date, marking: str, scope: Unit
) -> Header:
    return Header(
        issuer=issuer,
        title=f"{scope.name_zh}{template.title_for(period)}",
        number=template.number_for(period),
        issued_on=issued_on,
        marking=marking,
    )


def _unit_warnings(inputs: Inputs) -> Section:
    visible = Visible(ranks=inputs.ranking, colours=True)
    names = {n.code: n.name_zh for n, _depth in inputs.scheme.nodes()}
    kinds = dict(WarningKind.choices)
    table = Table(
        title=_("Warnings of the period"),
        sheet="预警",
        headers=[_("Indicator"), _("Warning"), _("First period of the warning"), _("Evidence")],
    )
    rows = stored_warnings(run=inputs.runs.now, path=inputs.scope.path, visible=visible)
    for w in sorted(rows, key=lambda w: (w.node, w.kind)):
        if not inputs.ranking and w.kind == WarningKind.RANK_DROP:
            continue
        table.rows.append(
            [
                text_cell(names.get(w.node, w.node)),
                text_cell(str(kinds.get(w.kind, w.kind))),
                text_cell(w.first_period),
                text_cell(evidence_text(w, names)),
            ]
        )
    paragraphs = [] if table.rows else [_("No warnings in the period.")]
    return Section(key="warnings", title=_("Warnings"), paragraphs=paragraphs, tables=[table])


def _unit_plan(inputs: Inputs) -> Section:
    day = min(inputs.period.end, inputs.issued_on)
    table = plans_table(inputs.user, inputs.scope, day)
    paragraphs = [] if table.rows else [_("The unit is not a relatively weak unit in the period.")]
    return Section(key="weak_units", title=_("Weak units"), paragraphs=paragraphs, tables=[table])


# --- weak-unit plan progress ----------------------------------------------------------------


def _day_of(period: Period) -> dt.date:
    return min(period.end, timezone.localdate())


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


MEASURE_STATES = {
    "done": "已完成",
    "overdue": "已逾期",
    "due": "已到期",
    "open": "未到期",
}


def measure_state(measure: Measure, day: dt.date) -> str:
    """done (by ``day``), overdue (deadline passed before ``day``, not done), due (deadline is
    ``day``), open: as the plan stood on ``day``, the same rule as `quarterly_counts`."""
    if measure.status == MeasureStatus.DONE and (measure.done_on or measure.created_on) <= day:
        return "done"
    if measure.deadline < day:
        return "overdue"
    if measure.deadline == day:
        return "due"
    return "open"


def plan_progress(
    *, scope: Unit, period: Period, user: Any, template: Template
) -> tuple[Content, dict[str, Any]]:
    day = _day_of(period)
    policy = policy_for(scope)
    designations = list(
        designations_for(user)
        .filter(unit__path__startswith=scope.path, designated_on__lte=day)
        .exclude(status=WeakStatus.EXITED)
        .select_related("unit", "unit__parent")
        .order_by("unit__code", "designated_on")
    )
    plans = plans_table(user, scope, day)
    measures = Table(
        title=_("Measures of the plans"),
        sheet="整改措施",
        headers=[
            _("Unit"),
            _("Measure"),
            _("Responsible leader"),
            _("Responsible department"),
            _("Deadline"),
            _("State"),
            _("Done on"),
        ],
    )
    states: Counter[str] = Counter()
    for d in designations:
        for m in d.measures.filter(created_on__lte=day).order_by("deadline", "id"):
            state = measure_state(m, day)
            states[state] += 1
            measures.rows.append(
                [
                    text_cell(d.unit.name_zh),
                    text_cell(m.title),
                    text_cell(m.leader),
                    text_cell(m.department),
                    text_cell(m.deadline.isoformat()),
                    text_cell(MEASURE_STATES[state]),
                    text_cell(m.done_on.isoformat() if m.done_on and state == "done" else DASH),
                ]
            )
    summary = [
        _(
            "Progress of the rectification plans of %(scope)s as of %(day)s: %(units)d weak units, "
            "%(measures)d measures, %(due)d due, %(done)d done, %(overdue)d overdue."
        )  # fmt: skip
        % {
            "scope": scope.name_zh,
            "day": day.isoformat(),
            "units": len(designations),
            "measures": sum(states.values()),
            "due": sum(measures_due_by(d, day) for d in designations),
            "done": states["done"],
            "overdue": states["overdue"],
        }
    ]
    sections = {
        "summary": [Section(key="summary", title=_("Summary"), paragraphs=summary)],
        "plans": [Section(key="plans", title=_("Weak units"), tables=[plans])],
        "measures": [Section(key="measures", title=_("Measures of the plans"), tables=[measures])],
    }
    content = Content(
        header=_header(
            template,
            period,
            policy.issuer or province_of(scope).name_zh,
            day,
            _marking(template, policy.marking),
            scope,
        ),  # fmt: skip
        sections=_ordered(template, sections, False),
        stamp=_stamp(day),
    )
    return content, {"designations": [d.pk for d in designations]}


def _marking(template: Template, policy_marking: str) -> str:
    return template.marking if template.marking is not None else policy_marking


# --- exit-assessment record -----------------------------------------------------------------

ITEM_STATES = {ItemStatus.MET: "达到", ItemStatus.NOT_MET: "未达到", ItemStatus.UNDECIDED: "待定"}


def exit_assessment_for(user: Any, scope: Unit, period: Period) -> ExitAssessment:
    """The unit's newest exit assessment over periods up to ``period``."""
    found = (
        ExitAssessment.objects.filter(
            designation__in=designations_for(user), designation__unit=scope
        )
        .select_related("designation", "designation__unit", "standard")
        .order_by("-id")
    )
    for assessment in found:
        last = max((Period.parse(p).end for p in assessment.periods), default=None)
        if last is not None and last <= period.end:
            return assessment
    raise ReportError(
        _("No exit assessment of %(unit)s up to %(period)s.")
        % {"unit": scope.name_zh, "period": period.key}
    )


def exit_record(
    *, scope: Unit, period: Period, user: Any, template: Template
) -> tuple[Content, dict[str, Any]]:
    _require_unit(scope, _("exit-assessment record"))
    assessment = exit_assessment_for(user, scope, period)
    policy = policy_for(scope)
    day = assessment.decided_on or assessment.recommended_on or _day_of(period)
    table = Table(
        title=_("The standard's items"),
        sheet="评价事项",
        headers=[
            _("Item"),
            _("Heading"),
            _("Name"),
            _("Kind"),
            _("Result"),
            _("Evidence"),
        ],
    )
    # A document follows the province's ranking policy: positions only in ranking mode.
    for row in exit_rows(assessment, ranks=policy.ranking == RankingMode.RANKING):
        item = row.item
        table.rows.append(
            [
                text_cell(item.code),
                text_cell(row.heading),
                text_cell(row.name),
                text_cell(_("quantitative") if item.quantitative else _("qualitative")),
                text_cell(ITEM_STATES.get(item.status, item.status)),
                text_cell("；".join(t for t in (row.reason, item.evidence) if t) or DASH),
            ]
        )
    designation = assessment.designation
    decision = assessment.get_decision_display() if assessment.decision else _("not yet decided")
    summary = [
        _(
            "%(unit)s, designated a relatively weak unit on %(day)s; periods assessed: %(periods)s; "
            "standard: %(standard)s."
        )  # fmt: skip
        % {
            "unit": scope.name_zh,
            "day": designation.designated_on.isoformat(),
            "periods": "、".join(assessment.periods) or DASH,
            "standard": f"v{assessment.standard.version}" if assessment.standard else DASH,
        },
        _("%(met)d of %(n)d items met.")
        % {
            "met": sum(1 for i in assessment.items.all() if i.status == ItemStatus.MET),
            "n": assessment.items.count(),
        },
    ]
    decided = [
        _("Recommended on %(day)s by %(who)s.")
        % {
            "day": assessment.recommended_on.isoformat() if assessment.recommended_on else DASH,
            "who": assessment.recommended_by or DASH,
        },
        _("Decision: %(decision)s (on %(day)s by %(who)s).")
        % {
            "decision": decision,
            "day": assessment.decided_on.isoformat() if assessment.decided_on else DASH,
            "who": assessment.decided_by or DASH,
        },
    ]
    if assessment.override_reason:
        decided.append(
            _("Reason for deciding against the standard: %(reason)s")
            % {"reason": assessment.override_reason}
        )
    decided += [
        _("Short of the standard: %(what)s") % {"what": s} for s in exit_shortfalls(assessment)
    ]
    sections = {
        "summary": [Section(key="summary", title=_("Summary"), paragraphs=summary)],
        "items": [Section(key="items", title=_("Item by item"), tables=[table])],
        "decision": [
            Section(key="decision", title=_("Recommendation and decision"), paragraphs=decided)
        ],
    }
    content = Content(
        header=_header(
            template,
            period,
            policy.issuer or province_of(scope).name_zh,
            day,
            _marking(template, policy.marking),
            scope,
        ),  # fmt: skip
        sections=_ordered(template, sections, False),
        stamp=_stamp(day),
    )
    return content, {"exit_assessment": assessment.pk}


__all__ = ["Made", "exit_record", "plan_progress", "unit_profile"]
