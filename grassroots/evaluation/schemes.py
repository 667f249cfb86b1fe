"""Scheme versions: checked by the engine when saved, parsed once per version when read.

A stored version's YAML never changes, so its parsed ``Scheme`` is kept (``scheme_of``): a run,
its inputs, its reproduction and every page showing it read the same parsed value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from django.db import transaction

from grassroots.engine.catalogue import Catalogue, load_catalogue
from grassroots.engine.errors import InputError
from grassroots.engine.scheme import Scheme, list_schemes, load_scheme, parse_scheme
from grassroots.evaluation.actors import Actor
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.models import SchemeVersion
from grassroots.organisations import versions
from grassroots.organisations.models import Unit


def parse_scheme_text(text: str, *, code: str) -> Scheme:
    """The scheme the YAML describes, checked by the engine; RunError lists every problem.

    A scheme that scores a catalogue names a registered catalogue (never a path), and its
    leaves name only that catalogue's indicators.
    """
    source = f"{code}.yaml"
    try:
        scheme = parse_scheme(text, source=source)
        if scheme.catalogue is not None:
            try:
                catalogue = load_catalogue(scheme.catalogue)
            except InputError as exc:
                raise InputError(
                    [replace(p, source=f"{source}: catalogue") for p in exc.problems]
                ) from None
            scheme = parse_scheme(text, source=source, indicator_codes=set(catalogue.indicators))
    except InputError as exc:
        raise RunError("; ".join(str(p) for p in exc.problems)) from None
    except RecursionError:
        raise RunError(f"{source}: the tree contains a cycle") from None
    return scheme


@transaction.atomic
def save_scheme_version(
    *,
    code: str,
    yaml_text: str,
    actor: Actor,
    note: str = "",
    province: Unit | None = None,
) -> SchemeVersion:
    """Check the YAML with the engine and store it as the scheme's next version of
    ``province`` (None: the national default, which only the shipped schemes and the CLI set).

    A province's first edit starts from a copy of the national default, so one province's edit
    is never another's scheme. An unchanged text adds no version (saving the same form twice is
    not an edit)."""
    scheme = parse_scheme_text(yaml_text, code=code)
    if scheme.name != code:
        raise RunError(f"the YAML names scheme {scheme.name!r}, not {code!r}")
    return versions.save_version(
        SchemeVersion,
        province=province,
        yaml_text=yaml_text,
        actor=actor,
        note=note,
        fields_of=_titles,
        code=code,
    )


def _titles(text: str) -> dict[str, str]:
    scheme = parse_scheme(text, source="scheme.yaml")
    return {"title_zh": scheme.title_zh, "title_en": scheme.title_en}


def load_shipped_schemes(*, actor: Actor = None) -> list[SchemeVersion]:
    """Store each shipped composite scheme (a new version only where the YAML changed)."""
    stored = []
    for name in list_schemes():
        if load_scheme(name).tree is None:
            continue  # checklists are assessed from results, not run here
        text = (_shipped_dir() / f"{name}.yaml").read_text(encoding="utf-8")
        stored.append(
            save_scheme_version(code=name, yaml_text=text, actor=actor, note="shipped scheme")
        )
    return stored


def _shipped_dir() -> Path:
    from grassroots.engine.scheme import SCHEMES_DIR

    return SCHEMES_DIR


def scheme_replications(version: SchemeVersion) -> int:
    """The rank-interval replications a new run of ``version`` computes by default."""
    return scheme_of(version).uncertainty.replications


def latest_scheme_version(code: str, *, province: Unit | None = None) -> SchemeVersion:
    """The version ``province`` uses: its own newest, else the national default's newest."""
    version = versions.current(SchemeVersion, province=province, code=code)
    if version is None:
        raise RunError(f"no scheme {code!r} is stored: run `grassroots runs schemes` first")
    return version


@lru_cache(maxsize=64)
def _parsed(pk: int, text: str) -> Scheme:
    # Keyed on the text too: a version never changes, but a test database may reuse a pk.
    return parse_scheme_text(text, code=f"scheme version {pk}")


def scheme_of(version: SchemeVersion) -> Scheme:
    """The version's scheme, parsed (and checked against its catalogue) once per version."""
    return _parsed(version.pk, version.yaml_text)


@dataclass(frozen=True)
class Needed:
    """What a scheme scores from intake: its catalogue and the elements its indicators read."""

    catalogue: Catalogue
    case_elements: list[str]  # computed from case records
    reported_elements: list[str]  # reported by hand
    # supplied by a registered element source (intake/element_sources.py): source -> elements
    sourced_elements: dict[str, list[str]] = field(default_factory=dict)


def needed_elements(scheme: Scheme, *, catalogue: Catalogue | None = None) -> Needed:
    """The scheme's catalogue and the elements its indicators read (from records, reported).

    ``catalogue``: the stored version a run computes with (default: the shipped one)."""
    if scheme.catalogue is None:
        raise RunError(f"{scheme.name} scores no catalogue: it cannot be run from intake")
    if catalogue is None:
        try:
            catalogue = load_catalogue(scheme.catalogue)
        except InputError as exc:
            raise RunError("; ".join(str(p) for p in exc.problems)) from None
    needed: set[str] = set()
    for code in scheme.indicator_codes():
        needed |= catalogue.elements_of(code)
    known = sorted(e for e in needed if e in catalogue.elements)
    sourced: dict[str, list[str]] = {}
    for e in known:
        if (source := catalogue.elements[e].source) is not None:
            sourced.setdefault(source, []).append(e)
    return Needed(
        catalogue,
        [e for e in known if catalogue.elements[e].rule is not None],
        [e for e in known if catalogue.elements[e].reported],
        sourced,
    )
