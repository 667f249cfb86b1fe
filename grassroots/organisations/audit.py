"""The audit log: who changed which business record, when, and what it looked like before/after.

Services write it explicitly (no signals, see STYLE.md). The usual way is the `tracked` context
manager, which snapshots the object on entry and writes the entry on exit, so a service cannot
save a change and forget its audit line::

    with tracked(unit, actor=actor, reason="corrected headcount"):
        unit.headcount = 41
        unit.save()

Bulk paths (the unit loader) build entries with `entry(...)` and `bulk_create` them in the same
transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils import timezone

from grassroots.organisations.audit_context import current as current_context
from grassroots.organisations.chain import entry_hash
from grassroots.organisations.models import AuditAction, AuditEntry, AuditResult

Clock = Callable[[], dt.datetime]
SYSTEM_ACTOR = "system"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def snapshot(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The object's concrete field values as JSON-safe data (foreign keys by their raw id)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or field.primary_key:
            continue
        # attname gives "parent_id" for a foreign key: no query, and the value that was stored.
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    before, after = before or {}, after or {}
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def unit_code_of(obj: models.Model) -> str:
    """The unit an object belongs to, so the log can be scoped like everything else.

    A model whose records belong to a unit in another way (a run to the scope it evaluated, a
    token to its user's unit) says so with an ``audit_unit_code`` property.
    """
    if obj._meta.label_lower == "organisations.unit":
        return str(obj.code)  # type: ignore[attr-defined]
    own = getattr(obj, "audit_unit_code", None)
    if own:
        return str(own)
    unit = getattr(obj, "unit", None)
    if unit is not None and hasattr(unit, "code"):
        return str(unit.code)
    return str(getattr(obj, "unit_code", "") or "")


def actor_unit_code(actor: AbstractBaseUser | AnonymousUser | None) -> str:
    """The unit of the actor's membership ("" for the system or a user without one).

    A change to a record of no unit (a scheme version, a deadline) is the actor's unit's
    change: the province administrator's edits are the province's, scoped to its auditors.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    # A missing reverse one-to-one raises a subclass of AttributeError: getattr's default.
    membership = getattr(actor, "membership", None)
    unit = getattr(membership, "unit", None)
    return str(unit.code) if unit is not None else ""


def _actor_fields(actor: AbstractBaseUser | AnonymousUser | None) -> tuple[Any, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        # The command line names its OS user (or --actor); the web's anonymous requests and
        # the worker are the system.
        return None, current_context().actor_name or SYSTEM_ACTOR
    return actor, actor.get_username()


def entry(
    *,
    obj: models.Model,
    action: AuditAction,
    actor: AbstractBaseUser | AnonymousUser | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
    at: dt.datetime | None = None,
    result: AuditResult = AuditResult.OK,
) -> AuditEntry:
    """An unsaved entry (for bulk_create); `record` saves one."""
    user, name = _actor_fields(actor)
    return AuditEntry(
        at=at or timezone.now(),
        actor=user,
        actor_name=name,
        action=action,
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        unit_code=unit_code_of(obj) or actor_unit_code(actor),
        before=before,
        after=after,
        reason=reason[:500],
        result=result,
        source=current_context().source,
    )


def record(
    *,
    obj: models.Model,
    action: AuditAction,
    actor: AbstractBaseUser | AnonymousUser | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Write one audit entry now (inside the caller's transaction)."""
    audit = entry(
        obj=obj, action=action, actor=actor, before=before, after=after, reason=reason, at=at
    )
    audit.save()
    return audit


@contextmanager
def tracked(
    obj: models.Model,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    reason: str = "",
    clock: Clock = timezone.now,
) -> Iterator[models.Model]:
    """Audit whatever the block does to `obj`: a create if it had no primary key, else an update.

    Nothing is written when the block leaves the object unchanged, or raises.
    """
    is_new = obj.pk is None or obj._state.adding
    before = None if is_new else snapshot(obj)
    yield obj
    if obj.pk is None:
        return  # the block decided not to save after all
    after = snapshot(obj)
    if is_new:
        record(
            obj=obj,
            action=AuditAction.CREATE,
            actor=actor,
            before=None,
            after=after,
            reason=reason,
            at=clock(),
        )
    elif changed_fields(before, after):
        record(
            obj=obj,
            action=AuditAction.UPDATE,
            actor=actor,
            before=before,
            after=after,
            reason=reason,
            at=clock(),
        )


def delete(
    obj: models.Model,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    reason: str = "",
    clock: Clock = timezone.now,
) -> None:
    """Delete `obj` and keep its last state in the log."""
    before = snapshot(obj)
    audit = entry(
        obj=obj,
        action=AuditAction.DELETE,
        actor=actor,
        before=before,
        after=None,
        reason=reason,
        at=clock(),
    )
    obj.delete()
    audit.save()


# ---------------------------------------------------------------------------------------------
# Security events: logins, refusals, exports, accounts (安全审计)


def security_event(
    *,
    action: AuditAction,
    actor: AbstractBaseUser | AnonymousUser | None,
    object_repr: str,
    result: AuditResult = AuditResult.OK,
    subject: Any = None,
    actor_name: str = "",
    unit_code: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    clock: Clock = timezone.now,
) -> AuditEntry:
    """Write one security event now.

    `subject` is the record concerned (a user, a token), else the event is about `object_repr`
    (a page's path, a username that does not exist). `actor_name` names an actor who is not
    logged in (the username a failed login tried). The unit is the subject's, else the
    actor's, else none (then the province- and nation-level auditors see it).
    """
    user, name = _actor_fields(actor)
    if user is None and actor_name:
        name = actor_name
    if unit_code is None:
        # A user's unit is their membership's (actor_unit_code reads any user's).
        of_subject = (unit_code_of(subject) or actor_unit_code(subject)) if subject else ""
        unit_code = of_subject or actor_unit_code(actor)
    audit = AuditEntry(
        at=clock(),
        actor=user,
        actor_name=name[:150],
        action=action,
        model=subject._meta.label_lower if subject is not None else "security.event",
        object_id=str(subject.pk) if subject is not None else "",
        object_repr=object_repr[:200],
        unit_code=unit_code[:12],
        before=None,
        after=details,
        reason=reason[:500],
        result=result,
        source=current_context().source,
    )
    audit.save()
    return audit


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad: int | None  # the id of the first entry that does not fit the chain
    problem: str
    last_id: int | None = None  # the newest entry checked and its hash: kept outside the
    last_hash: str = ""  # database, they reveal entries removed from the end

    @property
    def ok(self) -> bool:
        return self.first_bad is None


def verify_chain(*, chunk: int = 2000) -> ChainReport:
    """Recompute every entry's hash in id order; the first entry that does not fit is named.

    An edited entry's own hash no longer matches its content; a removed or inserted entry
    breaks the next entry's link to its predecessor.
    """
    previous = ""
    checked = 0
    last_id = None
    for audit in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk):
        if audit.prev_hash != previous:
            return ChainReport(
                checked,
                audit.pk,
                "its link to the previous entry is broken: an entry before it was removed, "
                "inserted or changed",
            )
        if entry_hash(audit.chain_fields(), previous) != audit.hash:
            return ChainReport(checked, audit.pk, "its content does not match its hash: edited")
        previous = audit.hash
        last_id = audit.pk
        checked += 1
    # The chain cannot see its own end cut off: the head witnessed outside the database can.
    from grassroots.organisations.audit_witness import read_head, tail_problem

    head = read_head()
    first = AuditEntry.objects.order_by("id").values_list("hash", flat=True).first()
    held = (
        dict(AuditEntry.objects.filter(id=head.id).values_list("id", "hash"))
        if head is not None
        else {}
    )
    problem = tail_problem(first, held, last_id)
    if problem:
        return ChainReport(checked, head.id if head is not None else 0, problem, last_id, previous)
    return ChainReport(checked, None, "", last_id if checked else None, previous)
