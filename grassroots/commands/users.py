"""``grassroots users``: accounts, their unit and role, passwords, locks and API tokens.

grassroots users add USERNAME --unit CODE --role ROLE [--password PASSWORD]
    (a national user: --unit 000000 with province_admin, leader or auditor sees every unit;
    the three administrators -- system_admin, security_admin, auditor -- are named here only)
grassroots users passwd USERNAME [--password PASSWORD] [--must-change]
grassroots users deactivate|activate USERNAME
grassroots users unlock USERNAME
grassroots users token USERNAME --name NAME [--days N]
grassroots users revoke PREFIX | --user USERNAME
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from typing import Any

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("users", help="accounts, roles, passwords, locks and API tokens")
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
        help="province_admin, city_reviewer, grassroots_clerk, leader, auditor, system_admin "
        "or security_admin",
    )
    add.add_argument("--password", help="omit to be asked (empty: API tokens only)")
    add.set_defaults(func=run_add)

    passwd = actions.add_parser("passwd", help="set a user's password (the rules apply)")
    passwd.add_argument("username")
    passwd.add_argument("--password", help="omit to be asked")
    passwd.add_argument(
        "--must-change", action="store_true", help="the owner must change it at the next login"
    )
    passwd.set_defaults(func=run_passwd)

    for name, active in (("deactivate", False), ("activate", True)):
        act = actions.add_parser(
            name,
            help="stop a user's logins, sessions and tokens"
            if not active
            else "let a deactivated user log in again",
        )
        act.add_argument("username")
        act.set_defaults(func=run_active, active=active)

    unlock = actions.add_parser("unlock", help="lift a lock after failed logins")
    unlock.add_argument("username")
    unlock.set_defaults(func=run_unlock)

    token = actions.add_parser("token", help="issue an API token (printed once)")
    token.add_argument("username")
    token.add_argument("--name", required=True, help="what the token is for")
    token.add_argument(
        "--days",
        type=int,
        default=None,
        help="days until it expires (default GRASSROOTS_API_TOKEN_TTL_DAYS, at most "
        "GRASSROOTS_API_TOKEN_MAX_DAYS; every token expires)",
    )
    token.set_defaults(func=run_token)

    revoke = actions.add_parser(
        "revoke", help="revoke an API token by its prefix, or all of a user"
    )
    revoke.add_argument("prefix", nargs="?", help="the token's first 8 characters (grt_…)")
    revoke.add_argument("--user", metavar="USERNAME", help="revoke every token of this user")
    revoke.set_defaults(func=run_revoke)


def _setup() -> None:
    from grassroots.commands._django import setup_django

    setup_django()


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UsageError(f"no user {username}: add one with `grassroots users add`")
    return user


def _rules_problem(error: Any) -> UsageError:
    return UsageError("the password breaks the rules: " + " ".join(error.messages))


def run_add(args: argparse.Namespace) -> int:
    _setup()
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from grassroots.organisations.models import Role, Unit
    from grassroots.organisations.security import reasons
    from grassroots.organisations.security.services import set_password
    from grassroots.organisations.services import add_member, create_user

    if args.role not in Role.values:
        raise UsageError(f"unknown role {args.role!r}: use one of {', '.join(Role.values)}")
    unit = Unit.objects.filter(code=args.unit).first()
    if unit is None:
        raise UsageError(f"no unit with code {args.unit}: load units first (grassroots units load)")
    password = args.password
    user = get_user_model().objects.filter(username=args.username).first()
    try:
        with transaction.atomic():
            if user is None:
                if password is None and sys.stdin.isatty():
                    password = getpass.getpass(
                        f"Password for {args.username} (empty: API tokens only): "
                    )
                user = create_user(username=args.username, password=password or None, actor=None)
            elif password:
                set_password(user=user, password=password, actor=None, reason=reasons.COMMAND_LINE)
            add_member(
                user=user, unit=unit, role=args.role, actor=None, reason=reasons.COMMAND_LINE
            )
    except ValidationError as error:
        raise _rules_problem(error) from None
    sys.stdout.write(f"{args.username}: {args.role} at {unit.code} {unit.name_zh}\n")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    _setup()
    from django.core.exceptions import ValidationError

    from grassroots.organisations.security.services import set_password

    user = _user(args.username)
    password = args.password
    if password is None:
        password = getpass.getpass(f"New password for {args.username}: ")
    try:
        set_password(user=user, password=password, actor=None, must_change=args.must_change)
    except ValidationError as error:
        raise _rules_problem(error) from None
    sys.stdout.write(f"{args.username}: password set\n")
    return 0


def run_active(args: argparse.Namespace) -> int:
    _setup()
    from grassroots.organisations.security import reasons
    from grassroots.organisations.security.services import set_active

    user = _user(args.username)
    set_active(user=user, active=args.active, actor=None, reason=reasons.COMMAND_LINE)
    state = "active" if args.active else "deactivated (its sessions and tokens stop working)"
    sys.stdout.write(f"{args.username}: {state}\n")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    _setup()
    from grassroots.organisations.security.services import unlock

    was = unlock(username=args.username, actor=None)
    sys.stdout.write(f"{args.username}: {'unlocked' if was else 'was not locked'}\n")
    return 0


def run_token(args: argparse.Namespace) -> int:
    _setup()
    from grassroots.organisations.services import TokenLifetimeError, issue_token

    user = _user(args.username)
    if args.days is not None and args.days <= 0:
        raise UsageError("--days must be 1 or more: every token expires")
    try:
        issued = issue_token(
            user=user,
            name=args.name,
            ttl=dt.timedelta(days=args.days) if args.days else None,
            actor=None,
        )
    except TokenLifetimeError as error:
        raise UsageError(str(error)) from None
    # The token alone on stdout, so scripts can capture it; the note goes to stderr.
    sys.stdout.write(issued.token + "\n")
    expires = issued.record.expires
    sys.stderr.write(
        f"(shown once; expires {expires:%Y-%m-%d}; send as 'Authorization: Bearer <token>')\n"
    )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    _setup()
    from grassroots.organisations.models import ApiToken
    from grassroots.organisations.security import reasons
    from grassroots.organisations.security.services import revoke_token

    if bool(args.prefix) == bool(args.user):
        raise UsageError("name a token's prefix or --user USERNAME, not both")
    tokens = ApiToken.objects.select_related("user").filter(revoked__isnull=True)
    if args.user:
        tokens = tokens.filter(user=_user(args.user))
    else:
        tokens = tokens.filter(prefix=args.prefix)
    found = list(tokens)
    if not found:
        raise UsageError("no live token matches")
    for token in found:
        revoke_token(token=token, actor=None, reason=reasons.COMMAND_LINE)
    sys.stdout.write(f"{len(found)} token(s) revoked\n")
    return 0
