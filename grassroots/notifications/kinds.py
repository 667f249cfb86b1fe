"""The kinds of notification, by code, with the label a user chooses them by.

The kinds every app of the house sends are listed here so the preferences page can name them;
an app that adds a kind of its own calls ``register_kind`` from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SUBMISSION_RETURNED = "submission_returned"
SUBMISSION_ACCEPTED = "submission_accepted"
MEASURE_DUE = "measure_due"
MEASURE_OVERDUE = "measure_overdue"
RUN_WARNINGS = "run_warnings"
RELAPSE_WARNING = "relapse_warning"
DIRECT_ASSIGNED = "direct_assigned"
DIRECT_REPLY = "direct_reply"
DIRECT_OVERDUE = "direct_overdue"
LEAD_OVERDUE = "lead_overdue"

_KINDS: dict[str, str | Promise] = {
    SUBMISSION_RETURNED: _("A submission was returned for correction"),
    SUBMISSION_ACCEPTED: _("A submission was accepted"),
    MEASURE_DUE: _("A rectification measure is due within 7 days"),
    MEASURE_OVERDUE: _("A rectification measure is overdue"),
    RUN_WARNINGS: _("Warnings of a newly published evaluation"),
    RELAPSE_WARNING: _("Relapse warning of a unit that left the weak list"),
    DIRECT_ASSIGNED: _("A direct report was assigned to me"),
    DIRECT_REPLY: _("A reply to a direct report"),
    DIRECT_OVERDUE: _("A direct report is overdue"),
    LEAD_OVERDUE: _("A supervision lead is overdue"),
}


def register_kind(code: str, label: str | Promise) -> None:
    """Add (or relabel) a kind; ``code`` is at most 40 characters."""
    if len(code) > 40:
        raise ValueError(f"notification kind {code!r} is longer than 40 characters")
    _KINDS[code] = label


def kinds() -> dict[str, str | Promise]:
    """Every kind, code → label, in the order registered."""
    return dict(_KINDS)


def label(code: str) -> str:
    return str(_KINDS.get(code, code))
