"""Issue 19.6: decisions take a row lock, so a second decision on the same record waits for the
first and is then refused (two exit recommendations, two exit decisions, two confirmations)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from grassroots.assistance.models import (
    Designation,
    Dimension,
    ExitAssessment,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.services import (
    AssistanceError,
    designate_weak_unit,
    recommend_exit,
)
from grassroots.organisations.models import Role

DAY = dt.date(2024, 3, 1)
CHECKLIST = [
    {"item": "Q6", "heading": "s", "kind": "quantitative", "status": "met", "reason": "r"},
]


@pytest.mark.django_db(transaction=True)
def test_a_second_exit_recommendation_waits_for_the_first_and_is_refused(
    province, make_member
) -> None:
    admin = make_member(Role.PROVINCE_ADMIN, "370000", "admin")
    city = make_member(Role.CITY_REVIEWER, "370100")
    weak = designate_weak_unit(
        unit=province["370102"],
        level=WeakLevel.MUNICIPAL,
        designated_on=DAY,
        reasons={Dimension.MANAGEMENT: "case backlog"},
        actor=admin,
    )
    locked = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        # Another reviewer's recommendation, holding the designation's row until it commits.
        try:
            with transaction.atomic():
                Designation.objects.select_for_update().get(pk=weak.pk)
                locked.set()
                time.sleep(1.0)
                Designation.objects.filter(pk=weak.pk).update(status=WeakStatus.EXIT_RECOMMENDED)
        finally:
            connection.close()

    def second() -> None:
        locked.wait()
        started = time.monotonic()
        try:
            recommend_exit(
                designation=weak,  # read before the first one committed
                periods=["2024Q1"],
                checklist=CHECKLIST,
                reviews={},
                on=DAY,
                actor=city,
            )
            outcome["result"] = "stored"
        except AssistanceError as exc:
            outcome["result"] = exc.problems
        finally:
            outcome["waited"] = time.monotonic() - started
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcome["waited"] >= 0.5  # type: ignore[operator]
    assert outcome["result"] != "stored"
    assert "status" in outcome["result"]  # type: ignore[operator]
    assert not ExitAssessment.objects.exists()
