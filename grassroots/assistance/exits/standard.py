"""The weak-unit exit standard, stored per province with versions.

Each province assesses exit against its own standard. The first version is a copy of the shipped
national default (``engine/schemes/weak-exit-standard.yaml``); the province administrator adds
versions from the page, each checked by the engine and audited. An assessment records the
version it used, so a later edit never changes how an earlier exit reads.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from grassroots.assistance.models import ExitStandard
from grassroots.assistance.permissions import Act, authorise
from grassroots.engine.errors import InputError
from grassroots.engine.scheme import SCHEMES_DIR, Scheme, SchemeKind, parse_scheme
from grassroots.organisations import versions
from grassroots.organisations.models import Unit

SHIPPED = "weak-exit-standard"


class StandardError(Exception):
    """The YAML is not a usable exit standard; the message lists every problem."""


def province_of(unit: Unit) -> Unit:
    """The province a unit belongs to (the unit itself for a province)."""
    province = versions.province_of(unit)
    if province is None:
        raise StandardError(f"{unit.code} belongs to no province")
    return province


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
    return versions.latest(ExitStandard, province=province)


def current_standard(*, province: Unit, actor: Any = None) -> ExitStandard:
    """The province's newest version; the first call copies the national default as version 1."""
    return versions.own_copy(
        ExitStandard, province=province, actor=actor, default_text=shipped_text
    )


def save_standard(*, province: Unit, yaml_text: str, note: str, actor: Any) -> ExitStandard:
    """Check the YAML and store it as the province's next version (audited).

    Only the province administrator of that province may; an unchanged text adds no version.
    """
    authorise(actor, Act.DECIDE_EXIT, province)
    if not note.strip():
        raise StandardError("give the reason for the change")
    text = yaml_text.replace("\r\n", "\n")
    parse_standard(text)
    return versions.save_version(
        ExitStandard,
        province=province,
        yaml_text=text,
        actor=actor,
        note=note,
        default_text=shipped_text,
    )
