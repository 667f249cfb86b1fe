"""Writes to units, memberships and API tokens. Each service is one transaction and is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import (
    AccountSecurity,
    ApiToken,
    AuditAction,
    AuditEntry,
    Level,
    Membership,
    Role,
    Unit,
)
from grassroots.organisations.unitfile import UnitRow, national_row
from grassroots.reference.units import NATION_CODE

Actor = AbstractBaseUser | AnonymousUser | None

# Fields the official list decides; staff figures and peer groups are the province's to set.
_REFERENCE_FIELDS = ("name_zh", "name_en", "level", "kind", "parent", "path")
_STAFF_FIELDS = ("headcount", "procurators", "under_45_share")
EDITABLE_FIELDS = frozenset({"name_zh", "name_en", "peer_group", *_STAFF_FIELDS})


class ChangeError(Exception):
    """A requested change breaks a rule; `problems` maps field name to message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged"
        )


# ---------------------------------------------------------------------------------------------
# Units


def _ordered_by_depth(rows: Sequence[UnitRow], existing: Mapping[str, Unit]) -> list[list[UnitRow]]:
    """Rows grouped by depth (0 = a root), so each batch's parents are saved before it."""
    by_code = {row.code: row for row in rows}
    depth: dict[str, int] = {}

    def depth_of(code: str, seen: frozenset[str] = frozenset()) -> int:
        if code in depth:
            return depth[code]
        if code in seen:
            raise ChangeError({"parent_code": f"cycle through {code}"})
        row = by_code.get(code)
        parent = row.parent_code if row else (up.code if (up := existing[code].parent) else None)
        depth[code] = 0 if parent is None else depth_of(parent, seen | {code}) + 1
        return depth[code]

    batches: dict[int, list[UnitRow]] = {}
    for row in rows:
        batches.setdefault(depth_of(row.code), []).append(row)
    return [batches[d] for d in sorted(batches)]


def _under_the_nation(rows: Sequence[UnitRow], existing: Mapping[str, Unit]) -> list[UnitRow]:
    """The rows with every province under the nation, and the nation added if it is missing.

    Provinces were roots before the national level existed; a row without a parent still
    means a province that hangs under the nation.
    """
    wrong = [r.code for r in rows if (r.code == NATION_CODE) != (r.level == Level.NATION)]
    if wrong:
        raise ChangeError({"level": f"only {NATION_CODE} is the national unit: {wrong[0]}"})
    rows = [
        replace(r, parent_code=NATION_CODE)
        if r.level == Level.PROVINCE and r.parent_code is None
        else r
        for r in rows
    ]
    needs_nation = any(r.parent_code == NATION_CODE for r in rows)
    if needs_nation and NATION_CODE not in existing and all(r.code != NATION_CODE for r in rows):
        rows.insert(0, national_row())
    return rows


def _path(row: UnitRow, parent: Unit | None) -> str:
    # The nation's path is empty (see Unit.path): every unit's path starts with it.
    if row.level == Level.NATION:
        return ""
    return (parent.path if parent else "") + row.code + "/"


def _apply_row(unit: Unit, row: UnitRow, parent: Unit | None, *, update_peer_groups: bool) -> None:
    unit.name_zh = row.name_zh
    unit.name_en = row.name_en
    unit.level = row.level
    unit.kind = row.kind
    unit.parent = parent
    unit.path = _path(row, parent)
    if row.peer_group and (update_peer_groups or not unit.peer_group):
        unit.peer_group = row.peer_group
    elif not unit.peer_group and row.level == Level.GRASSROOTS and parent is not None:
        unit.peer_group = parent.code  # a grassroots unit's default peer group is its city
    for name in _STAFF_FIELDS:
        value = getattr(row, name)
        if value is not None:
            setattr(unit, name, value)


@transaction.atomic
def load_units(
    *,
    rows: Sequence[UnitRow],
    actor: Actor,
    reason: str = "",
    update_peer_groups: bool = False,
    clock: Clock = timezone.now,
) -> LoadResult:
    """Create missing units and update changed ones; never deletes and never duplicates.

    Provinces always hang under the national unit, which is created when it is missing.

    `update_peer_groups`: a file given by the province may regroup units; the official list
    only fills empty peer groups, so a regrouping made by the province survives a reload.
    """
    now = clock()
    units = {u.code: u for u in Unit.objects.select_related("parent")}
    rows = _under_the_nation(rows, units)
    result = LoadResult()
    entries: list[AuditEntry] = []
    moved: list[tuple[str, str]] = []
    for batch in _ordered_by_depth(rows, units):
        to_create: list[Unit] = []
        to_update: list[tuple[Unit, dict[str, Any]]] = []
        for row in batch:
            parent = units[row.parent_code] if row.parent_code else None
            unit = units.get(row.code)
            if unit is None:
                unit = Unit(code=row.code)
                _apply_row(unit, row, parent, update_peer_groups=update_peer_groups)
                to_create.append(unit)
                units[row.code] = unit
                continue
            before = audit.snapshot(unit)
            old_path = unit.path
            _apply_row(unit, row, parent, update_peer_groups=update_peer_groups)
            if audit.changed_fields(before, audit.snapshot(unit)):
                to_update.append((unit, before))
                if old_path != unit.path:
                    moved.append((old_path, unit.path))
            else:
                result.unchanged += 1
        Unit.objects.bulk_create(to_create, batch_size=1000)
        fields = [*_REFERENCE_FIELDS, "peer_group", *_STAFF_FIELDS]
        Unit.objects.bulk_update([u for u, _ in to_update], fields, batch_size=1000)
        for unit in to_create:
            result.created.append(unit.code)
            entries.append(
                audit.entry(
                    obj=unit,
                    action=AuditAction.CREATE,
                    actor=actor,
                    before=None,
                    after=audit.snapshot(unit),
                    reason=reason,
                    at=now,
                )
            )
        for unit, before in to_update:
            result.updated.append(unit.code)
            entries.append(
                audit.entry(
                    obj=unit,
                    action=AuditAction.UPDATE,
                    actor=actor,
                    before=before,
                    after=audit.snapshot(unit),
                    reason=reason,
                    at=now,
                )
            )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    for old, new in moved:
        _rebase_descendants(old, new, loaded={row.code for row in rows})
    return result


