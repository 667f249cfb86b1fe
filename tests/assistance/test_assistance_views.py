"""The pages: each renders in scope, answers 404 out of scope, and only the province decides."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from grassroots.assistance.models import (
    Designation,
    Dimension,
    ExitAssessment,
    ExitDecision,
    ItemStatus,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.services import add_measure, designate_weak_unit, recommend_exit
from grassroots.organisations.models import Role

DAY = dt.date(2024, 3, 1)
CHECKLIST = [
    {
        "item": "Q6",
        "heading": "supervision",
        "kind": "quantitative",
        "status": "met",
        "reason": "ok",
    },
    {
        "item": "P1",
        "heading": "political",
        "kind": "qualitative",
        "status": "undecided",
        "reason": "",
    },
]


@pytest.fixture
def setup(province, make_member) -> dict[str, object]:
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    city = make_member(Role.CITY_REVIEWER, "370100")
    designation = designate_weak_unit(
        unit=province["370102"],
        level=WeakLevel.PROVINCIAL,
        designated_on=DAY,
        reasons={Dimension.BUSINESS: "低分"},
        actor=admin,
    )
    add_measure(
        designation=designation,
        title="整改措施甲",
        leader="l",
        department="d",
        created_on=DAY,
        deadline=DAY + dt.timedelta(days=20),
        actor=city,
    )
    assessment = recommend_exit(
        designation=designation,
        periods=["2024Q2"],
        checklist=CHECKLIST,
        reviews={},
        on=DAY,
        actor=city,
    )
    return {"admin": admin, "city": city, "designation": designation, "assessment": assessment}


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _urls(setup: dict[str, object]) -> list[str]:
    assessment = setup["assessment"]
    assert isinstance(assessment, ExitAssessment)
    return [
        "/assistance/",
        "/assistance/wall-chart/",
        "/assistance/units/370102/",
        f"/assistance/exit/{assessment.pk}/",
    ]


def test_every_page_renders_for_the_province_and_the_units_city(setup) -> None:
    for user in (setup["admin"], setup["city"]):
        client = _client(user)
        for url in _urls(setup):
            response = client.get(url)
            assert response.status_code == 200, url
    board = _client(setup["admin"]).get("/assistance/").content.decode()
    assert "370102" in board or "历下区" in board
    exit_page = _client(setup["admin"]).get(_urls(setup)[-1]).content.decode()
    assert "评价期次：2024年第二季度" in exit_page  # the period by its name, a full-width colon


def test_other_city_sees_no_weak_unit_and_404s_on_its_pages(setup, make_member) -> None:
    qingdao = _client(make_member(Role.CITY_REVIEWER, "370200"))
    assert "历下区" not in qingdao.get("/assistance/").content.decode()
    assert "整改措施甲" not in qingdao.get("/assistance/wall-chart/").content.decode()
    for url in _urls(setup)[2:]:
        assert qingdao.get(url).status_code == 404, url


def test_a_unit_never_designated_has_no_plan_page(setup) -> None:
    assert _client(setup["admin"]).get("/assistance/units/370103/").status_code == 404


def test_anonymous_users_are_sent_to_login(setup) -> None:
    for url in _urls(setup):
        assert Client().get(url).status_code == 302


def test_only_the_province_posts_the_exit_decision(setup) -> None:
    url = _urls(setup)[3]
    data = {"status-P1": ItemStatus.MET, "evidence-P1": "学习记录", "decision": ExitDecision.EXIT}
    assert _client(setup["city"]).post(url, data).status_code == 403
    undecided = _client(setup["admin"]).post(url, {"decision": ExitDecision.EXIT})
    assert undecided.status_code == 200
    assert "P1" in undecided.content.decode()
    assert not ExitAssessment.objects.get().decision
    assert _client(setup["admin"]).post(url, data).status_code == 302
    designation = Designation.objects.get()
    assert designation.status == WeakStatus.EXITED
    assert ExitAssessment.objects.get().items.get(code="P1").evidence == "学习记录"


def test_the_board_exports_the_weak_units_it_lists(setup, make_member, province) -> None:
    """Issue 18.6: the weak units' board as Excel, with names, through the shared export."""
    response = _client(setup["admin"]).get("/assistance/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "相对薄弱基层院"
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "单位代码")
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert [r[:3] for r in rows] == [
        ("370102", province["370102"].name_zh, province["370100"].name_zh)
    ]
    assert rows[0][7] == 1  # one measure
    qingdao = _client(make_member(Role.CITY_REVIEWER, "370200")).get("/assistance/?format=csv")
    assert len(qingdao.content.decode("utf-8-sig").splitlines()) == 1  # the header only
