"""The weak-unit exit standard, stored per province with versions.

Each province assesses exit against its own standard. The first version is a copy of the shipped
national default (``engine/schemes/weak-exit-standard.yaml``); the province administrator adds
versions from the page, each checked by the engine and audited. An assessment records the
version it used, so a later edit never changes how an earlier exit reads.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from grassroots.assistance.models import ExitStandard
from grassroots.assistance.permissions import Act, authorise
from grassroots.engine.errors import InputError
from grassroots.engine.scheme import SCHEMES_DIR, Scheme, SchemeKind, parse_scheme
from grassroots.organisations.audit import tracked
from grassroots.organisations.models import Level, Unit

SHIPPED = "weak-exit-standard"


class StandardError(Exception):
    """The YAML is not a usable exit standard; the message lists every problem."""


def province_of(unit: Unit) -> Unit:
    """The province a unit belongs to (the unit itself for a province)."""
    if unit.level == Level.PROVINCE:
        return unit
    code = next((c for c in unit.path.split("/") if c.endswith("0000") and c != "000000"), None)
    if code is None:
        raise StandardError(f"{unit.code} belongs to no province")
    return Unit.objects.get(code=code)


def shipped_text() -> str:
    return (SCHEMES_DIR / f"{SHIPPED}.yaml").read_text(encoding="utf-8")


def parse_standard(text: str) -> Scheme:
    """The checklist the YAML describes; StandardError lists every problem."""
    try:
        scheme = parse_scheme(text, source=f"{SHIPPED}.yaml")
    except InputError as exc:
        raise StandardError("; ".join(str(p) for p in exc.problems)) from None
    if scheme.kind is not SchemeKind.CHECKLIST or not scheme.items:
        raise StandardError(f"{SHIPPED}.yaml: an exit standard is a checklist with items")
    return scheme


@lru_cache(maxsize=64)
def _parsed(pk: int, text: str) -> Scheme:
    return parse_standard(text)


def standard_scheme(standard: ExitStandard | None) -> Scheme:
    """The parsed checklist of a stored version (parsed once per version), or the shipped one."""
    if standard is None:
        return _parsed(0, shipped_text())
    return _parsed(standard.pk, standard.yaml_text)


def latest_standard(province: Unit) -> ExitStandard | None:
    return ExitStandard.objects.filter(province=province).order_by("-version").first()


@transaction.atomic
def current_standard(*, province: Unit, actor: Any = None) -> ExitStandard:
    """The province's newest version; the first call copies the national default as version 1."""
    latest = latest_standard(province)
    if latest is not None:
        return latest
    return _store(
        province=province,
        text=shipped_text(),
        note="national default copied",
        actor=actor,
        version=1,
    )


@transaction.atomic
def save_standard(*, province: Unit, yaml_text: str, note: str, actor: Any) -> ExitStandard:
    """Check the YAML and store it as the province's next version (audited).

    Only the province administrator of that province may; an unchanged text adds no version.
    """
    authorise(actor, Act.DECIDE_EXIT, province)
    if not note.strip():
        raise StandardError("give the reason for the change")
    text = yaml_text.replace("\r\n", "\n")
    parse_standard(text)
    latest = (
        ExitStandard.objects.select_for_update()
        .filter(province=province)
        .order_by("-version")
        .first()
    )
    if latest is not None and latest.yaml_text == text:
        return latest
    version = (latest.version + 1) if latest else 1
    return _store(province=province, text=text, note=note, actor=actor, version=version)


def _store(*, province: Unit, text: str, note: str, actor: Any, version: int) -> ExitStandard:
    standard = ExitStandard(
        province=province,
        version=version,
        yaml_text=text,
        note=note[:500],
        created_at=timezone.now(),
        created_by=actor.get_username() if getattr(actor, "is_authenticated", False) else "system",
    )
    with tracked(standard, actor=actor, reason=note):
        standard.save()
    return standard
