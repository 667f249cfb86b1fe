"""The weak-unit pages in a real browser, both languages: no console errors (CSP included),
the wall chart draws, and screenshots of the board, plan page, wall chart and exit form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from grassroots.assistance.models import (
    ActivityKind,
    Dimension,
    ExitAssessment,
    MeasureStatus,
    ProblemSource,
    WeakLevel,
)
from grassroots.assistance.services import (
    add_measure,
    add_problem,
    designate_weak_unit,
    pair_weak_unit,
    recommend_exit,
    record_activity,
    report_progress,
    set_target,
)
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser

DAY = dt.date(2024, 1, 15)
CHECKLIST = [
    {
        "item": "Q6",
        "heading": "supervision",
        "kind": "quantitative",
        "status": "met",
        "reason": "core-business score ge 60 [all of 2024Q2]; 2024Q2: 74.65",
    },
    {
        "item": "Q2",
        "heading": "supervision",
        "kind": "quantitative",
        "status": "not_met",
        "reason": "quality colour ne red [all of 2024Q1, 2024Q2]; 2024Q1: red, 2024Q2: green",
    },
    {
        "item": "P1",
        "heading": "political",
        "kind": "qualitative",
        "status": "undecided",
        "reason": "qualitative: a reviewer decides on the evidence",
    },
]


@pytest.fixture
def weak_unit_world(city_reviewer) -> tuple[str, str, int]:
    """A province admin, one weak unit with a plan, a ledger line and an exit recommendation."""
    _, password = city_reviewer
    admin = get_user_model().objects.create_user(username="admin", password=password)
    add_member(
        user=admin, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    city = get_user_model().objects.get(username="reviewer")
    clerk = get_user_model().objects.create_user(username="clerk", password=password)
    add_member(
        user=clerk, unit=Unit.objects.get(code="370102"), role=Role.GRASSROOTS_CLERK, actor=None
    )
    d = designate_weak_unit(
        unit=Unit.objects.get(code="370102"),
        level=WeakLevel.PROVINCIAL,
        designated_on=DAY,
        reasons={
            Dimension.BUSINESS: "2023 年连续三个季度综合排名后三分之一",
            Dimension.STAFF: "员额检察官不足",
        },
        evidence="2023 年度评价结果",
        actor=admin,
    )
    pair_weak_unit(
        designation=d,
        partner=Unit.objects.get(code="370103"),
        contact_leader="副检察长 王某",
        actor=admin,
    )
    record_activity(
        designation=d,
        kind=ActivityKind.POST_EXCHANGE,
        people=3,
        start=DAY,
        end=DAY + dt.timedelta(days=90),
        partner=Unit.objects.get(code="370103"),
        outcome="办案骨干挂职三个月",
        actor=city,
    )
    problem = add_problem(
        designation=d,
        dimension=Dimension.BUSINESS,
        source=ProblemSource.DATA,
        description="退回补充侦查率偏高",
        actor=city,
    )
    for i, (title, status) in enumerate(
        [
            ("建立退查说理制度", MeasureStatus.DONE),
            ("开展案件质量评查", MeasureStatus.IN_PROGRESS),
            ("组织业务培训", MeasureStatus.DONE),
            ("完善绩效考核办法", MeasureStatus.PLANNED),
        ]
    ):
        m = add_measure(
            designation=d,
            problem=problem,
            title=title,
            leader="检察长",
            department="第一检察部",
            created_on=DAY,
            deadline=DAY + dt.timedelta(days=60 + 90 * i),
            actor=city,
        )
        report_progress(
            measure=m,
            quarter="2024Q1",
            text="按计划推进",
            status=status,
            on=DAY + dt.timedelta(days=50),
            actor=clerk,
        )
    set_target(designation=d, indicator="remand_rate", period="2024Q2", value=25, actor=city)
    assessment = recommend_exit(
        designation=d,
        periods=["2024Q1", "2024Q2"],
        checklist=CHECKLIST,
        reviews={},
        on=dt.date(2024, 7, 20),
        actor=city,
    )
    assert isinstance(assessment, ExitAssessment)
    return "admin", password, assessment.pk


@pytest.mark.parametrize(
    ("language", "heading"), [("zh-hans", "相对薄弱基层院"), ("en", "Weak units")]
)
def test_weak_unit_pages_render_cleanly_in_each_language(
    live_server, page, weak_unit_world, screenshots, language, heading
) -> None:
    username, password, assessment = weak_unit_world
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    pages = {
        "board": "/assistance/",
        "plan": "/assistance/units/370102/",
        "wall-chart": "/assistance/wall-chart/",
        "exit": f"/assistance/exit/{assessment}/",
    }
    for name, url in pages.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 200, url
        if name == "board":
            assert page.locator("h1").inner_text() == heading
        if name == "wall-chart":
            page.wait_for_selector("#wall-chart canvas")
        page.screenshot(path=screenshots / f"assistance-{name}-{language}.png", full_page=True)
    assert errors == []
