"""Notifications after a run is published: warnings in the user's scope, relapse warnings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from grassroots.assistance.models import Designation, Dimension, WeakLevel, WeakStatus
from grassroots.assistance.notices import tell_relapses
from grassroots.assistance.selection import RelapseRule
from grassroots.assistance.services import designate_weak_unit
from grassroots.evaluation import followups
from grassroots.evaluation.models import EarlyWarning, Result, WarningKind
from grassroots.evaluation.notices import tell_warnings
from grassroots.notifications import kinds
from grassroots.notifications.models import Notification
from grassroots.notifications.services import body_of
from grassroots.organisations.models import Role, Unit


def _user(make: Callable[..., Any], role: Role, code: str, name: str) -> Any:
    from django.contrib.auth import get_user_model

    from grassroots.organisations.services import add_member

    user = get_user_model().objects.create_user(username=name, password="pw-for-tests-only")
    add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    return get_user_model().objects.get(pk=user.pk)


def test_the_steps_are_registered_after_the_runs_own() -> None:
    names = list(followups.registered())
    assert names.index("evaluation-warnings") < names.index("evaluation-warning-notices")
    assert "assistance-relapse-notices" in names


def _warn(run: Any, code: str) -> None:
    unit = Unit.objects.get(code=code)
    EarlyWarning.objects.create(
        run=run,
        scheme_code="core-business",
        unit_code=code,
        unit_path=unit.path,
        node="core-business",
        kind=WarningKind.MISSING,
        first_period=run.period,
        last_period=run.period,
    )


def test_warnings_of_a_published_run_are_told_to_each_user_in_scope(runs: Any) -> None:
    run = runs["2024Q4"]
    EarlyWarning.objects.filter(run=run).delete()
    _warn(run, "370102")  # Lixia, Jinan
    _warn(run, "370202")  # Shinan, Qingdao
    admin = _user(None, Role.PROVINCE_ADMIN, "370000", "sd-admin")
    _user(None, Role.LEADER, "370000", "sd-leader")
    _user(None, Role.CITY_REVIEWER, "370100", "jinan")
    _user(None, Role.GRASSROOTS_CLERK, "370102", "lixia-clerk")
    _user(None, Role.GRASSROOTS_CLERK, "370103", "quiet-clerk")  # no warning for Shizhong
    assert tell_warnings(run) == 5
    told = Notification.objects.filter(kind=kinds.RUN_WARNINGS)
    names = set(told.values_list("recipient__username", flat=True))
    # test-publisher: the administrator at the top who published the runs.
    assert names == {"sd-admin", "sd-leader", "jinan", "lixia-clerk", "test-publisher"}
    mine = told.get(recipient=admin)
    assert mine.params["count"] == "2"
    assert mine.link == f"/evaluation/runs/{run.pk}/warnings/"
    assert told.get(recipient__username="jinan").params["count"] == "1"  # its own units only
    assert tell_warnings(run) == 0  # once per run
    draft = runs["2024Q3"]
    EarlyWarning.objects.filter(run=draft).delete()
    _warn(draft, "370102")
    assert tell_warnings(draft) == 5  # another run: told again


def test_a_relapse_is_told_once_to_the_unit_and_its_managers(runs: Any) -> None:
    admin = _user(None, Role.PROVINCE_ADMIN, "370000", "sd-admin")
    code = (
        Result.objects.filter(run=runs["2024Q3"], node="core-business", score__isnull=False)
        .filter(unit_code__in=Unit.objects.filter(level="grassroots").values("code"))
        .order_by("unit_code")
        .values_list("unit_code", flat=True)
        .first()
    )
    assert code is not None
    _user(None, Role.GRASSROOTS_CLERK, code, "lixia-clerk")
    other = Unit.objects.filter(level="grassroots").exclude(code=code).order_by("code").first()
    assert other is not None
    _user(None, Role.GRASSROOTS_CLERK, other.code, "other-clerk")
    designation = designate_weak_unit(
        unit=Unit.objects.get(code=code),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2023, 1, 5),
        reasons={Dimension.BUSINESS: "case quality"},
        actor=admin,
    )
    Designation.objects.filter(pk=designation.pk).update(
        status=WeakStatus.EXITED, exit_period="2024Q3", exited_on=dt.date(2024, 10, 1)
    )
    run = runs["2024Q4"]
    assert tell_relapses(run) == 0 or Notification.objects.exists()  # the default watch
    Notification.objects.filter(kind=kinds.RELAPSE_WARNING).delete()
    # A watch that warns on any score after exit: Lixia's 2024Q4 is a relapse.
    everything = RelapseRule(drop=-1000.0)
    assert tell_relapses(run, rule=everything) >= 2
    names = set(
        Notification.objects.filter(kind=kinds.RELAPSE_WARNING).values_list(
            "recipient__username", flat=True
        )
    )
    assert names == {"sd-admin", "lixia-clerk", "test-publisher"}
    note = Notification.objects.filter(kind=kinds.RELAPSE_WARNING).first()
    assert note is not None
    assert note.params["period"] == {"$period": "2024Q4"}
    # what is stored names the scores, never the rank (a clerk reads it, in any ranking mode)
    assert not re.search(r"(?i)rank", str(note.params))
    # The clerk is told the scores, never the rank (a role the ranking policy shows no rank),
    # in the reader's language: no English evidence inside the Chinese.
    clerks = Notification.objects.get(kind=kinds.RELAPSE_WARNING, recipient__username="lixia-clerk")
    body = body_of(clerks)
    assert "排名" not in body
    assert body.startswith("该院于2024年第三季度摘帽；2024年第四季度综合得分为"), body
    assert re.fullmatch(r"[^A-Za-z]*", body), body
    assert tell_relapses(run, rule=everything) == 0
