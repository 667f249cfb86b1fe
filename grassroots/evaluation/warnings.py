"""Early warnings, stored per run: what changed for the worse, and what looks gamed.

``record_warnings(run=...)`` compares a finished run with the runs before it (same scheme, same
provinces) under the scheme's ``warnings`` rules and stores what it finds; recording a run again
changes nothing. Colour warnings fire on a change of colour; a unit red for the same node
several periods running is one warning whose period count grows, not one per period. Under a
rank-tier colour rule a third of every node is red by construction, so only nodes at most
``rank_tier_depth`` deep warn on colour (the whole scheme and its aspects by default). The
gaming check is the engine's (``engine.gaming``). Users acknowledge or resolve a warning with
a note (audited).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from grassroots.engine.gaming import COUNTED, RATIO, gaming_signs
from grassroots.engine.scheme import ColourRule, Scheme
from grassroots.evaluation.models import (
    EarlyWarning,
    EvaluationRun,
    RunStatus,
    WarningKind,
    WarningState,
)
from grassroots.evaluation.permissions import Visible
from grassroots.evaluation.schemes import scheme_of
from grassroots.evaluation.selectors import next_run, previous_run
from grassroots.i18n import english, period_label
from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Level, Unit

logger = logging.getLogger(__name__)
STREAK_LOOKBACK = 12  # periods read back to count a red streak
MAX_REACH = 40  # later periods walked at most to find the runs whose warnings read a period
COLOUR_KINDS = frozenset({WarningKind.NEWLY_RED, WarningKind.RED_RUNNING})
Cell = tuple[float | None, float | None, int | None, str]


@dataclass(frozen=True)
class Found:
    unit_code: str
    node: str
    kind: WarningKind
    first_period: str
    periods: int = 1
    evidence: dict[str, Any] = field(default_factory=dict)


def record_warnings(*, run: EvaluationRun) -> list[EarlyWarning]:
    """Store the warnings of a finished run (none for a failed one); idempotent per run."""
    if run.status != RunStatus.DONE:
        return []
    scheme = scheme_of(run.scheme_version)
    chain = _chain(run, _reach(run))
    paths = dict(
        Unit.objects.filter(level=Level.GRASSROOTS, code__in=_codes(run)).values_list(
            "code", "path"
        )
    )
    cells = [_cells(r, paths) for r in chain]
    found = _colour_and_rank(scheme, chain, cells) + _missing(scheme, cells[0], run.period)
    found += _gaming(scheme, chain, cells, run)
    with transaction.atomic():
        return [_store(run, scheme.name, f, paths[f.unit_code]) for f in found]


def record_warnings_on_publication(*, run: EvaluationRun) -> list[tuple[EvaluationRun, list[int]]]:
    """Store the warnings of a just-published run, then recompute those of the later published
    runs of its scope whose history it is (an earlier period published, or published again,
    after a later one: their red streaks and drops read it).

    The later runs are recomputed in period order, up to the first period without a published
    run or as far back as any of them reads (each run's scheme says how far). The run and its
    later runs are locked first, in period order, so two publications' follow-ups (a backlog of
    quarters published together) recompute one after the other, never the same rows at once.
    A later run's warnings that still hold stay the same rows (their state and note kept);
    those that no longer hold are deleted, their last state kept in the audit log, and what a
    user entered on one (state, note) is carried to the warning that replaces it for the same
    unit and indicator. Each later run whose warnings changed gets an audit entry naming the
    publication. A later run that cannot be recomputed is logged and left as it was: the
    published run's own warnings are stored whatever happens to the later ones. Returns each
    later run with the ids of its new or changed warnings (those its users have not been told
    of)."""
    if run.status != RunStatus.DONE:
        return []
    later = _later_runs(run)
    changes: list[tuple[EvaluationRun, list[int]]] = []
    with transaction.atomic():
        locked = [run.pk, *(r.pk for r in later)]
        list(EvaluationRun.objects.select_for_update().filter(pk__in=locked).order_by("period"))
        # What each later run had before anything moves (a streak row may move to the
        # published run and back).
        before = {r.pk: {w.pk: _signature(w) for w in r.warnings.all()} for r in later}
        entered = {r.pk: _entered(r) for r in later}
        record_warnings(run=run)
        reason = f"warnings recomputed: run {run.pk} ({run.period}) was published"
        for other in later:
            try:
                with transaction.atomic():  # a savepoint: one later run's failure is its own
                    changed = _recompute(other, before[other.pk], entered[other.pk], run, reason)
            except Exception:  # noqa: BLE001 - logged; the published run's warnings still stand
                logger.exception("warnings of run %s not recomputed after run %s", other.pk, run.pk)
                continue
            changes.append((other, changed))
    return changes


def _later_runs(run: EvaluationRun) -> list[EvaluationRun]:
    """The published runs after ``run`` (same scheme, provinces and scope), without gaps, as
    far as any of them reads back (the furthest reach of their schemes)."""
    later: list[EvaluationRun] = []
    after, distance = next_run(run), 1
    while after is not None and distance <= MAX_REACH:
        if distance < _reach(after):  # it reads back to ``run``'s period
            later.append(after)
        after, distance = next_run(after), distance + 1
    return later


def _reach(run: EvaluationRun) -> int:
    """How many periods (the run's own included) a run's warnings read: a red streak's
    look-back, or further where the scheme's gaming checks read more history."""
    return max(STREAK_LOOKBACK, scheme_of(run.scheme_version).warnings.gaming_history + 1)


def _entered(run: EvaluationRun) -> dict[int, tuple[Any, ...]]:
    """What users entered on the run's warnings: id -> (state, note, changed_at, changed_by)."""
    return {
        w.pk: (w.state, w.note, w.changed_at, w.changed_by_id)
        for w in run.warnings.exclude(state=WarningState.NEW, note="")
    }


def _recompute(
    other: EvaluationRun,
    had: dict[int, tuple[Any, ...]],
    entered: dict[int, tuple[Any, ...]],
    published: EvaluationRun,
    reason: str,
) -> list[int]:
    kept = record_warnings(run=other)
    changed = [w.pk for w in kept if had.get(w.pk) != _signature(w)]
    stale = list(other.warnings.exclude(pk__in=[w.pk for w in kept]))
    successors = {
        (w.unit_code, w.node): w
        for w in kept
        if w.pk not in had and w.state == WarningState.NEW and not w.note
    }
    for warning in stale:
        heir = successors.get((warning.unit_code, warning.node))
        if warning.pk in entered and heir is not None:
            heir.state, heir.note, heir.changed_at, heir.changed_by_id = entered[warning.pk]
            heir.save(update_fields=["state", "note", "changed_at", "changed_by"])
        audit.delete(warning, actor=published.published_by, reason=reason)
    if changed or stale:
        audit.record(
            obj=other,
            action=AuditAction.UPDATE,
            actor=published.published_by,
            before={"warnings": sorted(had)},
            after={"warnings": sorted(w.pk for w in kept), "changed": changed},
            reason=reason,
        )
    return changed


def _signature(warning: EarlyWarning) -> tuple[Any, ...]:
    """What a reader is told of a warning (a change in any of it is news)."""
    return (
        warning.unit_code,
        warning.node,
        warning.kind,
        warning.first_period,
        warning.last_period,
        warning.periods,
        warning.evidence,
    )


def _chain(run: EvaluationRun, length: int) -> list[EvaluationRun]:
    """The run and the comparable runs of the periods before it, newest first, without gaps."""
    chain = [run]
    while len(chain) < length:
        before = previous_run(chain[-1])
        if before is None:
            break
        chain.append(before)
    return chain


def _codes(run: EvaluationRun) -> list[str]:
    return list(run.results.values_list("unit_code", flat=True).distinct())


def _cells(run: EvaluationRun, paths: dict[str, str]) -> dict[tuple[str, str], Cell]:
    rows = run.results.filter(unit_code__in=list(paths)).values_list(
        "unit_code", "node", "value", "score", "rank_all", "colour"
    )
    return {(c, n): (v, s, r, col) for c, n, v, s, r, col in rows}


def _colour_nodes(scheme: Scheme) -> set[str]:
    """Nodes whose red is news: absolute colour rules anywhere, rank tiers near the top only."""
    nodes = set()
    for node, depth in scheme.nodes():
        rule = scheme.policy_for(node, depth).colour.rule
        if rule is ColourRule.NONE:
            continue
        if rule is not ColourRule.RANK_TIERS or depth <= scheme.warnings.rank_tier_depth:
            nodes.add(node.code)
    return nodes


def _colour_and_rank(
    scheme: Scheme, chain: list[EvaluationRun], cells: list[dict[tuple[str, str], Cell]]
) -> list[Found]:
    rules, root = scheme.warnings, scheme.root.code
    watched = _colour_nodes(scheme)
    found = []
    for (code, node), cell in sorted(cells[0].items()):
        old = cells[1].get((code, node)) if len(cells) > 1 else None
        if node in watched and cell[3] == "red":
            found += _red(code, node, chain, cells, old, rules.red_streak_from)
        if node == root and old and cell[2] is not None and old[2] is not None:
            drop = cell[2] - old[2]
            if drop >= rules.rank_drop_places:
                evidence = {"from": old[2], "to": cell[2], "places": rules.rank_drop_places}
                found.append(Found(code, node, WarningKind.RANK_DROP, chain[0].period, 1, evidence))
    return found


def _red(
    code: str,
    node: str,
    chain: list[EvaluationRun],
    cells: list[dict[tuple[str, str], Cell]],
    old: Cell | None,
    streak_from: int,
) -> list[Found]:
    running = 0
    for period_cells in cells:
        cell = period_cells.get((code, node))
        if cell is None or cell[3] != "red":
            break
        running += 1
    first = chain[running - 1].period
    if running >= streak_from:
        return [Found(code, node, WarningKind.RED_RUNNING, first, running, {"since": first})]
    if running == 1 and old is not None and old[3] != "red":
        evidence = {"from": old[3], "to": "red", "previous": chain[1].period}
        return [Found(code, node, WarningKind.NEWLY_RED, first, 1, evidence)]
    return []


def _missing(scheme: Scheme, cells: dict[tuple[str, str], Cell], period: str) -> list[Found]:
    """One warning per unit naming every indicator it has no value for."""
    leaves = {leaf.code for leaf in scheme.leaves()}
    gaps: dict[str, list[str]] = {}
    for (code, node), cell in sorted(cells.items()):
        if node in leaves and cell[1] is None:
            gaps.setdefault(code, []).append(node)
    root = scheme.root.code
    return [
        Found(code, root, WarningKind.MISSING, period, 1, {"nodes": nodes})
        for code, nodes in gaps.items()
    ]


def _gaming(
    scheme: Scheme,
    chain: list[EvaluationRun],
    cells: list[dict[tuple[str, str], Cell]],
    run: EvaluationRun,
) -> list[Found]:
    wanted = (RATIO, *COUNTED)
    if not set(wanted) <= set(scheme.indicator_codes()) or len(chain) < 3:
        return []
    rows = [
        (code, r.period, node, cell[0])
        for r, period_cells in zip(chain, cells, strict=True)
        for (code, node), cell in period_cells.items()
        if node in wanted and cell[0] is not None
    ]
    values = pd.DataFrame(rows, columns=["unit_code", "period", "indicator", "value"])
    peers = (run.data_versions or {}).get("units") or _peer_groups(cells[0])
    units = pd.DataFrame(list(peers.items()), columns=["unit_code", "peer_group"])
    signs = gaming_signs(values, units, period=run.period, rules=scheme.warnings)
    return [
        Found(s.unit_code, RATIO, WarningKind.SUSPICIOUS, run.period, 1, s.evidence())
        for s in signs
    ]


def _peer_groups(cells: dict[tuple[str, str], Cell]) -> dict[str, str]:
    codes = {code for code, _ in cells}
    rows = Unit.objects.filter(code__in=codes).values_list("code", "peer_group", "parent__code")
    return {code: peer or parent or code for code, peer, parent in rows}


def _store(run: EvaluationRun, scheme_code: str, found: Found, path: str) -> EarlyWarning:
    key: dict[str, Any] = {
        "scheme_code": scheme_code,
        "unit_code": found.unit_code,
        "node": found.node,
    }
    if found.kind is WarningKind.RED_RUNNING:
        # A streak continues: the row of the same streak (same first period) moves to this run.
        key |= {"kind": found.kind, "first_period": found.first_period}
    else:
        key |= {"kind": found.kind, "run": run}
    values: dict[str, Any] = {
        "run": run,
        "unit_path": path,
        "first_period": found.first_period,
        "last_period": run.period,
        "periods": found.periods,
        "evidence": found.evidence,
    }
    warning, _created = EarlyWarning.objects.update_or_create(**key, defaults=values)
    return warning


# ---------------------------------------------------------------- reading and changing


def hidden_kinds(visible: Visible) -> set[str]:
    """The kinds of warning a reader who sees ``visible`` is not shown (nor offered as a filter):
    colour warnings without colours, rank drops without ranks (analysis mode)."""
    hidden = set() if visible.colours else {str(k) for k in COLOUR_KINDS}
    if not visible.ranks:
        hidden.add(str(WarningKind.RANK_DROP))
    return hidden


def stored_warnings(
    *, run: EvaluationRun, path: str, visible: Visible, kind: str = ""
) -> list[EarlyWarning]:
    """The run's warnings for units under ``path`` that this reader may see."""
    hidden = hidden_kinds(visible)
    rows = EarlyWarning.objects.filter(run=run, unit_path__startswith=path).exclude(kind__in=hidden)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.select_related("changed_by"))


