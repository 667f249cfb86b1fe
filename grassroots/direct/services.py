"""Filing, answering, forwarding and escalating direct reports; the contact map. Each change is
one transaction, audited, and tells the people concerned (grassroots/notifications).

Time limits (settings, modelled on the SPP's petition standard, not a sourced rule for this
channel): a first reply within GRASSROOTS_DIRECT_FIRST_REPLY_WORKING_DAYS working days
(Monday to Friday; public holidays are not known to the program), a substantive reply within
GRASSROOTS_DIRECT_SUBSTANTIVE_DAYS days of filing, then an update every
GRASSROOTS_DIRECT_UPDATE_DAYS days until closed. An item past its time escalates to the next
person on its route, who gets a fresh limit of the same stage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from grassroots.direct import permissions
from grassroots.direct.models import (
    Attachment,
    ContactEntry,
    ContactKind,
    Message,
    MessageKind,
    Report,
    Stage,
)
from grassroots.direct.routing import Stop, route_for
from grassroots.files import disk_name, private
from grassroots.notifications import kinds
from grassroots.notifications.recipients import members
from grassroots.notifications.services import notify, unit_ref
from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Level, Role, Unit
from grassroots.organisations.scope import membership_of
from grassroots.organisations.versions import province_of

Clock = Callable[[], dt.datetime]


class DirectError(Exception):
    """Bad input or a step not allowed now: field → message, in the user's language."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


class NotAllowed(Exception):
    pass


# ------------------------------------------------------------------------------- time limits


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """``start`` moved on by ``days`` working days (Monday to Friday), same local time."""
    moment = start
    left = days
    while left > 0:
        moment += dt.timedelta(days=1)
        if timezone.localtime(moment).weekday() < 5:
            left -= 1
    return moment


def first_reply_due(start: dt.datetime) -> dt.datetime:
    return add_working_days(start, settings.GRASSROOTS_DIRECT_FIRST_REPLY_WORKING_DAYS)


def update_due(start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(days=settings.GRASSROOTS_DIRECT_UPDATE_DAYS)


def substantive_due(filed: dt.datetime) -> dt.datetime:
    return filed + dt.timedelta(days=settings.GRASSROOTS_DIRECT_SUBSTANTIVE_DAYS)


# ------------------------------------------------------------------------------- attachments

# Extension → the bytes the file must start with ("" for plain text, checked as UTF-8).
ALLOWED: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".txt": (),
}
MAX_FILES = 5
TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}


def attachments_dir() -> Path:
    return Path(settings.DATA_DIR) / "direct"


def check_files(files: Sequence[UploadedFile[Any]]) -> list[tuple[UploadedFile[Any], str, bytes]]:
    """Each file's type (by extension and content) and size, or a DirectError naming the file."""
    limit = settings.GRASSROOTS_DIRECT_ATTACHMENT_MAX_MB * 1024 * 1024
    if len(files) > MAX_FILES:
        raise DirectError({"files": _("At most %(n)s files per report.") % {"n": MAX_FILES}})
    checked = []
    for f in files:
        name = disk_name(f.name or "upload")
        suffix = Path(name).suffix.lower()
        if suffix not in ALLOWED:
            raise DirectError(
                {
                    "files": _("%(name)s: files of this type are not accepted (allowed: %(ok)s).")
                    % {"name": name, "ok": ", ".join(sorted(ALLOWED))}
                }
            )
        if (f.size or 0) > limit:
            raise DirectError(
                {
                    "files": _("%(name)s is larger than %(mb)s MB.")
                    % {"name": name, "mb": settings.GRASSROOTS_DIRECT_ATTACHMENT_MAX_MB}
                }
            )
        data = f.read()
        if len(data) > limit:
            raise DirectError(
                {
                    "files": _("%(name)s is larger than %(mb)s MB.")
                    % {"name": name, "mb": settings.GRASSROOTS_DIRECT_ATTACHMENT_MAX_MB}
                }
            )
        heads = ALLOWED[suffix]
        if heads and not any(data.startswith(h) for h in heads):
            bad = True
        elif not heads:
            try:
                data.decode("utf-8")
                bad = False
            except UnicodeDecodeError:
                bad = True
        else:
            bad = False
        if bad or not data:
            raise DirectError(
                {
                    "files": _("%(name)s: its content is not a %(type)s file.")
                    % {"name": name, "type": suffix.lstrip(".").upper()}
                }
            )
        checked.append((f, name, data))
    return checked


