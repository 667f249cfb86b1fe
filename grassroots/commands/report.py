"""``grassroots report PRODUCT --scope CODE --period P --format docx|pdf|xlsx --out FILE``.

Makes the document from the scope's published run, stores it like the page does (the data
directory, with its inputs and SHA-256) and writes a copy to FILE. The command acts as the
server's operator; it reads the scope's data as the province administrator (or ``--as USER``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from grassroots.commands._errors import UsageError

PRODUCTS = (
    "bulletin",
    "monthly",
    "half_year",
    "annual",
    "unit_profile",
    "plan_progress",
    "exit_record",
)
FORMATS = ("docx", "pdf", "xlsx")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="documents: the bulletin, monthly, half-year and annual reports, unit profile, plan progress, exit record",
    )
    p.add_argument("product", choices=PRODUCTS)
    p.add_argument("--scope", required=True, help="unit code: province, city or unit")
    p.add_argument("--period", required=True, help="2024Q4, 2024-07, 2024 or 2024Q2-YTD")
    p.add_argument("--format", dest="fmt", choices=FORMATS, required=True)
    p.add_argument("--out", type=Path, required=True, help="where to write the file")
    p.add_argument(
        "--as", dest="username", help="read as this user (default: the province administrator)"
    )
    p.set_defaults(func=run_report)


def _reader(username: str | None, scope: Any) -> Any:
    from django.contrib.auth import get_user_model

    from grassroots.organisations.models import Role
    from grassroots.reports.selectors import province_of

    users = get_user_model().objects.filter(is_active=True)
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise UsageError(f"no user {username!r}")
        return user
    province = province_of(scope)
    user = (
        users.filter(membership__unit=province, membership__role=Role.PROVINCE_ADMIN)
        .order_by("username")
        .first()
    )
    if user is None:
        raise UsageError(f"no province administrator of {province.code}: give --as USERNAME")
    return user


def run_report(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.engine.errors import InputError
    from grassroots.organisations.models import Unit
    from grassroots.reports.errors import ReportError
    from grassroots.reports.services import generate_document, read_document

    scope = Unit.objects.filter(code=args.scope).first()
    if scope is None:
        raise UsageError(f"no unit {args.scope}")
    try:
        document = generate_document(
            product=args.product,
            scope=scope,
            period=args.period,
            fmt=args.fmt,
            actor=None,
            reader=_reader(args.username, scope),
        )
    except (ReportError, InputError) as exc:
        raise UsageError(str(exc)) from None
    args.out.write_bytes(read_document(document))
    pages = f", {document.pages} pages" if document.pages else ""
    print(f"{args.out}: document {document.pk}, sha256 {document.sha256}{pages}")
    sys.stdout.flush()
    return 0