def change_warning_state(
    *, warning: EarlyWarning, state: WarningState, note: str, actor: Any
) -> EarlyWarning:
    """Acknowledge or resolve a warning (or reopen it), with a note; audited."""
    with transaction.atomic():
        locked = EarlyWarning.objects.select_for_update().get(pk=warning.pk)
        before = {"state": locked.state, "note": locked.note}
        locked.state, locked.note = state, note
        locked.changed_by, locked.changed_at = actor, timezone.now()
        locked.save(update_fields=["state", "note", "changed_by", "changed_at"])
        after = {"state": locked.state, "note": locked.note}
        audit.record(obj=locked, action=AuditAction.UPDATE, actor=actor, before=before, after=after)
    return locked


def _colour_word(colour: str) -> str:
    """The colour as its mark and word in the reader's language ("■ 红"), or a dash if none."""
    words = {
        "red": "■ " + gettext("Red"),
        "yellow": "▲ " + gettext("Yellow"),
        "green": "● " + gettext("Green"),
        "grey": "○ " + gettext("Grey"),
    }
    return words.get(colour, colour or "—")


def evidence_text(warning: EarlyWarning, names: Mapping[str, str] | None = None) -> str:
    """The evidence in the reader's language; ``names`` names the scheme's nodes (code -> name
    in the page language), so no indicator reads as its code."""
    e = warning.evidence or {}
    names = names or {}
    if warning.kind == WarningKind.NEWLY_RED:
        return f"{_colour_word(e.get('from', ''))} → {_colour_word('red')}"
    if warning.kind == WarningKind.RED_RUNNING:
        return ngettext(
            "red %(n)d period running, since %(since)s",
            "red %(n)d periods running, since %(since)s",
            warning.periods,
        ) % {"n": warning.periods, "since": period_label(warning.first_period)}
    if warning.kind == WarningKind.RANK_DROP:
        return f"{e.get('from')} → {e.get('to')}"
    if warning.kind == WarningKind.MISSING:
        separator = ", " if english() else "、"
        nodes = separator.join(names.get(code) or code for code in e.get("nodes", []))
        return gettext("no value this period: %(nodes)s") % {"nodes": nodes}
    return gettext(
        "case-to-procedure ratio 1:%(norm).2f → 1:%(now).2f (%(fall).0f%% better than the unit's "
        "median of %(history)s), while remands and extensions fell to %(events).1f per 100 cases "
        "(own median %(own).1f, peers %(peers).1f)"
    ) % {
        "norm": e.get("ratio_norm", 0),
        "now": e.get("ratio", 0),
        "fall": 100 * e.get("ratio_fall", 0),
        "history": (", " if english() else "、").join(
            period_label(p) for p in e.get("history", [])
        ),
        "events": e.get("events", 0),
        "own": e.get("events_norm", 0),
        "peers": e.get("events_peers", 0),
    }
