"""The organisations API, /api/me and /api/units: every read goes through organisations.scope."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from grassroots.api_caller import auth_user
from grassroots.errors import ERRORS
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.scope import (
    Action,
    allowed_actions,
    can,
    get_unit_for_user,
    membership_of,
    visible_units,
)
from grassroots.organisations.services import ChangeError, update_unit


class UnitRef(Schema):
    code: str
    name_zh: str
    name_en: str


class Me(Schema):
    username: str
    role: str | None
    role_label: str | None
    unit: UnitRef | None
    permissions: list[str]


class UnitOut(Schema):
    code: str
    name_zh: str
    name_en: str
    level: str
    kind: str
    parent_code: str | None
    peer_group: str
    headcount: int | None
    procurators: int | None
    under_45_share: Decimal | None
    active: bool


class UnitPage(Schema):
    count: int
    items: list[UnitOut]


class UnitPatch(Schema):
    """Only the fields given are changed."""

    model_config = ConfigDict(extra="forbid")

    name_zh: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    peer_group: str | None = Field(default=None, max_length=40)
    headcount: int | None = Field(default=None, ge=0)
    procurators: int | None = Field(default=None, ge=0)
    under_45_share: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    reason: str = Field(default="", max_length=500)


router = Router(tags=["units"])

MAX_LIMIT = 5000


class UnitFilters(Schema):
    level: Level | None = None
    parent: str | None = None
    q: str | None = None
    limit: int = 1000
    offset: int = 0


def _out(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "level": unit.level,
        "kind": unit.kind,
        "parent_code": unit.parent.code if unit.parent else None,
        "peer_group": unit.peer_group,
        "headcount": unit.headcount,
        "procurators": unit.procurators,
        "under_45_share": unit.under_45_share,
        "active": unit.active,
    }


def _page(units: QuerySet[Unit], limit: int, offset: int) -> dict[str, Any]:
    limit = max(0, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return {"count": units.count(), "items": [_out(u) for u in units[offset : offset + limit]]}


@router.get("/me", response={200: Me, **ERRORS}, summary="The calling user, their unit and role")
def me(request: HttpRequest) -> dict[str, Any]:
    user = auth_user(request)
    membership = membership_of(user)
    unit = membership.unit if membership else None
    return {
        "username": user.get_username(),
        "role": membership.role if membership else None,
        "role_label": str(Role(membership.role).label) if membership else None,
        "unit": {"code": unit.code, "name_zh": unit.name_zh, "name_en": unit.name_en}
        if unit
        else None,
        "permissions": sorted(allowed_actions(user)),
    }


@router.get("/units", response={200: UnitPage, **ERRORS}, summary="Units in the caller's scope")
def list_units(request: HttpRequest, filters: Query[UnitFilters]) -> dict[str, Any]:
    units = visible_units(auth_user(request)).select_related("parent")
    if filters.level:
        units = units.filter(level=filters.level)
    if filters.parent:
        units = units.filter(parent__code=filters.parent)
    if filters.q:
        q = filters.q.strip()
        units = units.filter(
            Q(code__startswith=q) | Q(name_zh__icontains=q) | Q(name_en__icontains=q)
        )
    return _page(units.order_by("path"), filters.limit, filters.offset)


@router.get(
    "/units/{code}", response={200: UnitOut, **ERRORS}, summary="One unit (404 outside scope)"
)
def get_unit(request: HttpRequest, code: str) -> dict[str, Any]:
    return _out(get_unit_for_user(auth_user(request), code))


@router.get(
    "/units/{code}/children", response={200: UnitPage, **ERRORS}, summary="A unit's direct children"
)
def unit_children(
    request: HttpRequest, code: str, limit: int = 1000, offset: int = 0
) -> dict[str, Any]:
    user = auth_user(request)
    unit = get_unit_for_user(user, code)
    children = visible_units(user).filter(parent=unit).select_related("parent").order_by("path")
    return _page(children, limit, offset)


@router.patch(
    "/units/{code}",
    response={200: UnitOut, **ERRORS},
    summary="Change a unit's names, peer group or staff figures (province administrator)",
)
def patch_unit(request: HttpRequest, code: str, payload: UnitPatch) -> dict[str, Any]:
    user = auth_user(request)
    unit = get_unit_for_user(user, code)  # 404 first: out of scope must not reveal existence
    if not can(user, Action.EDIT_UNIT, unit):
        raise HttpError(403, "Your role may not change units")
    changes = payload.model_dump(exclude_unset=True, exclude={"reason"})
    # A name or peer group can be changed but not removed: null is the caller's 422, not the
    # database's NOT NULL error (a 500 schemathesis found).
    emptied = sorted(
        k for k in ("name_zh", "name_en", "peer_group") if k in changes and changes[k] is None
    )
    if emptied:
        raise HttpError(
            422, _("These fields cannot be null: %(fields)s") % {"fields": ", ".join(emptied)}
        )
    try:
        unit = update_unit(unit=unit, changes=changes, actor=user, reason=payload.reason)
    except ChangeError as exc:
        raise HttpError(422, str(exc)) from None
    return _out(Unit.objects.select_related("parent").get(pk=unit.pk))
