"""Each rule that tells users something: who is told, once, with the clock injected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import translation

from grassroots.assistance.models import Dimension, MeasureStatus, WeakLevel
from grassroots.assistance.services import add_measure, designate_weak_unit
from grassroots.intake.workflow import services as workflow
from grassroots.notifications import kinds
from grassroots.notifications.mail import deliver
from grassroots.notifications.models import Notification
from grassroots.notifications.scans import registered, run_scans
from grassroots.notifications.services import title_of
from grassroots.organisations.models import Role, Unit

P = "2024Q3"


def _at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2024, 10, day, hour, tzinfo=dt.UTC)


def _told(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def test_returned_and_accepted_submissions_tell_the_units_clerks(
    make_member: Callable[..., Any],
) -> None:
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102", "clerk")
    make_member(Role.GRASSROOTS_CLERK, "370103", "other-clerk")
    jinan = make_member(Role.CITY_REVIEWER, "370100", "jinan")
    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    lixia = Unit.objects.get(code="370102")
    workflow.submit(unit=lixia, period=P, actor=clerk, clock=lambda: _at(10))
    workflow.return_for_correction(
        unit=lixia, period=P, actor=jinan, comment="check the totals", clock=lambda: _at(12)
    )
    assert _told(kinds.SUBMISSION_RETURNED) == ["clerk"]
    note = Notification.objects.get(kind=kinds.SUBMISSION_RETURNED)
    # The unit and the period are worded in the reader's language when read.
    with translation.override("en"):
        assert title_of(note) == (
            f"{lixia.name_en or lixia.name_zh} (370102) 2024 Q3: the submission was returned "
            "for correction"
        )
    with translation.override("zh-hans"):
        assert title_of(note).startswith("历下区人民检察院（370102）2024年第三季度")
        assert "退回" in title_of(note)
    assert note.params["comment"] == "check the totals"
    assert note.link.startswith("/intake/submissions/")
    for code in ("370102", "370103", "370104"):
        unit = Unit.objects.get(code=code)
        if code != "370102":
            workflow.submit(unit=unit, period=P, actor=admin, clock=lambda: _at(13))
        else:
            workflow.submit(unit=unit, period=P, actor=clerk, clock=lambda: _at(13))
        workflow.approve(unit=unit, period=P, actor=jinan, clock=lambda: _at(14))
    assert _told(kinds.SUBMISSION_ACCEPTED) == []
    workflow.accept_city(
        city=Unit.objects.get(code="370100"), period=P, actor=admin, clock=lambda: _at(15)
    )
    assert _told(kinds.SUBMISSION_ACCEPTED) == ["clerk", "other-clerk"]


def test_measures_due_within_7_days_and_overdue_are_told_once(
    make_member: Callable[..., Any],
) -> None:
    assert "assistance-measures" in registered()
    clerk = make_member(Role.GRASSROOTS_CLERK, "370102", "clerk")
    jinan = make_member(Role.CITY_REVIEWER, "370100", "jinan")
    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    make_member(Role.CITY_REVIEWER, "370200", "qingdao")  # another city: not told
    lixia = Unit.objects.get(code="370102")
    designation = designate_weak_unit(
        unit=lixia,
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2024, 1, 5),
        reasons={Dimension.BUSINESS: "case quality"},
        actor=admin,
    )
    measure = add_measure(
        designation=designation,
        title="Train the case handlers",
        leader="王检察长",
        department="政治部",
        created_on=dt.date(2024, 2, 1),
        deadline=dt.date(2024, 10, 20),
        actor=admin,
    )
    done = add_measure(
        designation=designation,
        title="Already done",
        leader="王检察长",
        department="政治部",
        created_on=dt.date(2024, 2, 1),
        deadline=dt.date(2024, 10, 15),
        status=MeasureStatus.DONE,
        actor=admin,
    )
    assert done.pk
    run_scans(_at(12))  # 8 days before: nothing yet
    assert _told(kinds.MEASURE_DUE) == []
    run_scans(_at(13))  # 7 days before
    assert _told(kinds.MEASURE_DUE) == ["admin", "clerk", "jinan"]
    run_scans(_at(14))
    assert len(_told(kinds.MEASURE_DUE)) == 3  # told once
    run_scans(_at(20))  # the deadline day itself is not overdue
    assert _told(kinds.MEASURE_OVERDUE) == []
    deliver(_at(21))  # the worker's step runs the same scans
    assert _told(kinds.MEASURE_OVERDUE) == ["admin", "clerk", "jinan"]
    run_scans(_at(25))
    assert len(_told(kinds.MEASURE_OVERDUE)) == 3
    assert clerk.notifications.filter(link=f"/assistance/measures/{measure.pk}/").count() == 2
    assert jinan.notifications.count() == 2
