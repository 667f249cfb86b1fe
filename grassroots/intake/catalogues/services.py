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

from grassroots.engine.catalogue import (
    CATALOGUE_DIR,
    Catalogue,
    list_catalogues,
    load_catalogue,
    parse_catalogue,
)
from grassroots.engine.errors import InputError
from grassroots.intake.models import CatalogueVersion
from grassroots.organisations import versions
from grassroots.organisations.models import Unit


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


def save_catalogue_version(
    *,
    code: str,
    yaml_text: str,
    actor: Any,
    note: str = "",
    province: Unit | None = None,
) -> CatalogueVersion:
    """Check the YAML with the engine and store it as the catalogue's next version of
    ``province`` (None: the national default); audited.

    A province's first edit starts from a copy of the national default (the shipped YAML when
    none is stored), so one province's edit is never another's catalogue. An unchanged text
    adds no version (saving the same form twice is not an edit)."""
    parse_catalogue_text(yaml_text, code=code)
    return versions.save_version(
        CatalogueVersion,
        province=province,
        yaml_text=yaml_text,
        actor=actor,
        note=note,
        default_text=lambda: shipped_text(code),
        code=code,
    )


def shipped_text(code: str) -> str:
    _registered(code)
    return (CATALOGUE_DIR / f"{code}.yaml").read_text(encoding="utf-8")


def load_shipped_catalogues(*, actor: Any = None) -> list[CatalogueVersion]:
    """Store each shipped catalogue as the national version 1 where none is stored yet.

    A stored catalogue is kept: a later shipped text does not replace it (the administrator
    adds it as a version, with a reason)."""
    return [stored_catalogue(code, actor=actor) for code in list_catalogues()]


def stored_catalogue(
    code: str, *, actor: Any = None, province: Unit | None = None
) -> CatalogueVersion:
    """The catalogue version ``province`` uses now (its own newest, else the national
    default's), storing the shipped YAML as the national version 1 the first time a catalogue
    is needed."""
    current = latest_catalogue_version(code, province=province)
    if current is not None:
        return current
    _registered(code)
    return versions.own_copy(
        CatalogueVersion,
        province=None,
        actor=actor,
        default_text=lambda: shipped_text(code),
        note="shipped catalogue",
        code=code,
    )


# ---------------------------------------------------------------------------------- reads


def latest_catalogue_version(code: str, *, province: Unit | None = None) -> CatalogueVersion | None:
    """The version ``province`` uses: its own newest, else the national default's newest."""
    return versions.current(CatalogueVersion, province=province, code=code)


def catalogue_versions(code: str, *, province: Unit | None = None) -> list[CatalogueVersion]:
    """The history of the catalogue ``province`` uses (its own versions once it has any)."""
    own = versions.history(CatalogueVersion, province=province, code=code)
    return own or versions.history(CatalogueVersion, province=None, code=code)


@lru_cache(maxsize=32)
def _parsed(pk: int, code: str, text: str) -> Catalogue:
    # Keyed on the text too: a version never changes, but a test database may reuse a pk.
    return parse_catalogue_text(text, code=code)


def catalogue_of(version: CatalogueVersion) -> Catalogue:
    """The version's catalogue, parsed (and checked) once per version."""
    return _parsed(version.pk, version.code, version.yaml_text)


def current_catalogue(code: str, *, province: Unit | None = None) -> Catalogue:
    """The catalogue ``province`` uses as now stored (its newest version), else the shipped."""
    version = latest_catalogue_version(code, province=province)
    return catalogue_of(version) if version is not None else load_catalogue(code)
