"""The API's error shapes, shared by every app's routers.

Below the apps (it imports none of them), so each app answers with the same bodies and the
OpenAPI document has one schema of each.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema


class Error(Schema):
    detail: str | list[dict[str, Any]]


class ProblemOut(Schema):
    """One problem of an input: the file (or field), sheet, row and column, and what is wrong."""

    source: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str


class Rejected(Schema):
    """An input refused as a whole, with every problem found in it."""

    detail: str
    problems: list[ProblemOut]


ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 404: Error, 422: Error}
