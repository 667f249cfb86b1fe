"""Who sees which people pages (issue 14.1 and 14.4): the unit's managers and the province see the
roster and personal data, a person sees only their own page, everything else is 404; every view
of a person's page is logged and the log is the auditors'."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

from grassroots.organisations.models import AuditAction, AuditEntry
from grassroots.people.models import Person, PersonAccess


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


ROSTER_PAGES = [
    "/people/units/370102/",
    "/people/units/370102/template.xlsx",
    "/people/units/370102/new/",
]


@pytest.mark.parametrize("url", ROSTER_PAGES)
def test_roster_pages_are_the_managers_and_404_for_everyone_else(users, url) -> None:
    for key in ("admin", "personnel"):
        assert client_for(users[key]).get(url).status_code == 200, (key, url)
    for key in ("auditor", "other_committee", "clerk", "reviewer", "leader", "head", "li"):
        assert client_for(users[key]).get(url).status_code == 404, (key, url)


def test_the_committee_sees_the_roster_but_does_not_edit_it(users, roster) -> None:
    committee = client_for(users["committee"])
    assert committee.get("/people/units/370102/").status_code == 200
    assert committee.get("/people/units/370102/new/").status_code == 404
    url = f"/people/units/370102/people/{roster['P002'].pk}/edit/"
    assert committee.post(url, {"name": "改名"}).status_code == 404
    assert (
        committee.post(
            "/people/units/370102/departments/", {"code": "D05", "name": "x"}
        ).status_code
        == 404
    )
    assert Person.objects.get(pk=roster["P002"].pk).name == "李华"


def test_a_person_sees_their_own_page_and_a_colleague_s_page_is_404(users, roster) -> None:
    li = client_for(users["li"])
    own = li.get(f"/people/people/{roster['P002'].pk}/")
    assert own.status_code == 200
    assert "1990" in own.content.decode()
    for number in ("P001", "P003", "P004"):
        assert li.get(f"/people/people/{roster[number].pk}/").status_code == 404
    # a department head sees scores of the department, not colleagues' personal pages
    head = client_for(users["head"])
    assert head.get(f"/people/people/{roster['P002'].pk}/").status_code == 404
    assert li.get("/people/units/370102/").status_code == 404


def test_outsiders_get_404_for_a_person_and_a_missing_person(users, roster) -> None:
    url = f"/people/people/{roster['P002'].pk}/"
    for key in ("auditor", "other_committee", "clerk", "reviewer", "leader"):
        assert client_for(users[key]).get(url).status_code == 404, key
    assert client_for(users["admin"]).get("/people/people/999999/").status_code == 404


def test_every_view_of_a_person_page_is_logged_and_the_log_is_the_auditors(users, roster) -> None:
    person = roster["P004"]
    for key in ("admin", "personnel", "zhao", "zhao"):
        assert client_for(users[key]).get(f"/people/people/{person.pk}/").status_code == 200
    entries = list(PersonAccess.objects.filter(person=person).order_by("id"))
    assert [e.viewer_name for e in entries] == [
        users["admin"].username,
        users["personnel"].username,
        "staff-P004",
        "staff-P004",
    ]
    assert {e.unit_code for e in entries} == {"370102"}
    # a refused view leaves no line
    client_for(users["li"]).get(f"/people/people/{person.pk}/")
    assert PersonAccess.objects.filter(person=person).count() == 4
    page = client_for(users["auditor"]).get("/people/access/")
    assert page.status_code == 200
    assert "staff-P004" in page.content.decode()
    for key in ("admin", "personnel", "committee", "li"):
        assert client_for(users[key]).get("/people/access/").status_code == 404, key


def test_an_edit_on_the_page_saves_and_is_audited(users, roster, make_member) -> None:
    from grassroots.organisations.models import Role

    make_member(Role.STAFF, "370102", username="staff-P003")
    person = roster["P003"]
    client = client_for(users["personnel"])
    response = client.post(
        f"/people/units/370102/people/{person.pk}/edit/",
        {"staff_number": "P003", "name": "王芳", "category": "assistant", "department": person.department_id,
         "post": "检察官助理", "grade": "五级检察官助理", "birth_year": 1995, "joined_year": 2019,
         "talent_pool": "on", "active": "on", "reason": "入选人才库", "login": "staff-P003"},
    )  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.talent_pool
    assert person.grade == "五级检察官助理"
    assert person.user is not None
    assert person.user.username == "staff-P003"
    entries = AuditEntry.objects.filter(model="people.person", object_id=str(person.pk)).order_by(
        "id"
    )
    assert [e.reason for e in entries] == ["入选人才库", "login linked"]
    assert {e.actor_name for e in entries} == {users["personnel"].username}
    # a login that belongs to someone else is refused, nothing changes
    response = client.post(
        f"/people/units/370102/people/{roster['P001'].pk}/edit/",
        {"staff_number": "P001", "name": "张明", "category": "prosecutor", "birth_year": 1985,
         "active": "on", "login": "staff-P003"},
    )  # fmt: skip
    assert response.status_code == 200
    assert Person.objects.get(pk=roster["P001"].pk).user_id != person.user_id


def test_the_roster_import_page_shows_located_problems(users, workbook) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(users["personnel"])
    client.cookies["django_language"] = "zh-hans"
    bad = workbook(people=[("P001", "张明", "法官", "D01", "", "", 1985, 2008, "是", "否", "否")])
    response = client.post(
        "/people/units/370102/import/", {"file": SimpleUploadedFile("名册.xlsx", bad)}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "名册.xlsx" in text
    assert "人员" in text
    assert "人员类别" in text
    marked = client.get("/people/units/370102/marked.xlsx")
    assert marked.status_code == 200
    assert marked.content.startswith(b"PK")
    good = workbook()
    response = client.post(
        "/people/units/370102/import/", {"file": SimpleUploadedFile("名册.xlsx", good)}
    )
    assert response.status_code == 200


def test_the_unit_page_shows_the_staff_panel_from_the_roster(users, roster) -> None:
    text = client_for(users["reviewer"]).get("/units/370102/").content.decode()
    assert "staff-team-heading" in text
    # a unit without a roster shows no panel
    assert (
        "staff-team-heading"
        not in client_for(users["reviewer"]).get("/units/370103/").content.decode()
    )


def test_the_roster_export_follows_the_page_rule_and_is_logged(users, roster) -> None:
    """Issue 18.6: the roster as Excel, for who sees the roster; each person exported is a line
    in the access log of personal data, and the download one entry in the audit log."""
    response = client_for(users["personnel"]).get("/people/units/370102/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "人员名册"
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "工号")
    assert [c.value for c in sheet[top]][:2] == ["工号", "姓名"]
    numbers = [r[0] for r in sheet.iter_rows(min_row=top + 1, values_only=True)]
    assert sorted(numbers) == sorted(roster)
    logged = PersonAccess.objects.filter(what="export", viewer=users["personnel"])
    assert logged.count() == len(roster)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1
    for key in ("auditor", "leader", "li"):
        got = client_for(users[key]).get("/people/units/370102/", {"format": "csv"})
        assert got.status_code == 404, key
    assert PersonAccess.objects.filter(what="export").count() == len(roster)
