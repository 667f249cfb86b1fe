"""Practice of integration (issue 15.4): pilots, the research contest, party-building brands
linked to the library's brands, the rules library and the quarterly party-member stars.

Pilots, contests and the province's rules are the province administrator's; a unit's managers
keep its brands, its own rules and its stars. Writes are keyword-only, one transaction, audited.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from statistics import mean
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from grassroots.library.models import Brand, BrandType
from grassroots.organisations import audit
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import visible_units
from grassroots.party.models import (
    Contest,
    ContestEntry,
    PanelScore,
    PartyBrand,
    PartyOrg,
    Pilot,
    RuleChapter,
    RuleItem,
    RuleResult,
    Star,
)
from grassroots.party.permissions import manages
from grassroots.party.services import NotAllowed, PartyError
from grassroots.people.models import Department, Person
from grassroots.people.permissions import is_province

QUARTER = re.compile(r"^\d{4}Q[1-4]$")


def _province_admin(actor: Any, unit: Unit) -> None:
    if not is_province(actor, unit):
        raise NotAllowed(unit.code)


@transaction.atomic
def add_pilot(
    *, unit: Unit, actor: Any, project: str, started: dt.date,
    department: Department | None = None, results: str = "",
) -> Pilot:  # fmt: skip
    _province_admin(actor, unit)
    if department is not None and department.unit_id != unit.pk:
        raise PartyError(_("A pilot department belongs to the pilot unit."))
    pilot = Pilot(
        unit=unit, department=department, project=project, started=started, results=results
    )
    with audit.tracked(pilot, actor=actor, reason="pilot"):
        pilot.save()
    return pilot


@transaction.atomic
def record_results(*, pilot: Pilot, actor: Any, results: str, finished: bool) -> Pilot:
    _province_admin(actor, pilot.unit)
    with audit.tracked(pilot, actor=actor, reason="pilot results"):
        pilot.results = results
        pilot.status = "finished" if finished else "ongoing"
        pilot.save()
    return pilot


@transaction.atomic
def open_contest(*, province: Unit, actor: Any, title: str, rounds: int, finalists: int) -> Contest:
    _province_admin(actor, province)
    if rounds < 1 or finalists < 1:
        raise PartyError(_("A contest has at least one round and one finalist."))
    contest = Contest(province=province, title=title, rounds=rounds, finalists=finalists)
    with audit.tracked(contest, actor=actor, reason="research contest"):
        contest.save()
    return contest


@transaction.atomic
def add_entry(*, contest: Contest, actor: Any, unit: Unit, author: str, title: str) -> ContestEntry:
    if not (manages(actor, unit) or is_province(actor, unit)):
        raise NotAllowed(unit.code)
    if not unit.path.startswith(contest.province.path):
        raise NotAllowed(unit.code)
    if contest.current_round != 1:
        raise PartyError(_("Entries are taken in the first round only."))
    entry = ContestEntry(contest=contest, unit=unit, author=author, title=title)
    with audit.tracked(entry, actor=actor, reason="contest entry"):
        entry.save()
    return entry


@transaction.atomic
def panel_score(*, entry: ContestEntry, actor: Any, score: Decimal) -> PanelScore:
    """A panel member's score of an entry in the contest's current round (0–100)."""
    contest = entry.contest
    _province_admin(actor, contest.province)
    if entry.reached < contest.current_round:
        raise PartyError(_("This entry did not reach the current round."))
    if not Decimal(0) <= score <= Decimal(100):
        raise PartyError(_("A panel score is between 0 and 100."))
    found = PanelScore.objects.filter(entry=entry, round=contest.current_round, judge=actor).first()
    found = found or PanelScore(entry=entry, round=contest.current_round, judge=actor)
    with audit.tracked(found, actor=actor, reason="panel score"):
        found.score = score
        found.save()
    return found


def standings(contest: Contest, round_: int) -> list[tuple[ContestEntry, float | None]]:
    """Entries of a round with their mean panel score, best first (ties by entry order)."""
    entries = list(contest.entries.filter(reached__gte=round_).select_related("unit"))
    scored = []
    for e in entries:
        values = [float(s.score) for s in e.scores.all() if s.round == round_]
        scored.append((e, round(mean(values), 2) if values else None))
    return sorted(scored, key=lambda p: (-(p[1] if p[1] is not None else -1), p[0].pk))


@transaction.atomic
def advance(*, contest: Contest, actor: Any, keep: int) -> list[ContestEntry]:
    """Close the current round: the best ``keep`` entries go on; after the last round the best
    ``contest.finalists`` are the finalists."""
    _province_admin(actor, contest.province)
    ranked = standings(contest, contest.current_round)
    if any(score is None for _, score in ranked):
        raise PartyError(_("Every entry of the round needs a panel score first."))
    last = contest.current_round >= contest.rounds
    chosen = [e for e, _ in ranked[: (contest.finalists if last else keep)]]
    for entry in chosen:
        with audit.tracked(entry, actor=actor, reason="contest round closed"):
            if last:
                entry.finalist = True
            else:
                entry.reached = contest.current_round + 1
            entry.save()
    if not last:
        with audit.tracked(contest, actor=actor, reason="next round"):
            contest.current_round += 1
            contest.save()
    return chosen


@transaction.atomic
def link_brand(
    *, unit: Unit, actor: Any, library_brand: Brand, org: PartyOrg | None = None, motto: str = ""
) -> PartyBrand:
    """A party-building brand of the unit: one of the library's party brands of the unit."""
    if not manages(actor, unit):
        raise NotAllowed(unit.code)
    if library_brand.unit_id != unit.pk or library_brand.brand_type != BrandType.PARTY:
        raise PartyError(_("Link a party-building brand of this unit from the library."))
    if org is not None and org.unit_id != unit.pk:
        raise PartyError(_("The party organisation belongs to this unit."))
    brand = PartyBrand(unit=unit, library_brand=library_brand, org=org, motto=motto)
    with audit.tracked(brand, actor=actor, reason="party-building brand"):
        brand.save()
    return brand


