"""``grassroots users add|token``: accounts, their unit and role, and API tokens.

grassroots users add USERNAME --unit CODE --role ROLE [--password PASSWORD]
    (a national user: --unit 000000 with province_admin, leader or auditor sees every unit)
grassroots users token USERNAME --name NAME [--days N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="add users with a unit and role, issue API tokens")
    actions = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add", help="create a user (or move an existing one) at a unit with a role"
    )
    add.add_argument("username")
    add.add_argument("--unit", required=True, metavar="CODE")
    # Checked against Role once Django is set up (models cannot be imported before).
    add.add_argument(
        "--role",
        required=True,
        help="province_admin, city_reviewer, grassroots_clerk, leader or auditor",
    )
    add.add_argument("--password", help="omit to be asked (empty: API tokens only)")
    add.set_defaults(func=run_add)

    token = actions.add_parser("token", help="issue an API token (printed once)")
    token.add_argument("username")
    token.add_argument("--name", required=True, help="what the token is for")
    token.add_argument(
        "--days",
        type=int,
        default=None,
        help="days until it expires (default GRASSROOTS_API_TOKEN_TTL_DAYS; 0 = never)",
    )
    token.set_defaults(func=run_token)


def run_add(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from grassroots.organisations.models import Role, Unit
    from grassroots.organisations.services import add_member, create_user

    if args.role not in Role.values:
        raise UsageError(f"unknown role {args.role!r}: use one of {', '.join(Role.values)}")
    unit = Unit.objects.filter(code=args.unit).first()
    if unit is None:
        raise UsageError(f"no unit with code {args.unit}: load units first (grassroots units load)")
    password = args.password
    user = get_user_model().objects.filter(username=args.username).first()
    with transaction.atomic():
        if user is None:
            if password is None and sys.stdin.isatty():
                password = getpass.getpass(
                    f"Password for {args.username} (empty: API tokens only): "
                )
            user = create_user(username=args.username, password=password or None, actor=None)
        elif password:
            user.set_password(password)
            user.save()
        add_member(user=user, unit=unit, role=args.role, actor=None, reason="users add")
    sys.stdout.write(f"{args.username}: {args.role} at {unit.code} {unit.name_zh}\n")
    return 0


def run_token(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from grassroots.organisations.services import issue_token

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        raise UsageError(f"no user {args.username}: add one with `grassroots users add`")
    days = settings.GRASSROOTS_API_TOKEN_TTL_DAYS if args.days is None else args.days
    if days < 0:
        raise UsageError("--days must be 0 (never expires) or more")
    issued = issue_token(
        user=user, name=args.name, ttl=dt.timedelta(days=days) if days else None, actor=None
    )
    expires = (
        f"expires {issued.record.expires:%Y-%m-%d}" if issued.record.expires else "never expires"
    )
    # The token alone on stdout, so scripts can capture it; the note goes to stderr.
    sys.stdout.write(issued.token + "\n")
    sys.stderr.write(f"(shown once; {expires}; send as 'Authorization: Bearer <token>')\n")
    return 0
