from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import RequestFactory

from grassroots.organisations.demo import prepare_demo
from grassroots.organisations.models import AuditEntry, Level, Membership, Role, Unit


@pytest.mark.django_db
def test_prepare_demo_creates_one_login_per_role_and_is_idempotent(tmp_path) -> None:
    logins = prepare_demo(province="37", data_dir=tmp_path)
    units, entries = Unit.objects.count(), AuditEntry.objects.count()
    user = get_user_model().objects.get(username="demo-clerk")
    user.set_password("changed")
    user.save()

    assert prepare_demo(province="37", data_dir=tmp_path) == logins
    # The one change a second run makes is the clerk's password reset, and that is audited.
    assert (Unit.objects.count(), AuditEntry.objects.count()) == (units, entries + 1)
    reset = AuditEntry.objects.order_by("-id").first()
    assert (reset.action, reset.object_repr) == ("password", "demo-clerk")
    assert prepare_demo(province="37", data_dir=tmp_path) == logins
    assert AuditEntry.objects.count() == entries + 1  # nothing else on a third run
    places = {
        m.user.username: (m.role, m.unit.code)
        for m in Membership.objects.select_related("unit", "user")
    }
    assert places == {
        "demo-admin": (Role.PROVINCE_ADMIN, "370000"),
        "demo-leader": (Role.LEADER, "370000"),
        "demo-auditor": (Role.AUDITOR, "370000"),
        "demo-sysadmin": (Role.SYSTEM_ADMIN, "370000"),
        "demo-secadmin": (Role.SECURITY_ADMIN, "370000"),
        "demo-reviewer": (Role.CITY_REVIEWER, "370100"),
        "demo-clerk": (Role.GRASSROOTS_CLERK, "370102"),
        "demo-national": (Role.LEADER, "000000"),
    }
    for username, password, _role, _unit in logins:  # passwords reset by the second run
        assert (
            authenticate(RequestFactory().post("/"), username=username, password=password)
            is not None
        )


@pytest.mark.django_db
def test_prepare_demo_fills_plausible_staff_figures(tmp_path) -> None:
    prepare_demo(province="37", data_dir=tmp_path)
    # The national unit has no synthetic staff figures; every unit of the province has them.
    units = Unit.objects.exclude(level=Level.NATION)
    assert units.filter(level=Level.GRASSROOTS).count() > 100
    assert not units.filter(headcount__isnull=True).exists()
    for unit in units:
        assert 0 < unit.procurators < unit.headcount
        assert 0 <= unit.under_45_share <= 100
