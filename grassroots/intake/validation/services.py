"""Validation of units' current values: the shipped rules and the outlier flags, run and stored.

A unit's current values for a period are intake's current values (``selectors.current_values``,
one rule for every reader: the newest current data version holding the unit's values for the
period, with the figures it reported winning over computed ones). The rules run on those;
each value is also compared with the unit's own other periods and with the same period's
values of units in its peer group (a median and a count, never the peers' names).

Findings are notes for follow-up: they never block an upload and never change a value.
``run_validation`` stores one ``ValidationRun`` with its findings and an audit entry;
``preview_findings`` computes the same for a figures dry run and stores nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from grassroots.engine.catalogue import list_catalogues, load_catalogue
from grassroots.engine.periods import Period, PeriodKind
from grassroots.intake.models import (
    DEFAULT_CATALOGUE,
    FindingKind,
    Trigger,
    ValidationFinding,
    ValidationRun,
)
from grassroots.intake.selectors import current_values
from grassroots.intake.validation.outliers import flag_outliers
from grassroots.intake.validation.rules import Importance, Rule, load_rules, run_rules
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import AuditAction, Level, Unit

COLUMNS = ["unit_code", "period", "element", "value"]
OUTLIER_IMPORTANCE = Importance.MEDIUM  # a flag asks for a look, it is not a contradiction


def units_to_check(unit: Unit) -> list[Unit]:
    """The active grassroots units of ``unit``'s subtree (the unit itself if grassroots)."""
    if unit.level == Level.GRASSROOTS:
        return [unit]
    return list(
        Unit.objects.filter(path__startswith=unit.path, level=Level.GRASSROOTS, active=True)
    )


def _overlay(frame: pd.DataFrame, changes: Iterable[tuple[str, str, str, float]]) -> pd.DataFrame:
    extra = pd.DataFrame(list(changes), columns=COLUMNS)
    if extra.empty:
        return frame
    both = pd.concat([frame, extra], ignore_index=True)
    return both.drop_duplicates(["unit_code", "period", "element"], keep="last")


def find(
    *,
    units: Collection[Unit],
    period: str,
    catalogue: str = DEFAULT_CATALOGUE,
    changes: Iterable[tuple[str, str, str, float]] = (),
    fresh: pd.DataFrame | None = None,
) -> list[ValidationFinding]:
    """Unsaved findings for ``units`` in ``period``; ``changes`` are values not yet saved
    (unit_code, period, element, value) that replace the stored ones (a dry run). ``fresh``:
    case-record values about to be stored as new versions (``current_values``' ``instead``),
    so the findings are those a check right after storing them would give."""
    if not units:
        return []
    changes = list(changes)
    own = _overlay(
        current_values(units=units, periods=None, catalogue=catalogue, instead=fresh), changes
    )
    current = own[own["period"] == period]
    by_code = {u.code: u for u in units}
    current = current[current["unit_code"].isin(by_code)]
    findings = _rule_findings(load_rules(catalogue), current, by_code)
    # History: the same kind of period only (a quarter is not compared with months).
    kind = Period.parse(period).kind
    kinds = {p: _kind(p) == kind for p in own["period"].unique()}  # a few periods, many rows
    same_kind = own["period"].map(kinds).astype(bool)
    history = own[same_kind & (own["period"] != period) & own["unit_code"].isin(by_code)]
    peers = _peer_values(units, period, catalogue, changes, own[own["period"] == period], fresh)
    findings += _outlier_findings(current, history, peers, by_code)
    return findings


def _kind(key: str) -> PeriodKind | None:
    try:
        return Period.parse(key).kind
    except ValueError:
        return None


