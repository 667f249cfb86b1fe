"""Writes of the party app: keyword-only, one transaction each, every change audited.

Organisations, plans, the tasks a plan generates, a task done with its evidence, the reviewer's
score, deductions and the province's scheme versions. Reports are produced in ``compute.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.engine.errors import InputError
from grassroots.engine.party import PartyScheme, due_dates, parse_party_scheme, shipped_text
from grassroots.files import disk_name, private
from grassroots.organisations import audit, versions
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import AuditAction, Unit
from grassroots.party.models import (
    PARENT_KIND,
    Deduction,
    OrgKind,
    PartyOrg,
    PartySchemeVersion,
    Task,
    TaskPlan,
    TaskStatus,
)
from grassroots.party.permissions import does_task, manages, may_edit_scheme, reviews_task
from grassroots.people.models import Department, Person

SCHEME_CODE = "integration-2024"


class NotAllowed(Exception):
    """The actor may not do this here (the caller answers 404)."""


class PartyError(ValueError):
    """Bad input, in the user's language (the caller shows it; nothing was written)."""


# ------------------------------------------------------------------------------- organisations


@transaction.atomic
def save_org(
    *,
    unit: Unit,
    actor: Any,
    kind: str,
    name: str,
    parent: PartyOrg | None = None,
    secretary: Person | None = None,
    departments: list[Department] | None = None,
    members: list[Person] | None = None,
    org: PartyOrg | None = None,
    clock: Clock = timezone.now,
) -> PartyOrg:
    """Create or change a party organisation of ``unit`` (院党组 → 机关党委 → 党支部 → 党小组)."""
    if not manages(actor, unit):
        raise NotAllowed(unit.code)
    kind = OrgKind(kind)
    wanted = PARENT_KIND[kind]
    if wanted is None and parent is not None:
        raise PartyError(_("A leading party group has nothing above it."))
    if wanted is not None and (
        parent is None or parent.kind != wanted or parent.unit_id != unit.pk
    ):
        raise PartyError(
            _("A %(kind)s sits under a %(parent)s of the same unit.")
            % {"kind": kind.label, "parent": OrgKind(wanted).label}
        )
    for person in [secretary, *(members or [])]:
        if person is not None and person.unit_id != unit.pk:
            raise PartyError(_("Secretaries and members come from the unit's roster."))
    for department in departments or []:
        if department.unit_id != unit.pk:
            raise PartyError(_("A party organisation covers departments of its own unit."))
    org = org or PartyOrg(unit=unit)
    with audit.tracked(org, actor=actor, reason="party organisation", clock=clock):
        org.kind, org.name, org.parent, org.secretary = kind, name, parent, secretary
        org.save()
    if departments is not None:
        org.departments.set(departments)
    if members is not None:
        org.members.set(members)
    audit.record(
        obj=org,
        action=AuditAction.UPDATE,
        actor=actor,
        before=None,
        after={
            "departments": sorted(d.code for d in org.departments.all()),
            "members": sorted(p.staff_number for p in org.members.all()),
        },
        reason="party organisation: departments and members",
        at=clock(),
    )
    return org


# ------------------------------------------------------------------------------------ plans


@transaction.atomic
def save_plan(
    *,
    unit: Unit,
    actor: Any,
    title: str,
    item: str,
    recurrence: str,
    points: Decimal,
    reviewer: Person,
    owner_post: str = "",
    owner_person: Person | None = None,
    plan: TaskPlan | None = None,
    clock: Clock = timezone.now,
) -> TaskPlan:
    if not manages(actor, unit):
        raise NotAllowed(unit.code)
    scheme = current_scheme(unit)
    node = scheme.node(item)
    if node is None or not node.is_leaf or node.resolved_kind.value != "tasks":
        raise PartyError(_("%(item)s is not a task item of the scheme.") % {"item": item})
    if bool(owner_post) == bool(owner_person):
        raise PartyError(_("Give the owner post or the owner person, one of the two."))
    if reviewer.unit_id != unit.pk or (owner_person and owner_person.unit_id != unit.pk):
        raise PartyError(_("Owners and reviewers come from the unit's roster."))
    if points <= 0:
        raise PartyError(_("A task is worth more than 0 points."))
    plan = plan or TaskPlan(unit=unit)
    with audit.tracked(plan, actor=actor, reason="task plan", clock=clock):
        plan.title, plan.item, plan.recurrence, plan.points = title, item, recurrence, points
        plan.owner_post, plan.owner_person, plan.reviewer = owner_post, owner_person, reviewer
        plan.save()
    return plan