def _store(
    report: Report, checked: list[tuple[UploadedFile[Any], str, bytes]], *, actor: Any, now: Any
) -> list[Attachment]:
    folder = attachments_dir() / str(report.pk)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    private(attachments_dir())
    stored = []
    for _f, name, data in checked:
        suffix = Path(name).suffix.lower()
        relative = f"{report.pk}/{uuid.uuid4().hex}{suffix}"
        target = attachments_dir() / relative
        target.write_bytes(data)
        private(target)
        attachment = Attachment(
            report=report,
            name=name,
            size=len(data),
            content_type=TYPES[suffix],
            sha256=hashlib.sha256(data).hexdigest(),
            stored=relative,
            uploaded_by=actor,
            uploaded_at=now,
        )
        with audit.tracked(attachment, actor=actor, clock=lambda: now):
            attachment.save()
        stored.append(attachment)
    return stored


def attachment_path(attachment: Attachment) -> Path:
    path = (attachments_dir() / attachment.stored).resolve()
    if attachments_dir().resolve() not in path.parents:
        raise FileNotFoundError(attachment.stored)
    return path


# ------------------------------------------------------------------------------- helpers


def _link(report: Report) -> str:
    return reverse("direct:report", args=[report.pk])


def _params(report: Report, **more: Any) -> dict[str, Any]:
    return {
        "number": report.number,
        "title": report.title,
        "unit": unit_ref(report.unit),
        **more,
    }


def _message(
    report: Report, *, kind: MessageKind, author: Any, to: Any, text: str, now: dt.datetime
) -> Message:
    msg = Message(report=report, kind=kind, author=author, to=to, text=text, created=now)
    with audit.tracked(msg, actor=author, clock=lambda: now):
        msg.save()
    return msg


def _reporters(report: Report) -> list[Any]:
    return [report.filed_by, *members([report.unit], [Role.GRASSROOTS_CLERK])]


def _tell_assigned(report: Report, *, now: dt.datetime, why: str) -> None:
    notify(
        [report.handler],
        kind=kinds.DIRECT_ASSIGNED,
        title=gettext_noop("Direct report %(number)s for you to answer: %(title)s"),
        body=why,
        params=_params(report),
        link=_link(report),
        key=f"direct:{report.pk}:assigned:{report.handler_id}:{now.isoformat()}",
        clock=lambda: now,
    )


def _province_and_check(actor: Any) -> tuple[Unit, Unit]:
    if not permissions.may_file(actor):
        raise NotAllowed("file")
    membership = membership_of(actor)
    assert membership is not None
    province = province_of(membership.unit)
    if province is None:
        raise NotAllowed("file")
    return membership.unit, province


# ------------------------------------------------------------------------------- filing


def file_report(
    *,
    actor: Any,
    category: str,
    urgency: str,
    line: str,
    title: str,
    description: str,
    files: Sequence[UploadedFile[Any]] = (),
    clock: Clock = timezone.now,
) -> Report:
    """The actor's unit files a report; it goes to the first person on its route."""
    unit, province = _province_and_check(actor)
    problems = {}
    if not title.strip():
        problems["title"] = _("Give the report a title.")
    if not description.strip():
        problems["description"] = _("Describe the problem or suggestion.")
    if problems:
        raise DirectError(problems)
    checked = check_files(files)
    route = route_for(unit=unit, province=province, line=line)
    if not route:
        raise DirectError(
            {"route": _("The province has no contact map and no administrator to receive it.")}
        )
    now = clock()
    first = route[0]
    with transaction.atomic():
        report = Report(
            unit=unit,
            province=province,
            filed_by=actor,
            category=category,
            urgency=urgency,
            line=line,
            title=title.strip()[:200],
            description=description.strip(),
            filed_at=now,
            handler_id=first.user_id,
            department=first.department,
            route=[s.user_id for s in route],
            route_step=0,
            stage=Stage.FIRST,
            due_at=first_reply_due(now),
        )
        with audit.tracked(report, actor=actor, clock=clock):
            report.save()
        _message(report, kind=MessageKind.FILED, author=actor, to=report.handler, text="", now=now)
        _store(report, checked, actor=actor, now=now)
        _tell_assigned(
            report,
            now=now,
            why=gettext_noop("%(unit)s filed it; the contact map routes it to you."),
        )
    return report


# ------------------------------------------------------------------------------- answering


