"""/api/assistance plan endpoints: problems, measure edits, targets, ledger, overdue (404/403/422)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from grassroots.assistance.models import (
    Activity,
    ActivityKind,
    Dimension,
    Measure,
    MeasureStatus,
    Problem,
    ProblemSource,
    Target,
    WeakLevel,
)
from grassroots.assistance.services import add_measure, designate_weak_unit
from grassroots.organisations.models import AuditAction, AuditEntry, Role
from grassroots.organisations.services import issue_token

TODAY = timezone.localdate()


@pytest.fixture
def api(province, make_member):
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    city = make_member(Role.CITY_REVIEWER, "370100")
    d = designate_weak_unit(
        unit=province["370102"],
        level=WeakLevel.MUNICIPAL,
        designated_on=TODAY - dt.timedelta(days=100),
        reasons={Dimension.BUSINESS: "low"},
        actor=admin,
    )
    measure = add_measure(
        designation=d,
        title="m1",
        leader="l",
        department="d",
        created_on=TODAY - dt.timedelta(days=90),
        deadline=TODAY - dt.timedelta(days=5),
        actor=city,
    )

    def client_for(role: Role, code: str) -> Client:
        user = make_member(role, code, f"api-{role}-{code}")
        token = issue_token(user=user, name="t", ttl=dt.timedelta(days=1), actor=None).token
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return client_for, measure


PROBLEM = {"dimension": "staff", "source": "survey", "description": "人手不足"}


def test_a_problem_is_added_by_the_city_and_refused_elsewhere(api) -> None:
    client_for, _ = api
    url = "/api/assistance/weak-units/370102/problems"
    city = client_for(Role.CITY_REVIEWER, "370100")
    created = city.post(url, PROBLEM, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["description"] == "人手不足"
    assert Problem.objects.get().source == ProblemSource.SURVEY
    clerk = client_for(Role.GRASSROOTS_CLERK, "370102")
    assert clerk.post(url, PROBLEM, content_type="application/json").status_code == 403
    other = client_for(Role.CITY_REVIEWER, "370200")
    assert other.post(url, PROBLEM, content_type="application/json").status_code == 404
    blank = city.post(url, {**PROBLEM, "description": " "}, content_type="application/json")
    assert blank.status_code == 422
    assert "describe the problem" in blank.json()["detail"]
    assert Problem.objects.count() == 1


def _edit(**overrides: object) -> dict[str, object]:
    data = {
        "title": "m1",
        "leader": "新领导",
        "department": "d",
        "deadline": (TODAY + dt.timedelta(days=30)).isoformat(),
        "status": "in_progress",
    }
    return {**data, **overrides}


def test_a_measure_edit_keeps_the_old_values_in_the_audit(api) -> None:
    client_for, measure = api
    url = f"/api/assistance/measures/{measure.pk}"
    city = client_for(Role.CITY_REVIEWER, "370100")
    edited = city.put(url, _edit(), content_type="application/json")
    assert edited.status_code == 200
    assert (edited.json()["leader"], edited.json()["overdue"]) == ("新领导", False)
    entry = AuditEntry.objects.get(model="assistance.measure", action=AuditAction.UPDATE)
    assert (entry.before["leader"], entry.after["leader"]) == ("l", "新领导")
    early = (measure.created_on - dt.timedelta(days=1)).isoformat()
    refused = city.put(url, _edit(deadline=early), content_type="application/json")
    assert refused.status_code == 422
    assert "before the measure's creation" in refused.json()["detail"]
    clerk = client_for(Role.GRASSROOTS_CLERK, "370102")
    assert clerk.put(url, _edit(leader="x"), content_type="application/json").status_code == 403
    other = client_for(Role.CITY_REVIEWER, "370200")
    assert other.put(url, _edit(leader="x"), content_type="application/json").status_code == 404
    assert Measure.objects.get().leader == "新领导"


def test_a_target_for_an_unknown_indicator_is_422(api) -> None:
    client_for, _ = api
    url = "/api/assistance/weak-units/370102/targets"
    city = client_for(Role.CITY_REVIEWER, "370100")
    bad = {"indicator": "happiness_rate", "period": "2024Q4", "value": 1}
    assert city.post(url, bad, content_type="application/json").status_code == 422
    assert not Target.objects.exists()
    good = {"indicator": "remand_rate", "period": "2024Q4", "value": 25}
    assert city.post(url, good, content_type="application/json").status_code == 201
    assert Target.objects.get().value == 25


def test_activities_feed_the_ledger_totals(api) -> None:
    client_for, _ = api
    url = "/api/assistance/weak-units/370102/activities"
    admin = client_for(Role.PROVINCE_ADMIN, "370000")
    post = {
        "kind": "post_exchange",
        "start": (TODAY - dt.timedelta(days=20)).isoformat(),
        "end": TODAY.isoformat(),
        "people": 4,
        "partner": "370103",
    }
    assert admin.post(url, post, content_type="application/json").status_code == 201
    none = admin.post(url, {**post, "people": 0}, content_type="application/json")
    assert none.status_code == 422
    assert Activity.objects.get().kind == ActivityKind.POST_EXCHANGE
    clerk = client_for(Role.GRASSROOTS_CLERK, "370102")
    assert clerk.post(url, post, content_type="application/json").status_code == 403
    ledger = client_for(Role.CITY_REVIEWER, "370100").get("/api/assistance/ledger").json()
    assert ledger["posts_exchanged"] == 4
    assert ledger["units"][0]["by_kind"]["post_exchange"] == 1
    other = client_for(Role.CITY_REVIEWER, "370200").get("/api/assistance/ledger").json()
    assert (other["posts_exchanged"], other["units"]) == (0, [])


def test_overdue_measures_are_listed_in_scope(api) -> None:
    client_for, measure = api
    rows = client_for(Role.GRASSROOTS_CLERK, "370102").get("/api/assistance/overdue").json()
    assert [(r["id"], r["city"], r["days_overdue"]) for r in rows] == [(measure.pk, "370100", 5)]
    assert client_for(Role.CITY_REVIEWER, "370200").get("/api/assistance/overdue").json() == []
    Measure.objects.filter(pk=measure.pk).update(status=MeasureStatus.DONE)
    assert client_for(Role.PROVINCE_ADMIN, "370000").get("/api/assistance/overdue").json() == []


def test_the_plan_endpoints_are_documented_and_need_a_token(api) -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/assistance/weak-units/{code}/problems"]
    assert "put" in paths["/api/assistance/measures/{measure_id}"]
    assert {"/api/assistance/ledger", "/api/assistance/overdue"} <= set(paths)
    assert Client().get("/api/assistance/overdue").status_code == 401
