"""People in a browser (issue 14.7): a prosecutor logs in and sees their own monthly scores, a
colleague's page is 404, they object and the assessment committee decides the objection; every
people page renders in Chinese and in English (screenshots for a human to look at)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grassroots.engine.individual import load_individual_scheme
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member
from grassroots.people import assessment as services
from grassroots.people.models import Category, Department, Person, PersonScore

pytestmark = pytest.mark.browser

# The screenshots go to /work/shots/people when that folder can be made, else test-output.
SHOTS = Path(os.environ.get("GRASSROOTS_PEOPLE_SHOTS", "/work/shots/people"))

# (staff number, name, category, department, birth year, talent pool, heads department)
STAFF = [
    ("P001", "张明", Category.PROSECUTOR, "D01", 1985, True, True),
    ("P002", "李华", Category.PROSECUTOR, "D01", 1990, False, False),
    ("P003", "王芳", Category.ASSISTANT, "D01", 1995, False, False),
    ("P004", "赵强", Category.PROSECUTOR, "D02", 1970, False, False),
    ("P005", "陈静", Category.LEADER, "", 1972, True, False),
]
# accumulated totals of P002, January to March
LI_TOTALS = (78.25, 80.5, 83.75)


@pytest.fixture
def shots(screenshots) -> Path:
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
    except OSError:
        return screenshots
    return SHOTS


@pytest.fixture
def people_world(city_reviewer) -> dict[str, object]:
    _, password = city_reviewer
    unit = Unit.objects.get(code="370102")
    departments = {
        code: Department.objects.create(unit=unit, code=code, name=name)
        for code, name in (("D01", "第一检察部"), ("D02", "第二检察部"))
    }
    people = {
        number: Person.objects.create(
            unit=unit,
            staff_number=number,
            name=name,
            category=category,
            department=departments.get(dept),
            birth_year=birth,
            talent_pool=pool,
            heads_department=head,
            quota_seat=category != Category.ASSISTANT,
            post="检察官",
        )  # fmt: skip
        for number, name, category, dept, birth, pool, head in STAFF
    }
    users = {}
    for username, role, code in (
        ("li", Role.STAFF, "370102"), ("committee", Role.COMMITTEE, "370102"),
        ("personnel", Role.PERSONNEL_MANAGER, "370102"), ("admin", Role.PROVINCE_ADMIN, "370000"),
        ("auditor", Role.AUDITOR, "370000"),
    ):  # fmt: skip
        user = get_user_model().objects.create_user(username=username, password=password)
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        users[username] = user
    people["P002"].user = users["li"]
    people["P002"].save()
    period = services.open_assessment(
        unit=unit, year=2024, scheme=load_individual_scheme("prosecutor-2021"),
        actor=users["committee"], objection_days=7,
    )  # fmt: skip
    now = timezone.now()
    for rank, number in enumerate(("P001", "P002", "P004", "P005"), start=1):
        for month in (1, 2, 3):
            total = LI_TOTALS[month - 1] if number == "P002" else 95.0 - 6 * rank + month
            PersonScore.objects.create(
                assessment=period, person=people[number], month=month, performance=total * 0.6,
                common=total * 0.3, overall=total * 0.1, total=total, grade="good", band=2,
                rank=rank, group_size=4, published=now - dt.timedelta(days=1),
            )  # fmt: skip
    return {"password": password, "people": people, "period": period}


def login(page, live_server, username: str, password: str, language: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_prosecutor_sees_their_monthly_scores_objects_and_the_committee_decides(
    live_server, browser, people_world, shots
) -> None:
    password = str(people_world["password"])
    people = people_world["people"]
    period = people_world["period"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, live_server, "li", password, "zh-hans")
    page.goto(f"{live_server.url}/people/")
    page.get_by_role("link", name="李华：我的得分与信息").click()
    table = page.locator("table.scores")
    text = table.inner_text()
    for total in LI_TOTALS:
        assert f"{total:.2f}" in text
    assert "1月" in text
    assert "3月" in text
    assert "20%–50%" in text  # the standing band, in Chinese
    assert "排名" not in text  # ranks are hidden from the person
    assert "89.00" not in page.content()  # no colleague's score
    page.screenshot(path=shots / "person-own-scores-zh-hans.png", full_page=True)
    # a colleague's page does not exist for them
    response = page.goto(f"{live_server.url}/people/people/{people['P001'].pk}/")
    assert response is not None
    assert response.status == 404
    # an objection to March
    page.goto(f"{live_server.url}/people/people/{people['P002'].pk}/")
    march = page.locator("table.scores tbody tr").nth(2)
    march.locator("summary").click()
    march.locator("textarea").fill("3月有两件审查逮捕案件漏计")
    march.get_by_role("button", name="提交异议").click()
    assert "您的异议已提交考评委员会" in page.locator("main").inner_text()
    assert "待考评委员会处理" in page.locator("table.scores").inner_text()
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, live_server, "committee", password, "zh-hans")
    page.goto(f"{live_server.url}/people/assessments/{period.pk}/?month=3")
    assert "排名" in page.locator("table.scores").inner_text()  # the committee sees ranks
    row = page.locator("section[aria-labelledby=objections-heading] tbody tr").first
    assert "3月有两件审查逮捕案件漏计" in row.inner_text()
    row.locator("select").select_option("upheld")
    row.locator("textarea").fill("经核查漏计两件，更正总分")
    row.locator("input[type=number]").fill("86.5")
    page.screenshot(path=shots / "assessment-committee-zh-hans.png", full_page=True)
    row.get_by_role("button", name="记录决定").click()
    assert "决定已记录" in page.locator("main").inner_text()
    assert (
        "经核查漏计两件" in page.locator("section[aria-labelledby=objections-heading]").inner_text()
    )
    context.close()
    score = PersonScore.objects.get(assessment=period, person=people["P002"], month=3)
    assert score.total == 86.5
    assert score.objections.get().status == "upheld"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_people_page_renders_in_each_language(
    live_server, browser, people_world, shots, language
) -> None:
    password = str(people_world["password"])
    people = people_world["people"]
    period = people_world["period"]
    errors: list[str] = []
    pages = {
        "admin": {
            "index": "/people/",
            "roster": "/people/units/370102/",
            "person": f"/people/people/{people['P004'].pk}/",
            "person-edit": f"/people/units/370102/people/{people['P004'].pk}/edit/",
            "assessment": f"/people/assessments/{period.pk}/?month=3",
            "assessment-new": "/people/units/370102/assessments/new/",
            "coefficients": "/people/coefficients/",
            "unit-panel": "/units/370102/",
        },
        "li": {"own-page": f"/people/people/{people['P002'].pk}/"},
        "auditor": {"access-log": "/people/access/"},
    }
    for username, urls in pages.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, live_server, username, password, language)
        for name, url in urls.items():
            response = page.goto(f"{live_server.url}{url}")
            assert response is not None, url
            assert response.status == 200, url
            assert page.evaluate("document.documentElement.lang") == language
            body = page.locator("main").inner_text()
            if language == "zh-hans":
                for english in ("Staff number", "Performance", "Roster", "Objection", "Month "):
                    assert english not in body, (url, english)
            page.screenshot(path=shots / f"{name}-{language}.png", full_page=True)
        context.close()
    assert errors == []