def reply(
    *,
    report: Report,
    actor: Any,
    text: str,
    substantive: bool = False,
    resolved: bool = False,
    clock: Clock = timezone.now,
) -> Message:
    """The handler answers. A substantive reply starts the monthly updates; a resolved one
    closes the item."""
    if not permissions.may_handle(actor, report):
        raise NotAllowed("reply")
    if not text.strip():
        raise DirectError({"text": _("Write the reply.")})
    now = clock()
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if not permissions.may_handle(actor, report):
            raise NotAllowed("reply")
        kind = MessageKind.SUBSTANTIVE if substantive or resolved else MessageKind.REPLY
        msg = _message(report, kind=kind, author=actor, to=None, text=text.strip(), now=now)
        with audit.tracked(report, actor=actor, clock=clock):
            if report.first_reply_at is None:
                report.first_reply_at = now
            if kind == MessageKind.SUBSTANTIVE:
                report.substantive_at = report.substantive_at or now
                report.stage, report.due_at = Stage.UPDATE, update_due(now)
            elif report.stage == Stage.FIRST:
                report.stage, report.due_at = Stage.SUBSTANTIVE, substantive_due(report.filed_at)
            elif report.stage == Stage.UPDATE:
                report.due_at = update_due(now)
            if resolved:
                report.stage, report.due_at, report.closed_at = Stage.CLOSED, None, now
            report.save()
        notify(
            _reporters(report),
            kind=kinds.DIRECT_REPLY,
            title=gettext_noop("Reply to direct report %(number)s: %(title)s"),
            body=gettext_noop("%(handler)s: %(text)s"),
            params=_params(
                report,
                handler=actor.get_full_name() or actor.get_username(),
                text=text.strip()[:300],
            ),  # fmt: skip
            link=_link(report),
            clock=clock,
        )
    return msg


def add_note(*, report: Report, actor: Any, text: str, clock: Clock = timezone.now) -> Message:
    """The reporting unit adds to its report; the handler is told."""
    if not permissions.may_add_note(actor, report):
        raise NotAllowed("note")
    if not text.strip():
        raise DirectError({"text": _("Write the note.")})
    now = clock()
    with transaction.atomic():
        msg = _message(
            report, kind=MessageKind.NOTE, author=actor, to=None, text=text.strip(), now=now
        )
        notify(
            [report.handler],
            kind=kinds.DIRECT_REPLY,
            title=gettext_noop("The unit added to direct report %(number)s: %(title)s"),
            body=gettext_noop("%(text)s"),
            params=_params(report, text=text.strip()[:300]),
            link=_link(report),
            clock=clock,
        )
    return msg


def _hand_over(
    report: Report,
    *,
    to: Any,
    department: str,
    actor: Any,
    kind: MessageKind,
    text: str,
    now: dt.datetime,
    step: int | None = None,
) -> None:
    with audit.tracked(report, actor=actor, clock=lambda: now):
        report.handler = to
        report.department = department
        if step is not None:
            report.route_step = step
        if kind == MessageKind.ESCALATE:
            report.escalations += 1
            report.due_at = first_reply_due(now) if report.stage == Stage.FIRST else update_due(now)
        report.save()
    _message(report, kind=kind, author=actor, to=to, text=text, now=now)


def forward(
    *, report: Report, actor: Any, to_entry: ContactEntry, text: str, clock: Clock = timezone.now
) -> Report:
    """The handler passes the item to another person on the province's map."""
    if not permissions.may_handle(actor, report):
        raise NotAllowed("forward")
    if to_entry.province_id != report.province_id or to_entry.handler_id == report.handler_id:
        raise DirectError({"to": _("Choose another person on the province's contact map.")})
    now = clock()
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        _hand_over(report, to=to_entry.handler, department=to_entry.department, actor=actor,
                   kind=MessageKind.FORWARD, text=text.strip(), now=now)  # fmt: skip
        _tell_assigned(report, now=now, why=gettext_noop("It was forwarded to you."))
    return report


def _next_stop(report: Report) -> tuple[int, Any, str] | None:
    """The next person down the route, else the province's administrators' first."""
    user_model = get_user_model()
    for step in range(report.route_step + 1, len(report.route)):
        user = user_model.objects.filter(pk=report.route[step], is_active=True).first()
        if user is not None and user.pk != report.handler_id:
            entry = ContactEntry.objects.filter(province=report.province, handler=user).first()
            return step, user, entry.department if entry else ""
    admin = (
        user_model.objects.filter(
            is_active=True,
            membership__unit=report.province,
            membership__role=Role.PROVINCE_ADMIN,
        )
        .exclude(pk=report.handler_id)
        .order_by("pk")
        .first()
    )
    if admin is not None and admin.pk not in report.route[: report.route_step + 1]:
        return len(report.route), admin, ""
    return None


def escalate(*, report: Report, actor: Any, text: str, clock: Clock = timezone.now) -> Report:
    """The handler sends the item up to the next person on its route."""
    if not permissions.may_handle(actor, report):
        raise NotAllowed("escalate")
    now = clock()
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        nxt = _next_stop(report)
        if nxt is None:
            raise DirectError({"to": _("Nobody is further up this report's route.")})
        step, user, department = nxt
        _hand_over(report, to=user, department=department, actor=actor,
                   kind=MessageKind.ESCALATE, text=text.strip(), now=now, step=step)  # fmt: skip
        _tell_assigned(report, now=now, why=gettext_noop("It was escalated to you."))
    return report


