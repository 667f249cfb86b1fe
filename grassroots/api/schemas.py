"""Request and response bodies of the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class Error(Schema):
    detail: str | list[dict[str, Any]]


ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 404: Error, 422: Error}


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
