"""Where the party app's warnings and overdue tasks go.

A warning is stored (``PartyWarning``) and shown to its secretary on their party page; the
notifications app, once merged, also delivers it (``send_warning``), and the overdue scan runs
from its registry.
"""

from __future__ import annotations

from typing import Any


def send_warning(warning: Any) -> None:
    """Deliver a unit's warning to its secretary (the stored row is the record)."""
    return None