def escalate_overdue(now: dt.datetime) -> int:
    """The worker's scan: every open item past its time goes to the next person on its route
    (once per deadline); the late handler and the new one are told. How many were told."""
    told = 0
    late = Report.objects.exclude(stage=Stage.CLOSED).filter(due_at__lt=now).order_by("id")
    for report in late.select_related("unit", "handler"):
        with transaction.atomic():
            report = Report.objects.select_for_update().select_related("unit").get(pk=report.pk)
            if report.due_at is None or report.due_at >= now:
                continue
            previous = report.handler
            due = report.due_at
            told += len(
                notify(
                    [previous],
                    kind=kinds.DIRECT_OVERDUE,
                    title=gettext_noop("Direct report %(number)s is overdue: %(title)s"),
                    body=gettext_noop("It was due on %(due)s."),
                    params=_params(
                        report,
                        due=timezone.localtime(due).strftime("%Y-%m-%d"),
                    ),
                    link=_link(report),
                    key=f"direct:{report.pk}:overdue:{due.isoformat()}",
                    clock=lambda: now,
                )
            )
            nxt = _next_stop(report)
            if nxt is None:
                # Nobody further up: the item stays with its handler and waits a new period.
                with audit.tracked(report, actor=None, clock=lambda: now):
                    report.due_at = update_due(now)
                    report.save()
                continue
            step, user, department = nxt
            _hand_over(
                report,
                to=user,
                department=department,
                actor=None,
                kind=MessageKind.ESCALATE,
                text=gettext_noop("Overdue: escalated by the time limit."),
                now=now,
                step=step,
            )
            _tell_assigned(
                report,
                now=now,
                why=gettext_noop("It was overdue with the person before you on its route."),
            )
            told += 1
    return told


# ------------------------------------------------------------------------------- the map


def add_entry(
    *,
    actor: Any,
    kind: str,
    handler: Any,
    unit: Unit | None = None,
    line: str = "",
    department: str = "",
    clock: Clock = timezone.now,
) -> ContactEntry:
    if not permissions.may_keep_map(actor):
        raise NotAllowed("map")
    membership = membership_of(actor)
    assert membership is not None
    province = membership.unit
    problems: dict[str, str] = {}
    handler_membership = membership_of(handler)
    if handler_membership is None or handler_membership.unit_id != province.pk:
        problems["handler"] = _("The handler must be a user with a role in the province.")
    needs_unit = kind in (
        ContactKind.WEAK_LEADER,
        ContactKind.WEAK_DEPARTMENT,
        ContactKind.LEADER_UNIT,
        ContactKind.LEADER_CITY,
    )
    if needs_unit:
        want = Level.CITY if kind == ContactKind.LEADER_CITY else Level.GRASSROOTS
        if unit is None or unit.level != want or not unit.path.startswith(province.path):
            problems["unit"] = (
                _("Choose a city of the province.")
                if want == Level.CITY
                else _("Choose a grassroots unit of the province.")
            )
    else:
        unit = None
    if kind == ContactKind.DEPARTMENT_LINE and not line:
        problems["line"] = _("Choose the business line.")
    if kind in (ContactKind.WEAK_DEPARTMENT, ContactKind.DEPARTMENT_LINE) and not department:
        problems["department"] = _("Name the department.")
    if problems:
        raise DirectError(problems)
    entry = ContactEntry(
        province=province,
        kind=kind,
        handler=handler,
        unit=unit,
        line=line if kind == ContactKind.DEPARTMENT_LINE else "",
        department=department.strip()[:100],
    )
    with transaction.atomic(), audit.tracked(entry, actor=actor, clock=clock):
        entry.save()
    return entry


def remove_entry(*, actor: Any, entry: ContactEntry, clock: Clock = timezone.now) -> None:
    if not permissions.may_keep_map(actor):
        raise NotAllowed("map")
    membership = membership_of(actor)
    if membership is None or entry.province_id != membership.unit_id:
        raise NotAllowed("map")
    with transaction.atomic():
        audit.delete(entry, actor=actor, clock=clock)


def record_download(*, attachment: Attachment, actor: Any) -> None:
    audit.security_event(
        action=AuditAction.EXPORT,
        actor=actor,
        object_repr=f"direct report {attachment.report_id}: {attachment.name}"[:200],
        subject=attachment,
    )


__all__ = ["Stop"]