CHAPTER = re.compile(r"^第[一二三四五六七八九十百]+章\s*(.*)$")


def parse_rules(text: str) -> list[tuple[str, list[str]]]:
    """Chapters and items from a plain text: lines 第一章 … start chapters; every other
    non-empty line is an item of the chapter above it.

    >>> parse_rules("第一章 总则\\n目的\\n范围\\n第二章 考核\\n按月考核")
    [('总则', ['目的', '范围']), ('考核', ['按月考核'])]
    """
    chapters: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = CHAPTER.match(line)
        if m:
            chapters.append((m.group(1).strip(), []))
        elif chapters:
            chapters[-1][1].append(line)
        else:
            raise PartyError(_("The text starts with a chapter line (第一章 …)."))
    return chapters


@transaction.atomic
def save_rules(
    *, unit: Unit, actor: Any, code: str, title: str, adopted: dt.date, text: str
) -> RuleResult:
    """A new version of a system result (its chapters and items from ``text``)."""
    if not manages(actor, unit):
        raise NotAllowed(unit.code)
    chapters = parse_rules(text)
    if not chapters:
        raise PartyError(_("A system result has at least one chapter."))
    last = RuleResult.objects.filter(unit=unit, code=code).aggregate(v=Max("version"))["v"] or 0
    result = RuleResult(unit=unit, code=code, version=last + 1, title=title, adopted=adopted)
    with audit.tracked(result, actor=actor, reason="rules library"):
        result.save()
    number = 0
    for i, (name, items) in enumerate(chapters, start=1):
        chapter = RuleChapter.objects.create(result=result, number=i, title=name)
        for item in items:
            number += 1
            RuleItem.objects.create(chapter=chapter, number=number, text=item)
    audit.record(obj=result, action="update", actor=actor, before=None,  # type: ignore[arg-type]
                 after={"chapters": len(chapters), "items": number}, reason="rules library text")  # fmt: skip
    return result


def rules_for(user: Any) -> QuerySet[RuleResult]:
    return RuleResult.objects.filter(unit__in=visible_units(user)).select_related("unit")


@transaction.atomic
def select_star(*, unit: Unit, actor: Any, quarter: str, person: Person, reason: str) -> Star:
    if not manages(actor, unit):
        raise NotAllowed(unit.code)
    if not QUARTER.match(quarter):
        raise PartyError(_("Write a quarter as 2024Q2."))
    if person.unit_id != unit.pk or not person.active:
        raise PartyError(_("A star is an active member of the unit's roster."))
    if Star.objects.filter(unit=unit, quarter=quarter, person=person).exists():
        raise PartyError(
            _("%(name)s is already a star of %(quarter)s.")
            % {"name": person.name, "quarter": quarter}
        )
    star = Star(
        unit=unit, quarter=quarter, person=person, reason=reason, selected_by=actor.get_username()
    )
    with audit.tracked(star, actor=actor, reason="party member star"):
        star.save()
    return star


def pilots_for(user: Any) -> QuerySet[Pilot]:
    return Pilot.objects.filter(unit__in=visible_units(user)).select_related("unit", "department")


def contests_for(user: Any) -> QuerySet[Contest]:
    units = visible_units(user)
    provinces = units.filter(level=Level.PROVINCE)
    own = {u.pk for u in provinces}
    first = units.order_by("path").first()
    if first is not None and first.level != Level.PROVINCE:
        from grassroots.organisations.versions import province_of

        found = province_of(first)
        if found is not None:
            own.add(found.pk)
    return Contest.objects.filter(province_id__in=own)