def plan_owners(plan: TaskPlan) -> list[Person]:
    """Who a plan's tasks go to: its person, or every active holder of its post."""
    if plan.owner_person_id is not None:
        return [plan.owner_person] if plan.owner_person and plan.owner_person.active else []
    return list(
        Person.objects.filter(unit_id=plan.unit_id, post=plan.owner_post, active=True).order_by(
            "staff_number"
        )
    )


@transaction.atomic
def generate_tasks(
    *, unit: Unit, start: dt.date, end: dt.date, actor: Any, clock: Clock = timezone.now
) -> list[Task]:
    """The tasks of every active plan of ``unit`` whose periods begin in [start, end], one per
    owner; a task already generated is not made again."""
    if not manages(actor, unit):
        raise NotAllowed(unit.code)
    if end < start or (end - start).days > 366:
        raise PartyError(_("Give a span of at most one year, its end after its start."))
    made: list[Task] = []
    for plan in TaskPlan.objects.filter(unit=unit, active=True).select_related("owner_person"):
        owners = plan_owners(plan)
        for occ in due_dates(plan.recurrence, start, end):
            for owner in owners:
                if Task.objects.filter(plan=plan, period=occ.label, owner=owner).exists():
                    continue
                task = Task(
                    unit=unit, plan=plan, title=plan.title, item=plan.item, period=occ.label,
                    month=occ.month, owner_post=plan.owner_post, owner=owner,
                    department_id=owner.department_id, reviewer_id=plan.reviewer_id,
                    due=occ.due, points=plan.points,
                )  # fmt: skip
                with audit.tracked(
                    task, actor=actor, reason="generated from the plan", clock=clock
                ):
                    task.save()
                made.append(task)
    return made


# ------------------------------------------------------------------------------------ evidence

