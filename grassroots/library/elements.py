"""What the library gives evaluation: counts per unit and period as data elements (issue 13.2).

``element_values(unit_codes, period_key, names)`` returns, for each unit code and each asked
element, the value and its evidence (the items counted: ``case:<id>``, ``honour:<id>``,
``article:<id>``). ``read_library_elements`` gives the same as ``SourcedValue`` rows: it is
registered with ``intake/element_sources.py`` under the name ``library`` (``apps.py``), and the
catalogue declares the elements with ``source: library`` (``spp-case-quality.yaml``). A unit
the library has nothing for gets 0, not a gap: "no case selected" is a count.
How items are counted:

- an item counts in the period its date falls in: a case entry's final result (定评) by the
  date of that status, an honour by the date it was awarded, an article by the date it was
  published (only published articles count);
- a case entered in several programmes is one case: within a period it counts once, at the
  highest level of its final results dated in that period (SPP guiding > SPP typical >
  provincial > city), so the case elements of a period add up to ``library_cases_final``;
- a unit's items are its own (a city's count is not the sum of its counties').
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from grassroots.engine.periods import Period
from grassroots.intake.element_sources import SourcedValue
from grassroots.library.models import (
    LEVEL_ORDER,
    Article,
    ArticleStatus,
    CaseEntry,
    CaseLevel,
    EntryStatus,
    Honour,
)


@dataclass(frozen=True)
class ElementInfo:
    code: str
    name_zh: str
    name_en: str
    description: str
    unit: str = "items"


LEVEL_ELEMENTS: dict[str, str] = {
    CaseLevel.SPP_GUIDING: "library_cases_spp_guiding",
    CaseLevel.SPP_TYPICAL: "library_cases_spp_typical",
    CaseLevel.PROVINCIAL: "library_cases_provincial",
    CaseLevel.CITY: "library_cases_city",
}

ELEMENTS: dict[str, ElementInfo] = {
    info.code: info
    for info in (
        ElementInfo(
            "library_cases_spp_guiding",
            "入选最高检指导性案例数",
            "Cases selected as SPP guiding cases",
            "Cases whose highest final result in the period is an SPP guiding case.",
            "cases",
        ),
        ElementInfo(
            "library_cases_spp_typical",
            "入选最高检典型案例数",
            "Cases selected as SPP typical cases",
            "Cases whose highest final result in the period is an SPP typical case.",
            "cases",
        ),
        ElementInfo(
            "library_cases_provincial",
            "入选省级典型（优秀）案例数",
            "Cases selected at provincial level",
            "Cases whose highest final result in the period is provincial.",
            "cases",
        ),
        ElementInfo(
            "library_cases_city",
            "入选市级典型（优秀）案例数",
            "Cases selected at city level",
            "Cases whose highest final result in the period is a city's.",
            "cases",
        ),
        ElementInfo(
            "library_cases_final",
            "定评案例数",
            "Cases with a final result",
            "Cases with a final result in the period, each once however many programmes.",
            "cases",
        ),
        ElementInfo(
            "library_honours_unit",
            "集体荣誉数",
            "Honours of the unit",
            "Honours awarded to the unit in the period.",
        ),
        ElementInfo(
            "library_honours_people",
            "个人荣誉数",
            "Honours of the unit's people",
            "Honours awarded to the unit's people in the period.",
        ),
        ElementInfo(
            "library_articles_published",
            "经验材料刊发数",
            "Experience articles published",
            "The unit's experience articles published by the province in the period.",
        ),
    )
}


@dataclass
class ElementValue:
    value: float = 0.0
    evidence: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.value += 1
        self.evidence.append(what)


def case_levels(unit_codes: Sequence[str], period: Period) -> dict[str, dict[int, tuple[str, str]]]:
    """unit code -> case id -> (its highest level at 定评 in the period, its title)."""
    entries = (
        CaseEntry.objects.filter(
            status=EntryStatus.FINAL,
            status_date__gte=period.start,
            status_date__lte=period.end,
            case__unit__code__in=list(unit_codes),
        )
        .select_related("case__unit")
        .order_by("case_id", "id")
    )
    order = {str(level): i for i, level in enumerate(LEVEL_ORDER)}
    found: dict[str, dict[int, tuple[str, str]]] = {}
    for entry in entries:
        cases = found.setdefault(entry.case.unit.code, {})
        held = cases.get(entry.case_id)
        if held is None or order[entry.level] < order[held[0]]:
            cases[entry.case_id] = (entry.level, entry.case.title)
    return found


def element_values(
    unit_codes: Iterable[str], period_key: str, names: Iterable[str]
) -> dict[str, dict[str, ElementValue]]:
    """unit code -> element code -> value with evidence, for the library's elements asked.

    Elements that are not the library's are left out (another source answers them); a unit
    with nothing counted gets 0 for each asked element.
    """
    codes = list(dict.fromkeys(unit_codes))
    wanted = [n for n in dict.fromkeys(names) if n in ELEMENTS]
    period = Period.parse(period_key)
    out = {code: {name: ElementValue() for name in wanted} for code in codes}
    if not wanted or not codes:
        return out
    if any(n in LEVEL_ELEMENTS.values() or n == "library_cases_final" for n in wanted):
        for code, cases in case_levels(codes, period).items():
            for case_id, (level, _title) in cases.items():
                what = f"case:{case_id}"
                if LEVEL_ELEMENTS[level] in out[code]:
                    out[code][LEVEL_ELEMENTS[level]].add(what)
                if "library_cases_final" in out[code]:
                    out[code]["library_cases_final"].add(what)
    if "library_honours_unit" in wanted or "library_honours_people" in wanted:
        honours = Honour.objects.filter(
            unit__code__in=codes, awarded_on__gte=period.start, awarded_on__lte=period.end
        ).select_related("unit", "person")
        for honour in honours.order_by("awarded_on", "id"):
            name = "library_honours_people" if honour.person_id else "library_honours_unit"
            if name in out[honour.unit.code]:
                out[honour.unit.code][name].add(f"honour:{honour.pk}")
    if "library_articles_published" in wanted:
        articles = Article.objects.filter(
            unit__code__in=codes,
            status=ArticleStatus.PUBLISHED,
            published_on__gte=period.start,
            published_on__lte=period.end,
        ).select_related("unit")
        for article in articles.order_by("published_on", "id"):
            out[article.unit.code]["library_articles_published"].add(f"article:{article.pk}")
    return out


def read_library_elements(
    units: Sequence[str], period: str, elements: Sequence[str]
) -> Iterable[SourcedValue]:
    """The element source's reader: ``element_values`` as ``SourcedValue`` rows."""
    values = element_values(units, period, elements)
    return [
        SourcedValue(code, period, name, value.value, tuple(value.evidence))
        for code, named in sorted(values.items())
        for name, value in sorted(named.items())
    ]


def library_url(unit_code: str) -> str:
    """Where the counted items are (the cases list, scoped there)."""
    from django.urls import reverse

    return reverse("library:cases")


def final_cases_by_level(unit_codes: Sequence[str], period_key: str) -> dict[str, dict[str, int]]:
    """unit code -> level -> cases at 定评 in the period (each case once, at its highest level):
    what the quarterly contribution award reads."""
    found = case_levels(unit_codes, Period.parse(period_key))
    counts: dict[str, dict[str, int]] = {}
    for code, cases in found.items():
        for level, _title in cases.values():
            counts.setdefault(code, {}).setdefault(level, 0)
            counts[code][level] += 1
    return counts