def _rebase_descendants(old_path: str, new_path: str, *, loaded: set[str]) -> None:
    # A unit that moved takes its subtree with it; units of this load already have new paths.
    stale = [u for u in Unit.objects.filter(path__startswith=old_path) if u.code not in loaded]
    for unit in stale:
        unit.path = new_path + unit.path[len(old_path) :]
    Unit.objects.bulk_update(stale, ["path"], batch_size=1000)


def _validate_changes(unit: Unit, changes: Mapping[str, Any]) -> dict[str, str]:
    problems = {name: "cannot be changed here" for name in changes if name not in EDITABLE_FIELDS}
    if "name_zh" in changes and not str(changes["name_zh"] or "").strip():
        problems["name_zh"] = "the Chinese name cannot be empty"
    for name in ("headcount", "procurators"):
        value = changes.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            problems[name] = "must be a whole number, 0 or more"
    share = changes.get("under_45_share")
    if share is not None and not Decimal(0) <= Decimal(str(share)) <= Decimal(100):
        problems["under_45_share"] = "must be a percentage between 0 and 100"
    headcount = changes.get("headcount", unit.headcount)
    procurators = changes.get("procurators", unit.procurators)
    if (
        "procurators" not in problems
        and headcount is not None
        and procurators is not None
        and procurators > headcount
    ):
        problems["procurators"] = f"{procurators} procurators exceed the headcount {headcount}"
    return problems


@transaction.atomic
def update_unit(
    *,
    unit: Unit,
    changes: Mapping[str, Any],
    actor: Actor,
    reason: str = "",
    clock: Clock = timezone.now,
) -> Unit:
    """Change a unit's names, peer group or staff figures. Raises ChangeError on a bad change."""
    problems = _validate_changes(unit, changes)
    if problems:
        raise ChangeError(problems)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    with audit.tracked(unit, actor=actor, reason=reason, clock=clock):
        for name, value in changes.items():
            if name == "under_45_share" and value is not None:
                value = Decimal(str(value)).quantize(Decimal("0.01"))
            setattr(unit, name, value)
        unit.save(update_fields=list(changes) or None)
    return unit


# ---------------------------------------------------------------------------------------------
# People


@transaction.atomic
def add_member(
    *,
    user: User,
    unit: Unit,
    role: Role | str,
    actor: Actor,
    reason: str = "",
    clock: Clock = timezone.now,
) -> Membership:
    """Give `user` their one unit and role (replacing any previous one)."""
    role = Role(role)
    membership = Membership.objects.filter(user=user).first() or Membership(user=user)
    with audit.tracked(membership, actor=actor, reason=reason, clock=clock):
        membership.unit = unit
        membership.role = role
        membership.save()
    return membership


@transaction.atomic
def create_user(*, username: str, password: str | None, actor: Actor) -> User:
    """A login account (no role yet). Without a password the account can only use API tokens.

    The password must pass the rules (settings.AUTH_PASSWORD_VALIDATORS); a ValidationError
    lists what it fails. The creation is audited.
    """
    user_model = get_user_model()
    user = user_model(username=username)
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    AccountSecurity.objects.create(user=user, password_changed=clock_now())
    audit.record(
        obj=user,
        action=AuditAction.CREATE,
        actor=actor,
        before=None,
        after={"username": username, "is_active": True, "password": bool(password)},
        reason="account created",
    )
    return user


def clock_now() -> dt.datetime:
    return timezone.now()


# ---------------------------------------------------------------------------------------------
# API tokens

TOKEN_PREFIX = "grt_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its digest is stored
    record: ApiToken


class TokenLifetimeError(ValueError):
    """A token must expire, and no later than GRASSROOTS_API_TOKEN_MAX_DAYS."""


@transaction.atomic
def issue_token(
    *,
    user: User,
    name: str,
    ttl: dt.timedelta | None,
    actor: Actor,
    clock: Clock = timezone.now,
) -> IssuedToken:
    """A new token for `user`; every token expires (`ttl` None: the default lifetime)."""
    longest = dt.timedelta(days=max(1, int(settings.GRASSROOTS_API_TOKEN_MAX_DAYS)))
    if ttl is None:
        ttl = min(dt.timedelta(days=int(settings.GRASSROOTS_API_TOKEN_TTL_DAYS)), longest)
    if ttl <= dt.timedelta(0) or ttl > longest:
        raise TokenLifetimeError(
            f"a token lives more than 0 and at most {longest.days} days "
            "(GRASSROOTS_API_TOKEN_MAX_DAYS)"
        )
    now = clock()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user=user,
        name=name,
        digest=token_digest(token),
        prefix=token[:8],
        created=now,
        expires=now + ttl,
    )
    # The entry names the token's user (its "user" field); the reason is shown translated.
    with audit.tracked(record, actor=actor, reason=gettext_noop("API token issued"), clock=clock):
        record.save()
    return IssuedToken(token=token, record=record)
