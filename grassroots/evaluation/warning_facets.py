"""The warnings page's filters (city, unit, indicator, kind), each option with its count.

A count says how many warnings the option would show with the other filters kept, as a
dashboard's facets do: choosing a city narrows the units and the indicators offered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from grassroots.evaluation.models import EarlyWarning, WarningKind
from grassroots.i18n import in_language
from grassroots.organisations.models import Unit

FACETS = ("city", "unit", "node", "kind")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int


@dataclass
class Filtered:
    warnings: list[EarlyWarning]
    chosen: dict[str, str]
    options: dict[str, list[Option]] = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)


def filter_warnings(
    found: list[EarlyWarning],
    query: Mapping[str, str],
    node_names: Mapping[str, str],
    hidden_kinds: Collection[str] = (),
) -> Filtered:
    """The warnings matching every chosen filter, and each filter's options with counts; the
    kinds in ``hidden_kinds`` (the reader may not see them) are not offered."""
    units = {
        code: (in_language(zh, en), city or "", in_language(city_zh or "", city_en or ""))
        for code, zh, en, city, city_zh, city_en in Unit.objects.filter(
            code__in={w.unit_code for w in found}
        ).values_list(
            "code", "name_zh", "name_en", "parent__code", "parent__name_zh", "parent__name_en"
        )
    }
    keys: dict[str, Callable[[EarlyWarning], str]] = {
        "city": lambda w: units.get(w.unit_code, ("", "", ""))[1],
        "unit": lambda w: w.unit_code,
        "node": lambda w: w.node,
        "kind": lambda w: w.kind,
    }
    chosen = {f: str(query.get(f, "")).strip()[:80] for f in FACETS}

    def matches(w: EarlyWarning, skip: str = "") -> bool:
        return all(not chosen[f] or keys[f](w) == chosen[f] for f in FACETS if f != skip)

    labels: dict[str, dict[str, str]] = {
        "city": {city: name for _, city, name in units.values()},
        "unit": {code: f"{code} {name}" for code, (name, _, _) in units.items()},
        "node": dict(node_names),
        "kind": {k.value: str(k.label) for k in WarningKind if k.value not in hidden_kinds},
    }
    result = Filtered([w for w in found if matches(w)], chosen)
    for facet in FACETS:
        counts = Counter(keys[facet](w) for w in found if matches(w, skip=facet))
        values = list(labels["kind"]) if facet == "kind" else sorted(counts)
        if chosen[facet] and chosen[facet] not in values:
            values.append(chosen[facet])  # keep what was chosen, at 0, to be unchosen
        result.options[facet] = [
            Option(v, labels[facet].get(v, v), counts.get(v, 0)) for v in values
        ]
    result.unit_names = {code: name for code, (name, _, _) in units.items()}
    return result
