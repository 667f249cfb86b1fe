"""Where the party app's warnings and overdue tasks go: the notifications app.

A warning is stored (``PartyWarning``, shown on the secretary's party page) and notified to the
secretary's login (``send_warning``); the overdue scan (``overdue_scan``, registered with the
notifications' scan registry in ``apps.py``) tells each owner of a task past its due date, once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from grassroots.notifications.services import both_ref, notify, period_ref, unit_ref, words_ref

PARTY_WARNING = "party_warning"
PARTY_OVERDUE = "party_task_overdue"
KINDS = {
    PARTY_WARNING: _("A party-building and business warning of my unit"),
    PARTY_OVERDUE: _("A party-building task of mine is overdue"),
}

COLOUR_WORDS = {
    "yellow": pgettext_lazy("party warning colour", "yellow"),
    "red": pgettext_lazy("party warning colour", "red"),
}


def send_warning(warning: Any) -> None:
    """Tell the unit's secretary that the unit turned yellow or red (once per report and colour)."""
    secretary = warning.secretary
    if secretary is None or secretary.user is None:
        return
    report = warning.report
    from django.utils import translation

    from grassroots.party.reasons import hide_ranks, why_text

    # The band, not the rank: the secretary's role may not see ranks (the scheme's visibility).
    text, reasons = hide_ranks(report.why, report.why_reason)
    with translation.override("zh-hans"):  # worded now in both; read in the reader's language
        why_zh = why_text(text, reasons)
    with translation.override("en"):
        why_en = why_text(text, reasons)
    notify(
        [secretary.user],
        kind=PARTY_WARNING,
        title=gettext_noop("%(unit)s is %(colour)s in the integration assessment of %(period)s"),
        body=gettext_noop("Why: %(why)s"),
        params={
            "unit": unit_ref(warning.unit),
            "colour": words_ref(COLOUR_WORDS.get(warning.colour, warning.colour)),
            "period": period_ref(report.period),
            "why": both_ref(why_zh, why_en),
        },
        link=f"/party/units/{warning.unit.code}/",
        key=f"party:warning:{report.pk}:{warning.colour}",
    )


def overdue_scan(now: dt.datetime) -> int:
    """Tell each owner of an open task past its due date (once per task); how many were told."""
    from grassroots.party.models import Task, TaskStatus

    told = 0
    late = Task.objects.filter(status=TaskStatus.OPEN, due__lt=now.date()).select_related(
        "owner__user", "unit"
    )
    for task in late[:2000]:
        user = task.owner.user
        if user is None:
            continue
        made = notify(
            [user],
            kind=PARTY_OVERDUE,
            title=gettext_noop("Party task overdue: %(title)s (%(period)s)"),
            body=gettext_noop("It was due on %(due)s."),
            params={
                "title": task.title,
                "period": period_ref(task.period),
                "due": task.due.isoformat(),
            },
            link=f"/party/tasks/{task.pk}/",
            key=f"party:overdue:{task.pk}",
            clock=lambda: now,
        )
        if made:
            Task.objects.filter(pk=task.pk).update(overdue_notified=now)
            told += len(made)
    return told
