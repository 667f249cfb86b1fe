"""Who sees what of the assessment (issue 14.4): a person their own scores and standing band
(no rank: the shipped scheme shows ranks to the committee and the province only), a department
head the department, the unit's committee and the province everyone. Out of scope is 404 for
every page and endpoint of the app."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from grassroots.engine.individual import load_individual_scheme
from grassroots.people import assessment as services
from grassroots.people.models import PersonScore

T0 = dt.datetime(2024, 7, 1, 9, tzinfo=dt.UTC)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _score(period, person, month: int, total: float, rank: int) -> PersonScore:
    return PersonScore.objects.create(
        assessment=period, person=person, month=month, performance=total * 0.6, common=total * 0.3,
        overall=total * 0.1, total=total, grade="good", band=2, rank=rank, group_size=4,
        published=T0,
    )  # fmt: skip


@pytest.fixture
def scored(province, users, roster):
    period = services.open_assessment(
        unit=province["370102"], year=2024, scheme=load_individual_scheme("prosecutor-2021"),
        actor=users["committee"], objection_days=3650,
    )  # fmt: skip
    scores = {}
    for rank, (number, total) in enumerate(
        (("P001", 91.25), ("P002", 83.5), ("P004", 72.75), ("P005", 64.0)), 1
    ):
        for month in (1, 2):
            scores[(number, month)] = _score(period, roster[number], month, total - 3 + month, rank)
    return period, scores


def test_a_person_sees_their_own_monthly_scores_and_band_but_no_rank(users, roster, scored) -> None:
    text = client_for(users["li"]).get(f"/people/people/{roster['P002'].pk}/").content.decode()
    assert "81.50" in text
    assert "82.50" in text
    assert "20–50%" in text  # the standing band
    assert ">Rank<" not in text
    assert "91.25" not in text
    assert "88.25" not in text


def test_the_committee_and_the_province_see_everyone_with_ranks(users, scored) -> None:
    period, _ = scored
    for key in ("committee", "admin"):
        text = (
            client_for(users[key]).get(f"/people/assessments/{period.pk}/?month=2").content.decode()
        )
        assert all(name in text for name in ("张明", "李华", "赵强", "陈静")), key
        assert ">Rank<" in text


def test_a_department_head_sees_the_department_only(users, scored) -> None:
    period, _ = scored
    response = client_for(users["head"]).get(f"/people/assessments/{period.pk}/?month=2")
    assert response.status_code == 200
    text = response.content.decode()
    assert "张明" in text
    assert "李华" in text
    assert "赵强" not in text
    assert "陈静" not in text
    assert ">Rank<" not in text
    assert "Objections" not in text


def test_assessment_pages_and_actions_are_404_out_of_scope(users, roster, scored) -> None:
    period, scores = scored
    score = scores[("P002", 2)]
    objection = services.raise_objection(score=score, text="x", actor=users["li"])
    pages = [
        ("get", f"/people/assessments/{period.pk}/"),
        ("post", f"/people/assessments/{period.pk}/items/"),
        ("post", f"/people/assessments/{period.pk}/compute/"),
        ("post", f"/people/objections/{objection.pk}/decide/"),
        ("get", "/people/units/370102/assessments/new/"),
        ("get", "/people/coefficients/"),
    ]
    for key in (
        "li",
        "zhao",
        "clerk",
        "reviewer",
        "leader",
        "auditor",
        "other_committee",
        "personnel",
    ):
        client = client_for(users[key])
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 404, (key, url)
    # objecting to someone else's score
    assert (
        client_for(users["zhao"])
        .post(f"/people/scores/{score.pk}/object/", {"text": "x"})
        .status_code
        == 404
    )
    assert client_for(users["committee"]).get("/people/coefficients/").status_code == 404
    assert client_for(users["admin"]).get("/people/coefficients/").status_code == 200


def test_the_person_objects_on_their_page_and_the_committee_decides_on_the_assessment_page(
    users, roster, scored
) -> None:
    period, scores = scored
    score = scores[("P004", 1)]
    zhao = client_for(users["zhao"])
    assert zhao.post(f"/people/scores/{score.pk}/object/", {"text": "漏计"}).status_code == 302
    objection = score.objections.get()
    committee = client_for(users["committee"])
    assert "漏计" in committee.get(f"/people/assessments/{period.pk}/").content.decode()
    response = committee.post(
        f"/people/objections/{objection.pk}/decide/", {"status": "rejected", "reason": "计分无误"}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == "rejected"
    assert objection.reason == "计分无误"
    assert "计分无误" in zhao.get(f"/people/people/{roster['P004'].pk}/").content.decode()


def test_api_endpoints_follow_the_same_rules(users, roster, scored) -> None:
    li = client_for(users["li"])
    own = li.get(f"/api/people/people/{roster['P002'].pk}/scores")
    assert own.status_code == 200
    rows = own.json()
    assert {r["month"] for r in rows} == {1, 2}
    assert all(r["rank"] is None for r in rows)
    assert li.get(f"/api/people/people/{roster['P004'].pk}/scores").status_code == 404
    assert li.get(f"/api/people/people/{roster['P004'].pk}").status_code == 404
    assert li.get("/api/people/me").json()["staff_number"] == "P002"
    assert li.get("/api/people/units/370102/people").status_code == 404
    committee = client_for(users["committee"])
    ranked = committee.get(f"/api/people/people/{roster['P004'].pk}/scores").json()
    assert {r["rank"] for r in ranked} == {3}
    assert len(committee.get("/api/people/units/370102/people").json()) == 6
    assert (
        client_for(users["other_committee"]).get("/api/people/units/370102/people").status_code
        == 404
    )
    assert (
        client_for(users["other_committee"])
        .get(f"/api/people/people/{roster['P004'].pk}")
        .status_code
        == 404
    )
    assert client_for(users["clerk"]).get("/api/people/me").status_code == 404
    # staff figures: anyone who sees the unit; outside the scope 404
    staff = client_for(users["clerk"]).get("/api/people/units/370102/staff").json()
    assert staff["from_roster"]
    assert staff["headcount"] == 6
    assert client_for(users["clerk"]).get("/api/people/units/370103/staff").status_code == 404
    assert Client().get("/api/people/me").status_code == 401


def test_the_people_index_is_404_for_someone_with_nothing_there(users) -> None:
    assert client_for(users["reviewer"]).get("/people/").status_code == 404
    for key in ("li", "committee", "personnel", "admin", "auditor"):
        assert client_for(users[key]).get("/people/").status_code == 200, key