def _peer_values(
    units: Collection[Unit],
    period: str,
    catalogue: str,
    changes: list[tuple[str, str, str, float]],
    known: pd.DataFrame,
    fresh: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The period's values of every active grassroots unit in the checked units' peer groups.

    ``known``: the checked units' own values of the period (changes applied), not read again.
    Peers may lie outside the viewer's scope: only their median and count are ever shown."""
    groups = {u.peer_group for u in units}
    peers = Unit.objects.filter(peer_group__in=groups, level=Level.GRASSROOTS, active=True)
    group_of = dict(peers.values_list("code", "peer_group"))
    checked = {u.code for u in units}
    others = [code for code in group_of if code not in checked]
    values = known[known["unit_code"].isin(checked)]
    if others:
        read = current_values(
            units=Unit.objects.filter(code__in=others), periods=[period], catalogue=catalogue,
            instead=fresh,
        )  # fmt: skip
        values = pd.concat([values, _overlay(read, changes)], ignore_index=True)
    values = values[values["unit_code"].isin(group_of)]
    return values.assign(group=values["unit_code"].map(group_of))


def _rule_findings(
    rules: tuple[Rule, ...], current: pd.DataFrame, by_code: dict[str, Unit]
) -> list[ValidationFinding]:
    return [
        ValidationFinding(
            unit=by_code[v.unit_code],
            period=v.period,
            kind=FindingKind.RULE,
            code=v.rule.code,
            importance=str(v.rule.importance),
            left=v.left,
            right=v.right,
            message=v.message[:500],
        )  # fmt: skip
        for v in run_rules(rules, current)
    ]


def _outlier_findings(
    current: pd.DataFrame, history: pd.DataFrame, peers: pd.DataFrame, by_code: dict[str, Unit]
) -> list[ValidationFinding]:
    # Every peer group at once: each row is compared with its own group's peers only. Rows in
    # the order of the groups, then of ``current``.
    rank = {g: i for i, g in enumerate(_codes_by_group(by_code))}
    group_of = {code: unit.peer_group for code, unit in by_code.items()}
    mine = current.assign(group=current["unit_code"].map(group_of))
    mine = mine.iloc[np.argsort(mine["group"].map(rank).to_numpy(), kind="stable")]
    flags = flag_outliers(
        mine,
        history=history[["unit_code", "element", "value"]],
        peers=peers[["unit_code", "element", "value", "group"]],
    )
    return [
        ValidationFinding(
            unit=by_code[f.unit_code],
            period=f.period,
            kind=FindingKind.OUTLIER,
            code=f.element,
            importance=str(OUTLIER_IMPORTANCE),
            value=f.value,
            median=f.median,
            z=f.z,
            basis=f.basis,
            references=f.references,
            message=f.reason[:500],
        )  # fmt: skip
        for f in flags
    ]


def _codes_by_group(by_code: dict[str, Unit]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for code, unit in by_code.items():
        groups.setdefault(unit.peer_group, set()).add(code)
    return groups


def run_validation(
    *,
    scope: Unit,
    units: Collection[Unit],
    period: str,
    actor: Any,
    trigger: Trigger,
    source: str = "",
    catalogue: str = DEFAULT_CATALOGUE,
    clock: Clock = timezone.now,
    found: list[ValidationFinding] | None = None,
) -> ValidationRun:
    """Check ``units`` (within ``scope``) for ``period`` and store the run and its findings.

    ``found``: the findings already made by ``find`` for these units as they now stand (a
    bulk import finds them while its files are being written)."""
    findings = find(units=units, period=period, catalogue=catalogue) if found is None else found
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    user, name = (actor, actor.get_username()) if authenticated else (None, audit.SYSTEM_ACTOR)
    with transaction.atomic():
        run = ValidationRun.objects.create(
            at=clock(), trigger=trigger, source=source[:100], actor=user, actor_name=name,
            catalogue=catalogue, period=period, unit=scope,
        )  # fmt: skip
        run.units.set(units)
        for finding in findings:
            finding.run = run
        ValidationFinding.objects.bulk_create(findings, batch_size=2000)
        rules = sum(f.kind == FindingKind.RULE for f in findings)
        after = {**audit.snapshot(run), "units": sorted(u.code for u in units),
                 "rule_violations": rules, "outliers": len(findings) - rules}  # fmt: skip
        audit.record(
            obj=run, action=AuditAction.CREATE, actor=actor, before=None, after=after,
            reason=f"validation of {len(units)} units: {rules} rule violations, "
            f"{len(findings) - rules} outliers", at=run.at,
        )  # fmt: skip
    return run


def checked_catalogues() -> list[str]:
    """The catalogues whose values are checked: the case-record one and every catalogue with
    reported elements (each has its own runs, rules and outlier references)."""
    reported = [
        c for c in list_catalogues() if any(e.reported for e in load_catalogue(c).elements.values())
    ]
    return [DEFAULT_CATALOGUE, *sorted(set(reported) - {DEFAULT_CATALOGUE})]


def run_all(
    *,
    scope: Unit,
    units: Collection[Unit],
    period: str,
    actor: Any,
    trigger: Trigger,
    source: str = "",
    clock: Clock = timezone.now,
) -> list[ValidationRun]:
    """One run per checked catalogue (what the button, the API and the command do)."""
    return [
        run_validation(
            scope=scope,
            units=units,
            period=period,
            actor=actor,
            trigger=trigger,
            source=source,
            catalogue=catalogue,
            clock=clock,
        )  # fmt: skip
        for catalogue in checked_catalogues()
    ]


def latest_runs(*, units: Collection[Unit], period: str) -> dict[tuple[int, str], int]:
    """(unit id, catalogue) -> id of the newest run of that catalogue's checks for ``period``."""
    through = ValidationRun.units.through
    rows = (
        through.objects.filter(unit__in=units, validationrun__period=period)
        .values("unit_id", "validationrun__catalogue")
        .annotate(latest=Max("validationrun_id"))
    )
    return {(r["unit_id"], r["validationrun__catalogue"]): r["latest"] for r in rows}
