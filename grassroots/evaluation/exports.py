"""The evaluation pages' tables as files sent upward (grassroots/tables.py writes them): the
league table with the page's filters and order, the heatmap's values table, and a run's early
warnings as listed."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.evaluation.charts import HeatCell, Heatmap, node_name
from grassroots.evaluation.charts import unit_name as unit_name_of
from grassroots.evaluation.models import EarlyWarning, EvaluationRun
from grassroots.evaluation.selectors import League, scope_root
from grassroots.evaluation.warnings import evidence_text
from grassroots.i18n import english, period_label, unit_name
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import issuing_unit
from grassroots.tables import Column, Kind, TableExport, colour_word

SORT_NOTES = {
    "score": gettext_lazy("Ordered by score"),
    "rank": gettext_lazy("Ordered by rank"),
    "change": gettext_lazy("Ordered by score change"),
    "city": gettext_lazy("Ordered by city"),
    "code": gettext_lazy("Ordered by unit code"),
}


def league_export(league: League, user: Any) -> TableExport:
    """The rows the league page shows (its city, aspect and colour filters), in its order, with
    ranks only where the role and the province's ranking policy show them (``league.visible``);
    without ranks the order is the unit code's (`allowed_sort`), so it leaks none."""
    run, visible = league.run, league.visible
    ranks = visible.ranks
    columns = [
        Column(_("Code")),
        Column(_("Unit")),
        Column(_("City of the unit")),
        Column(_("Score"), Kind.NUMBER),
    ]
    if ranks:
        columns += [
            Column(_("Rank in city"), Kind.INTEGER),
            Column(_("Rank in province"), Kind.INTEGER),
        ]
        columns += [Column(_("Rank in nation"), Kind.INTEGER)] if league.national else []
        columns.append(Column(_("Rank interval"), centred=True))
    if visible.colours:
        columns.append(Column(_("Colour"), Kind.COLOUR))
    columns.append(Column(_("Score change"), Kind.NUMBER, signed=True))
    if ranks:
        columns.append(Column(_("Rank change"), Kind.INTEGER, signed=True))
    rows: list[list[object]] = []
    for row in league.rows:
        cells: list[object] = [row.code, row.name, row.city_name, row.score]
        if ranks:
            interval = (
                f"{row.rank_q05:.0f}–{row.rank_q95:.0f}"
                if row.rank_q05 is not None and row.rank_q95 is not None
                else ""
            )
            cells += [row.rank_peer, row.rank_province]
            cells += [row.rank_nation] if league.national else []
            cells.append(interval)
        if visible.colours:
            cells.append(row.colour)
        cells.append(row.score_change)
        if ranks:
            cells.append(row.rank_change)
        rows.append(cells)
    within = league.within or league.root
    notes = []
    if league.node.code != league.scheme.root.code:
        notes.append(_("Aspect: %(aspect)s") % {"aspect": node_name(league.node)})
    if league.colour and visible.colours:
        notes.append(_("Colour: %(colour)s") % {"colour": colour_word(league.colour)})
    notes.append(str(SORT_NOTES.get(str(league.sort), SORT_NOTES["code"])))
    if not ranks:
        notes.append(_("No ranks are shown; units are listed by code."))
    if league.previous is not None:
        notes.append(
            _("Change compared with %(period)s.") % {"period": period_label(league.previous.period)}
        )
    period = period_label(run.period)
    scheme = node_name(league.scheme.root)
    return TableExport(
        title=_("League table of %(period)s (%(scheme)s)") % {"period": period, "scheme": scheme},
        scope=unit_name(within),
        period=period,
        issuer=issuing_unit(user),
        columns=columns,
        rows=rows,
        file_stem=(
            f"{'provisional-' if run.provisional else ''}"
            f"{_('League table')}-{run.period}-{unit_name(within)}"
        ),
        notes=notes,
        frozen_columns=2,
        warning=_("Provisional: read data the province has not accepted")
        if run.provisional
        else "",
    )


def warnings_export(
    *, run: EvaluationRun, found: list[EarlyWarning], node_names: dict[str, str], user: Any
) -> TableExport:
    """The warnings the page lists (its filters applied), with the unit's and its city's names
    and the evidence in words."""
    units = {
        code: (unit_name_of(zh, en), unit_name_of(czh or "", cen))
        for code, zh, en, czh, cen in Unit.objects.filter(
            code__in={w.unit_code for w in found}
        ).values_list("code", "name_zh", "name_en", "parent__name_zh", "parent__name_en")
    }
    columns = [
        Column(_("Kind")),
        Column(_("Code")),
        Column(_("Unit")),
        Column(_("City of the unit")),
        Column(_("Indicator")),
        Column(_("Warning evidence")),
        Column(_("Periods running"), Kind.INTEGER),
        Column(_("State")),
        Column(_("Note on the warning")),
    ]
    rows: list[list[object]] = []
    for w in found:
        name, city = units.get(w.unit_code, ("", ""))
        rows.append(
            [
                w.get_kind_display(),
                w.unit_code,
                name,
                city,
                node_names.get(w.node, w.node),
                evidence_text(w, node_names),
                w.periods,
                w.get_state_display(),
                w.note,
            ]
        )
    period = period_label(run.period)
    root = scope_root(user)
    return TableExport(
        title=_("Early warnings, %(period)s") % {"period": period},
        scope=unit_name(root),
        period=period,
        issuer=issuing_unit(user),
        columns=columns,
        rows=rows,
        file_stem=f"{_('Early warnings')}-{run.period}-{unit_name(root)}",
        frozen_columns=3,
    )


MARK = {"green": "●", "yellow": "▲", "red": "■"}


def _heat_text(cell: HeatCell) -> str:
    """A heatmap cell as the table shows it: "● 23.4%", "17 件", "—" for no data."""
    if cell.value is None:
        return "—"
    return f"{MARK[cell.colour]} {cell.text}" if cell.colour in MARK else cell.text


def heatmap_export(*, run: EvaluationRun, heat: Heatmap, within: Unit, user: Any) -> TableExport:
    """The heatmap's table as the page shows it (its city filter and order): each indicator's
    value with its unit, marked with its colour's shape where the role sees colours."""
    cities = dict(
        Unit.objects.filter(code__in=[r.code for r in heat.rows]).values_list(
            "code", "parent__name_zh" if not english() else "parent__name_en"
        )
    )
    columns = [Column(_("Code")), Column(_("Unit")), Column(_("City of the unit"))]
    for col, unit in heat.labelled_columns:
        header = node_name(col.indicator)
        columns.append(Column(f"{header} {_('(%(unit)s)') % {'unit': unit}}" if unit else header))
    rows: list[list[object]] = [
        [
            row.code,
            row.name,
            cities.get(row.code) or "",
            *[_heat_text(c) for c in row.cells],
        ]
        for row in heat.rows
    ]
    period = period_label(run.period)
    notes = [_("Each indicator's value in its unit, with the colour's shape; — means no data.")]
    return TableExport(
        title=_("Heatmap, %(period)s") % {"period": period},
        scope=unit_name(within),
        period=period,
        issuer=issuing_unit(user),
        columns=columns,
        rows=rows,
        file_stem=f"{_('Heatmap')}-{run.period}-{unit_name(within)}",
        notes=notes,
        frozen_columns=2,
        warning=_("Provisional: read data the province has not accepted")
        if run.provisional
        else "",
    )
