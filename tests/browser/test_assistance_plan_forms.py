"""The plan's page forms in a real browser, both languages: an HTMX form adds a problem in place,
a clerk reports progress, and screenshots of the plan with its forms, the measure page, the
ledger and the overdue page. No console errors (the CSP included)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grassroots.assistance.models import (
    ActivityKind,
    Dimension,
    MeasureStatus,
    Problem,
    ProblemSource,
    WeakLevel,
)
from grassroots.assistance.services import (
    add_measure,
    add_problem,
    designate_weak_unit,
    pair_weak_unit,
    record_activity,
    report_progress,
    set_target,
)
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
QUARTER = f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"


@pytest.fixture
def plan_world(city_reviewer) -> dict[str, object]:
    _, password = city_reviewer
    admin = get_user_model().objects.create_user(username="admin", password=password)
    add_member(
        user=admin, unit=Unit.objects.get(code="370000"), role=Role.PROVINCE_ADMIN, actor=None
    )
    clerk = get_user_model().objects.create_user(username="clerk", password=password)
    add_member(
        user=clerk, unit=Unit.objects.get(code="370102"), role=Role.GRASSROOTS_CLERK, actor=None
    )
    city = get_user_model().objects.get(username="reviewer")
    d = designate_weak_unit(
        unit=Unit.objects.get(code="370102"),
        level=WeakLevel.PROVINCIAL,
        designated_on=TODAY - dt.timedelta(days=280),
        reasons={Dimension.BUSINESS: "连续三个季度综合排名后三分之一"},
        actor=admin,
    )
    pair_weak_unit(
        designation=d, partner=Unit.objects.get(code="370103"), contact_leader="副检察长 王某",
        actor=admin,
    )  # fmt: skip
    for people, days in ((3, 200), (2, 90)):
        record_activity(
            designation=d,
            kind=ActivityKind.POST_EXCHANGE,
            people=people,
            start=TODAY - dt.timedelta(days=days),
            end=TODAY - dt.timedelta(days=days - 60),
            partner=Unit.objects.get(code="370103"),
            outcome="办案骨干挂职两个月",
            actor=city,
        )
    record_activity(
        designation=d,
        kind=ActivityKind.TRAINING,
        start=TODAY - dt.timedelta(days=40),
        end=TODAY - dt.timedelta(days=39),
        partner=Unit.objects.get(code="370100"),
        outcome="公诉业务培训 40 人次",
        actor=city,
    )
    problem = add_problem(
        designation=d,
        dimension=Dimension.BUSINESS,
        source=ProblemSource.DATA,
        description="退回补充侦查率偏高",
        actor=city,
    )
    measures = []
    for i, (title, status, deadline) in enumerate(
        [
            ("建立退查说理制度", MeasureStatus.DONE, -60),
            ("开展案件质量评查", MeasureStatus.IN_PROGRESS, -12),
            ("组织业务培训", MeasureStatus.DONE, 20),
            ("完善绩效考核办法", MeasureStatus.PLANNED, 120),
        ]
    ):
        m = add_measure(
            designation=d,
            problem=problem if i < 2 else None,
            title=title,
            leader="检察长 张某" if i % 2 else "副检察长 李某",
            department="第一检察部" if i % 2 else "案件管理部",
            created_on=TODAY - dt.timedelta(days=250),
            deadline=TODAY + dt.timedelta(days=deadline),
            actor=city,
        )
        report_progress(
            measure=m, quarter=QUARTER, text="按计划推进", status=status, on=TODAY, actor=clerk
        )
        measures.append(m)
    set_target(designation=d, indicator="remand_rate", period="2024Q2", value=25, actor=city)
    return {"password": password, "late": measures[1].pk}


def _open_forms(page) -> None:
    """Unfold every folded form (each click changes which ones are still folded)."""
    closed = page.locator("details.plan-form:not([open]) > summary")
    while closed.count():
        closed.first.click()


def _login(page, live_server, username: str, password: str, language: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("combobox").select_option(language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_plan_forms_work_in_place_and_pages_render(
    live_server, page, plan_world, screenshots, language
) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server, "reviewer", plan_world["password"], language)
    page.goto(f"{live_server.url}/assistance/units/370102/")
    # The problem form: open it, post it with HTMX; the list grows without leaving the page.
    page.locator("#problem-form > summary").click()
    page.locator("#id_description").fill("案件质量评查发现文书说理不充分")
    page.locator("#id_source").select_option("inspection")
    page.locator("form[action$='/problems/'] button[type=submit]").click()
    page.wait_for_selector("text=案件质量评查发现文书说理不充分")
    assert page.url == f"{live_server.url}/assistance/units/370102/"
    assert Problem.objects.filter(source="inspection").count() == 1
    # A measure with its deadline in the past: refused in place, with the reason.
    page.locator("#measure-form > summary").click()
    page.locator("#id_title").fill("规范案件流程监控")
    page.locator("#id_leader").fill("检察长 张某")
    page.locator("#id_department").fill("案件管理部")
    page.locator("#id_deadline").fill((TODAY - dt.timedelta(days=3)).isoformat())
    page.locator("form[action$='/measures/'] button[type=submit]").click()
    page.wait_for_selector("#measure-form .errorlist")
    page.locator("#target-form > summary").click()
    page.screenshot(path=screenshots / f"assistance-plan-forms-{language}.png", full_page=True)
    for name, url in {
        "ledger": "/assistance/ledger/?unit=370102",
        "overdue": "/assistance/overdue/",
        "measure": f"/assistance/measures/{plan_world['late']}/",
    }.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 200, url
        _open_forms(page)
        page.screenshot(path=screenshots / f"assistance-{name}-{language}.png", full_page=True)
    assert errors == []


def test_the_clerk_reports_progress_on_the_measure_page(
    live_server, page, plan_world, screenshots
) -> None:
    _login(page, live_server, "clerk", plan_world["password"], "zh-hans")
    page.goto(f"{live_server.url}/assistance/measures/{plan_world['late']}/")
    page.locator("#progress-form > summary").click()
    page.locator("#id_quarter").fill(QUARTER)
    page.locator("#id_text").fill("评查已完成，整改到位")
    page.locator("#id_status").select_option("done")
    page.locator("form[action$='/progress/'] button[type=submit]").click()
    page.wait_for_selector("text=评查已完成，整改到位")
    assert "已逾期" not in page.content()
    _open_forms(page)
    page.screenshot(path=screenshots / "assistance-measure-clerk-zh-hans.png", full_page=True)
