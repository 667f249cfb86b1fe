"""The demo's people (issue 14.6): generated rosters for the province's grassroots units, audited,
idempotent; a prosecutor's login linked to their person; Lixia's assessment opened and computed."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from grassroots.engine.synth.people import roster_frame
from grassroots.organisations.models import AuditEntry, Role
from grassroots.people.demo import load_rosters, prepare_people_demo
from grassroots.people.models import AssessmentPeriod, Category, Person, PersonScore


def test_rosters_come_from_the_generator_once(province) -> None:
    added = load_rosters(province="37")
    expected = roster_frame(["370102", "370103", "370104", "370202"], seed=1)
    assert added == len(expected) == Person.objects.count()
    zhang = expected.iloc[0]
    person = Person.objects.get(unit__code=zhang.unit_code, staff_number=zhang.staff_id)
    assert (person.name, person.birth_year) == (zhang["name"], int(zhang.birth_year))
    assert AuditEntry.objects.filter(model="people.person").count() == added
    assert load_rosters(province="37") == 0


def test_the_demo_prosecutor_logs_in_and_is_a_prosecutor_with_scores(province) -> None:
    logins = prepare_people_demo(province="37")
    assert [u for u, *_ in logins] == ["demo-prosecutor", "demo-committee", "demo-personnel"]
    user = get_user_model().objects.get(username="demo-prosecutor")
    assert user.check_password("Lixia#Court2024")
    assert user.membership.role == Role.STAFF
    assert user.person.category == Category.PROSECUTOR
    assert user.person.unit.code == "370102"
    period = AssessmentPeriod.objects.get(unit__code="370102", year=2024)
    assert period.computed is not None
    assert PersonScore.objects.filter(assessment=period, person=user.person).exists()
    again = prepare_people_demo(province="37")
    assert len(again) == 3
    assert AssessmentPeriod.objects.count() == 1
