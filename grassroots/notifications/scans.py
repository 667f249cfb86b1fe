"""Time-based rules (due in 7 days, overdue, escalation): scans the worker calls.

An app registers its scans from its ``AppConfig.ready()``; ``grassroots runs work`` calls
``run_scans(now)`` on every round. A scan takes the current time (injected, so a test moves the
clock) and returns how many users it told; it must be idempotent (``notify(..., key=...)``),
since it runs again on the next round.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

Scan = Callable[[dt.datetime], int]
_SCANS: dict[str, Scan] = {}


def register(name: str, scan: Scan) -> None:
    """Add ``scan`` under ``name`` (registering a name again replaces it)."""
    _SCANS[name] = scan


def registered() -> dict[str, Scan]:
    return dict(_SCANS)


def run_scans(now: dt.datetime) -> dict[str, int]:
    """Run every scan once, each in its own transaction; a failing scan is logged, the others
    still run. What each scan reported."""
    done: dict[str, int] = {}
    for name, scan in list(_SCANS.items()):
        try:
            with transaction.atomic():
                done[name] = scan(now)
        except Exception:
            logger.exception("notification scan %r failed", name)
    return done
