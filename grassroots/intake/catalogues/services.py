"""Indicator catalogues as stored versions: checked by the engine when saved, parsed once per
version when read.

A catalogue is chosen by its registered name (issue 19): only a shipped catalogue's name can be
stored, and its first stored version is the shipped YAML. The province administrator adds a
version on the catalogue page; runs record the version they computed with (and its text is
part of their input hash), so a published ranking is reproduced with the catalogue it used.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from grassroots.engine.catalogue import (
    CATALOGUE_DIR,
    Catalogue,
    list_catalogues,
    load_catalogue,
    parse_catalogue,
)
from grassroots.engine.errors import InputError
from grassroots.intake.models import CatalogueVersion
from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction


class CatalogueError(ValueError):
    """A catalogue version that cannot be stored; the message names where, in both languages."""


def _registered(code: str) -> None:
    if code not in list_catalogues():
        known = ", ".join(list_catalogues())
        raise CatalogueError(
            f"没有名为 {code!r} 的已登记指标目录（已登记：{known}）/ "
            f"no registered catalogue {code!r} (registered: {known})"
        )


def parse_catalogue_text(text: str, *, code: str) -> Catalogue:
    """The catalogue the YAML describes, checked by the engine; CatalogueError lists every
    problem with its line, and a YAML naming another catalogue than ``code`` is refused."""
    _registered(code)
    try:
        catalogue = parse_catalogue(text, label=f"{code}.yaml")
    except InputError as exc:
        problems = "; ".join(str(p) for p in exc.problems)
        raise CatalogueError(f"指标目录有误 / the catalogue has errors: {problems}") from None
    if catalogue.name != code:
        raise CatalogueError(
            f"{code}.yaml: name: YAML 中的目录名是 {catalogue.name!r}，不是 {code!r} / "
            f"the YAML names catalogue {catalogue.name!r}, not {code!r}"
        )
    return catalogue


@transaction.atomic
def save_catalogue_version(
    *, code: str, yaml_text: str, actor: Any, note: str = ""
) -> CatalogueVersion:
    """Check the YAML with the engine and store it as the catalogue's next version (audited).

    An unchanged text adds no version (saving the same form twice is not an edit)."""
    parse_catalogue_text(yaml_text, code=code)
    latest = (
        CatalogueVersion.objects.select_for_update().filter(code=code).order_by("-version").first()
    )
    if latest is not None and latest.yaml_text == yaml_text:
        return latest
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    version = CatalogueVersion.objects.create(
        code=code,
        version=(latest.version + 1) if latest else 1,
        yaml_text=yaml_text,
        note=note[:500],
        created_at=timezone.now(),
        created_by=actor if authenticated else None,
    )
    audit.record(
        obj=version,
        action=AuditAction.CREATE,
        actor=actor,
        before=None,
        after=audit.snapshot(version, exclude=("yaml_text",)),
        reason=note,
    )
    return version


def shipped_text(code: str) -> str:
    _registered(code)
    return (CATALOGUE_DIR / f"{code}.yaml").read_text(encoding="utf-8")


def load_shipped_catalogues(*, actor: Any = None) -> list[CatalogueVersion]:
    """Store each shipped catalogue as version 1 where none is stored yet.

    A stored catalogue is the province's: a later shipped text does not replace it (the
    administrator adds it as a version, with a reason)."""
    return [stored_catalogue(code, actor=actor) for code in list_catalogues()]


def stored_catalogue(code: str, *, actor: Any = None) -> CatalogueVersion:
    """The catalogue's current (newest) version, storing the shipped YAML as version 1 the
    first time a catalogue is needed."""
    current = latest_catalogue_version(code)
    if current is not None:
        return current
    # Two first uses at once: the unique (code, version) lets one win; the other reads it.
    try:
        with transaction.atomic():
            return save_catalogue_version(
                code=code, yaml_text=shipped_text(code), actor=actor, note="shipped catalogue"
            )
    except IntegrityError:
        current = latest_catalogue_version(code)
        if current is None:
            raise
        return current


# ---------------------------------------------------------------------------------- reads


def latest_catalogue_version(code: str) -> CatalogueVersion | None:
    return CatalogueVersion.objects.filter(code=code).order_by("-version").first()


def catalogue_versions(code: str) -> list[CatalogueVersion]:
    return list(CatalogueVersion.objects.filter(code=code).select_related("created_by"))


@lru_cache(maxsize=32)
def _parsed(pk: int, code: str, text: str) -> Catalogue:
    # Keyed on the text too: a version never changes, but a test database may reuse a pk.
    return parse_catalogue_text(text, code=code)


def catalogue_of(version: CatalogueVersion) -> Catalogue:
    """The version's catalogue, parsed (and checked) once per version."""
    return _parsed(version.pk, version.code, version.yaml_text)


def current_catalogue(code: str) -> Catalogue:
    """The catalogue as now stored (its newest version), else the shipped one."""
    version = latest_catalogue_version(code)
    return catalogue_of(version) if version is not None else load_catalogue(code)
