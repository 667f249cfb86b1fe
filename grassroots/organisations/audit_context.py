"""Who is acting and from where, for audit entries written without a logged-in user.

No Django here: the command line sets it before Django starts. The web sets it per request
(`security/middleware.py`: the client's address); the command line sets the OS user (or the
global ``--actor``) and ``cli (user@host)`` as the source. A context variable, so threads and
requests never see each other's.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    actor_name: str = ""  # for entries of no logged-in user ("" means the system)
    source: str = ""  # the client's address, or "cli (user@host)"


_NOBODY = AuditContext()
_current: ContextVar[AuditContext | None] = ContextVar("grassroots_audit", default=None)


def current() -> AuditContext:
    return _current.get() or _NOBODY


@contextmanager
def acting(context: AuditContext) -> Iterator[AuditContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return "unknown"


def command_line(actor: str | None) -> AuditContext:
    """The command line's context: the named actor, else the OS user who ran it."""
    user = os_user()
    source = f"cli ({user}@{socket.gethostname()})"[:100]
    return AuditContext(actor_name=(actor or user)[:150], source=source)
