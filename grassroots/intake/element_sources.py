"""Element sources: data elements that other apps supply to runs (issue 13.2, 14.5, 16).

Most data elements are computed from case records or reported by hand. Some are facts other
apps hold: the roster's staff figures (people), the library's counts of typical cases, honours
and articles, supervision's leads and their outcomes. A catalogue declares such an element with
``source: <name>`` instead of a rule or ``reported: true``; the app that holds the facts
registers a reader under that name from its ``AppConfig.ready()``::

    from grassroots.intake import element_sources

    element_sources.register(
        element_sources.ElementSource(
            name="roster",
            label=gettext_lazy("staff roster"),
            read=read_staff_elements,          # (unit codes, period key, elements) -> values
            records_url=roster_page_of_unit,   # optional: (unit code) -> the page behind them
        )
    )

The reader returns ``SourcedValue`` rows: one per unit, period and element it has a value for
(a unit it knows nothing about is left out, so the run records the gap), each with the
references of the records behind it (``evidence``: e.g. ``person:17``, ``case:3``).

When a run gathers its inputs (``evaluation/inputs.py``), the values it reads from each source
are frozen in an ``ElementSnapshot`` with a SHA-256 of its content; the run records the snapshot
and its checksum, so a reproduction or a trace reads exactly what the run read even after the
roster or the library changed, and a snapshot altered afterwards is refused like a data version
whose file changed. Intake owns the registry because it is the floor where data comes in:
every app above it may register, and evaluation reads through it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Source names the run inputs already use for their own kinds of source.
RESERVED = frozenset({"version", "versions", "figures", "cases"})


@dataclass(frozen=True)
class SourcedValue:
    unit_code: str
    period: str
    element: str
    value: float
    evidence: tuple[str, ...] = ()


Reader = Callable[[Sequence[str], str, Sequence[str]], Iterable[SourcedValue]]


@dataclass(frozen=True)
class ElementSource:
    name: str
    label: Any  # a (lazy) translated name, shown where the run says where a value came from
    read: Reader
    records_url: Callable[[str], str | None] | None = field(default=None)


_SOURCES: dict[str, ElementSource] = {}


class UnknownSource(LookupError):
    """A catalogue names a source no app registered."""


def register(source: ElementSource) -> None:
    """Add (or replace) ``source``; its name must not be one of the run's own kinds."""
    if source.name in RESERVED:
        raise ValueError(f"element source name {source.name!r} is reserved")
    _SOURCES[source.name] = source


def registered() -> dict[str, ElementSource]:
    return dict(_SOURCES)


def get(name: str) -> ElementSource:
    try:
        return _SOURCES[name]
    except KeyError:
        raise UnknownSource(name) from None


def read_values(
    name: str, *, units: Sequence[str], periods: Sequence[str], elements: Sequence[str]
) -> list[SourcedValue]:
    """What source ``name`` supplies for ``units``, each of ``periods`` and ``elements``, in a
    stable order (the snapshot's checksum depends on it). Values outside the request (another
    unit, period or element) are dropped, so a reader cannot widen a run's scope."""
    source = get(name)
    wanted_units, wanted_elements = set(units), set(elements)
    rows: dict[tuple[str, str, str], SourcedValue] = {}
    for period in periods:
        for value in source.read(sorted(wanted_units), period, sorted(wanted_elements)):
            if (
                value.unit_code in wanted_units
                and value.element in wanted_elements
                and value.period == period
            ):
                rows[(value.period, value.unit_code, value.element)] = SourcedValue(
                    value.unit_code,
                    value.period,
                    value.element,
                    float(value.value),
                    tuple(sorted(set(value.evidence))),
                )
    return [rows[key] for key in sorted(rows)]


def encode(values: Iterable[SourcedValue]) -> list[list[Any]]:
    """Values as stored in a snapshot: ``[unit, period, element, value, [evidence...]]``."""
    return [[v.unit_code, v.period, v.element, v.value, list(v.evidence)] for v in values]


def decode(rows: Iterable[Sequence[Any]]) -> list[SourcedValue]:
    return [
        SourcedValue(str(u), str(p), str(e), float(v), tuple(str(x) for x in ev))
        for u, p, e, v, ev in rows
    ]


def checksum(rows: list[list[Any]]) -> str:
    """SHA-256 of a snapshot's stored rows (canonical JSON)."""
    text = json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def freeze(
    name: str,
    *,
    units: Sequence[str],
    period: str,
    periods: Sequence[str],
    elements: Sequence[str],
) -> dict[str, Any]:
    """Read source ``name`` for ``periods`` (the run's ``period`` and the earlier ones it
    compares with) and store what it gave as a snapshot; the run records the answer,
    ``{"snapshot": id, "checksum": sha256, "units": [units with a value for every element in
    ``period``]}``."""
    from grassroots.intake.models import ElementSnapshot

    values = read_values(name, units=units, periods=periods, elements=elements)
    rows = encode(values)
    snapshot = ElementSnapshot.objects.create(
        source=name, periods=list(periods), rows=rows, checksum=checksum(rows)
    )
    have: dict[str, set[str]] = {}
    for v in values:
        if v.period == period:
            have.setdefault(v.unit_code, set()).add(v.element)
    complete = sorted(code for code, got in have.items() if got >= set(elements))
    return {"snapshot": snapshot.pk, "checksum": snapshot.checksum, "units": complete}


class SnapshotChanged(Exception):
    """A snapshot a run recorded is gone or no longer matches its checksum."""


def frozen_values(recorded: dict[str, Any]) -> dict[str, list[SourcedValue]]:
    """Source name -> the values of the snapshots a run recorded (``{name: {"snapshot": id,
    "checksum": ...}}``), each checked against the recorded and its own checksum."""
    from grassroots.intake.models import ElementSnapshot

    ids = {int(entry["snapshot"]): name for name, entry in recorded.items()}
    found = {s.pk: s for s in ElementSnapshot.objects.filter(pk__in=ids)}
    out: dict[str, list[SourcedValue]] = {}
    for name, entry in recorded.items():
        snapshot = found.get(int(entry["snapshot"]))
        if (
            snapshot is None
            or snapshot.checksum != entry["checksum"]
            or checksum(snapshot.rows) != snapshot.checksum
        ):
            raise SnapshotChanged(
                f"the {name} values the run read (snapshot {entry['snapshot']}) are gone or changed"
            )
        out[name] = decode(snapshot.rows)
    return out