EVIDENCE_TYPES = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".docx": (
        b"PK\x03\x04",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def evidence_limit() -> int:
    return int(getattr(settings, "GRASSROOTS_PARTY_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))


def check_evidence(name: str, data: bytes) -> str:
    """The content type of an evidence file; PartyError naming the file otherwise."""
    suffix = Path(name).suffix.lower()
    known = EVIDENCE_TYPES.get(suffix)
    if known is None:
        raise PartyError(
            _("%(name)s: evidence must be a PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx) file.")
            % {"name": name}
        )
    if len(data) > evidence_limit():
        raise PartyError(
            _("%(name)s is %(size)s bytes; evidence may be at most %(limit)s bytes.")
            % {"name": name, "size": len(data), "limit": evidence_limit()}
        )
    if not data:
        raise PartyError(_("%(name)s is empty.") % {"name": name})
    magic, content_type = known
    if not data.startswith(magic):
        raise PartyError(
            _("%(name)s is not really a %(suffix)s file (its content says otherwise).")
            % {"name": name, "suffix": suffix}
        )
    return content_type


def evidence_root() -> Path:
    return Path(settings.DATA_DIR) / "party" / "evidence"


def _store(task: Task, name: str, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = evidence_root() / task.unit.code / str(task.pk)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{digest}-{disk_name(name)}"
    path.write_bytes(data)
    private(folder.parent.parent)
    return path


@transaction.atomic
def complete_task(
    *,
    task: Task,
    actor: Any,
    report: str,
    evidence_name: str,
    evidence: bytes,
    clock: Clock = timezone.now,
) -> Task:
    """The owner marks the task done with what was done and one evidence file."""
    if not does_task(actor, task):
        raise NotAllowed(task.pk)
    if task.status == TaskStatus.SCORED:
        raise PartyError(_("This task is already scored."))
    content_type = check_evidence(evidence_name, evidence)
    task = Task.objects.select_for_update().get(pk=task.pk)
    path = _store(task, evidence_name, evidence)
    with audit.tracked(task, actor=actor, reason="task done with evidence", clock=clock):
        task.report = report
        task.evidence_name = disk_name(evidence_name)
        task.evidence_path = str(path.relative_to(evidence_root()))
        task.evidence_size = len(evidence)
        task.evidence_type = content_type
        task.status = TaskStatus.DONE
        task.done_at = clock()
        task.save()
    return task


def evidence_path(task: Task) -> Path | None:
    if not task.evidence_path:
        return None
    path = (evidence_root() / task.evidence_path).resolve()
    root = evidence_root().resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


@transaction.atomic
def score_task(
    *, task: Task, actor: Any, score: Decimal, note: str = "", clock: Clock = timezone.now
) -> Task:
    """The reviewer scores a done task (0 to its points)."""
    if not reviews_task(actor, task):
        raise NotAllowed(task.pk)
    if task.status == TaskStatus.OPEN:
        raise PartyError(_("A task is scored once its owner has done it."))
    if score < 0 or score > task.points:
        raise PartyError(
            _("The score is between 0 and %(points)s.") % {"points": f"{task.points.normalize():f}"}
        )
    with audit.tracked(task, actor=actor, reason="task scored", clock=clock):
        task.score, task.score_note = score, note
        task.status = TaskStatus.SCORED
        task.scored_by = actor.get_username()
        task.scored_at = clock()
        task.save()
    return task


@transaction.atomic
def add_deduction(
    *,
    unit: Unit,
    actor: Any,
    item: str,
    month: str,
    points: Decimal,
    reason: str,
    department: Department | None = None,
    person: Person | None = None,
    clock: Clock = timezone.now,
) -> Deduction:
    if not manages(actor, unit):
        raise NotAllowed(unit.code)
    node = current_scheme(unit).node(item)
    if node is None or node.resolved_kind.value != "deduction":
        raise PartyError(_("%(item)s is not a deduction item of the scheme.") % {"item": item})
    if points <= 0:
        raise PartyError(_("Deduct more than 0 points."))
    deduction = Deduction(
        unit=unit, department=department, person=person, item=item, month=month,
        points=points, reason=reason, entered_by=actor.get_username(), entered=clock(),
    )  # fmt: skip
    with audit.tracked(deduction, actor=actor, reason=reason, clock=clock):
        deduction.save()
    return deduction


# ------------------------------------------------------------------------------------- scheme


def current_version(unit: Unit | None) -> PartySchemeVersion | None:
    return versions.current(
        PartySchemeVersion, province=versions.province_of(unit), code=SCHEME_CODE
    )


def current_scheme(unit: Unit | None) -> PartyScheme:
    """The scheme the unit's province uses (the shipped one until it edits its own)."""
    found = current_version(unit)
    text = found.yaml_text if found is not None else shipped_text(SCHEME_CODE)
    return parse_party_scheme(text)


def version_for_reports(province: Unit, actor: Any) -> PartySchemeVersion:
    """The province's own version (its first use copies the shipped scheme)."""
    return versions.own_copy(
        PartySchemeVersion,
        province=province,
        actor=actor,
        default_text=lambda: shipped_text(SCHEME_CODE),
        code=SCHEME_CODE,
    )


def save_scheme(*, actor: Any, yaml_text: str, note: str = "") -> PartySchemeVersion:
    """Check and store the province's next scheme version (InputError lists the problems)."""
    if not may_edit_scheme(actor):
        raise NotAllowed("scheme")
    parse_party_scheme(yaml_text, source="scheme")  # InputError on any problem
    province = versions.owner_for(actor)
    return versions.save_version(
        PartySchemeVersion,
        province=province,
        yaml_text=yaml_text,
        actor=actor,
        note=note,
        default_text=lambda: shipped_text(SCHEME_CODE),
        code=SCHEME_CODE,
    )


__all__ = ["InputError"]
