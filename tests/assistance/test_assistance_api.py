"""/api/assistance: scoped reads, and writes that keep the services' rules (404, 403, 422)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from grassroots.assistance.models import Dimension, Measure, MeasureStatus, WeakLevel
from grassroots.assistance.services import add_measure, designate_weak_unit
from grassroots.organisations.models import Role
from grassroots.organisations.services import issue_token

DAY = dt.date(2024, 3, 1)


@pytest.fixture
def api(province, make_member):
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    city = make_member(Role.CITY_REVIEWER, "370100")
    d = designate_weak_unit(
        unit=province["370102"],
        level=WeakLevel.MUNICIPAL,
        designated_on=DAY,
        reasons={Dimension.BUSINESS: "low"},
        actor=admin,
    )
    measure = add_measure(
        designation=d,
        title="m1",
        leader="l",
        department="d",
        created_on=DAY,
        deadline=DAY + dt.timedelta(days=10),
        actor=city,
    )

    def client_for(role: Role, code: str) -> Client:
        user = make_member(role, code, f"api-{role}-{code}")
        token = issue_token(user=user, name="t", ttl=dt.timedelta(days=1), actor=None).token
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return client_for, measure


def test_the_board_lists_weak_units_in_scope_only(api) -> None:
    client_for, _ = api
    board = client_for(Role.CITY_REVIEWER, "370100").get("/api/assistance/weak-units").json()
    assert [u["code"] for u in board["units"]] == ["370102"]
    assert (board["measures"], board["overdue"]) == (1, 1)
    other = client_for(Role.CITY_REVIEWER, "370200").get("/api/assistance/weak-units").json()
    assert other["units"] == []
    assert other["measures"] == 0


def test_a_plan_outside_scope_is_404(api) -> None:
    client_for, _ = api
    assert (
        client_for(Role.CITY_REVIEWER, "370200")
        .get("/api/assistance/weak-units/370102")
        .status_code
        == 404
    )
    plan = client_for(Role.LEADER, "370100").get("/api/assistance/weak-units/370102").json()
    assert plan["reasons"] == {"business": "low"}
    assert plan["measures"][0]["overdue"] is True


def test_adding_a_measure_checks_role_and_deadline(api) -> None:
    client_for, _ = api
    url = "/api/assistance/weak-units/370102/measures"
    body = {"title": "m2", "leader": "l", "department": "d", "created_on": "2024-03-01"}
    city = client_for(Role.CITY_REVIEWER, "370100")
    bad = city.post(url, {**body, "deadline": "2024-02-01"}, content_type="application/json")
    assert bad.status_code == 422
    assert "before the measure's creation" in bad.json()["detail"]
    clerk = client_for(Role.GRASSROOTS_CLERK, "370102")
    ok = {**body, "deadline": "2024-06-01"}
    assert clerk.post(url, ok, content_type="application/json").status_code == 403
    assert (
        client_for(Role.CITY_REVIEWER, "370200")
        .post(url, ok, content_type="application/json")
        .status_code
        == 404
    )
    assert city.post(url, ok, content_type="application/json").status_code == 201
    assert Measure.objects.count() == 2


def test_progress_is_reported_by_the_units_own_clerk_only(api) -> None:
    client_for, measure = api
    url = f"/api/assistance/measures/{measure.pk}/progress"
    body = {"quarter": "2024Q1", "text": "done", "status": "done"}
    other = client_for(Role.GRASSROOTS_CLERK, "370103")
    assert other.post(url, body, content_type="application/json").status_code == 404
    own = client_for(Role.GRASSROOTS_CLERK, "370102")
    response = own.post(url, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == MeasureStatus.DONE
