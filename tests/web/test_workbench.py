"""The home page is a workbench per role (issue 18.2): what waits for this user, in scope."""

from __future__ import annotations

import datetime as dt

import pytest

from grassroots.intake.models import Deadline, Submission, SubmissionStatus
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import Role, Unit

P = "2024Q3"
NOW = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)


@pytest.fixture
def people(workflow_people) -> dict[str, object]:
    # The period's deadline is still to come: the workbench's period is 2024Q3.
    Deadline.objects.create(period=P, due=dt.date(2099, 1, 1), updated=NOW, updated_by="t")
    return workflow_people


def _u(code: str) -> Unit:
    return Unit.objects.get(code=code)


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_clerk_sees_its_units_status_and_a_returned_comment(client, people) -> None:
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    workflow.return_for_correction(
        unit=_u("370102"), period=P, actor=people["jinan"], comment="第3行受理数有误"
    )
    page = _home(client, people["clerk"])
    assert "工作台" in page
    assert "2024年第三季度 数据报送" in page
    assert "第3行受理数有误" in page
    assert "370103" not in page  # another unit's status is not the clerk's


def test_the_reviewer_sees_the_units_waiting_for_approval(client, people) -> None:
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    workflow.submit(unit=_u("370103"), period=P, actor=people["clerk2"])
    page = _home(client, people["jinan"])
    assert '<span class="figure">2</span> <span class="label">待您审核的单位' in page
    # Qingdao's reviewer has nothing waiting: Jinan's submissions are not in its scope.
    page = _home(client, people["qingdao"])
    assert '<span class="figure">0</span> <span class="label">待您审核的单位' in page


def test_the_province_sees_the_cities_ready_to_lock(client, people) -> None:
    page = _home(client, people["admin"])
    assert '<span class="figure">0</span> <span class="label">可确认并锁定的市院' in page
    for code, clerk in (("370102", "clerk"), ("370103", "clerk2"), ("370104", "clerk3")):
        workflow.submit(unit=_u(code), period=P, actor=people[clerk])
        workflow.approve(unit=_u(code), period=P, actor=people["jinan"])
    page = _home(client, people["admin"])
    assert '<span class="figure">1</span> <span class="label">可确认并锁定的市院' in page
    assert Submission.objects.filter(status=SubmissionStatus.APPROVED).count() == 3


def test_a_staff_member_finds_their_own_scores_page_and_no_one_elses(client, make_member) -> None:
    from grassroots.people.models import Category, Person

    me = make_member(Role.STAFF, "370102", "prosecutor")
    mine = Person.objects.create(unit=_u("370102"), staff_number="P0001", name="张三",
                                 category=Category.PROSECUTOR, birth_year=1988, user=me)  # fmt: skip
    other = Person.objects.create(unit=_u("370102"), staff_number="P0002", name="李四",
                                  category=Category.PROSECUTOR, birth_year=1990)  # fmt: skip
    page = _home(client, me)
    assert f"/people/people/{mine.pk}/" in page
    assert f"/people/people/{other.pk}/" not in page
    assert "李四" not in page


def test_the_province_sees_the_open_direct_reports_and_the_overdue_ones(client, people) -> None:
    from grassroots.direct import services as direct

    page = _home(client, people["admin"])
    assert '<span class="figure">0</span> <span class="label">未办结的直报' in page
    filed = dt.datetime(2024, 1, 2, 9, tzinfo=dt.UTC)  # long past every time limit
    for title in ("办案区设备老化", "人员编制不足"):
        direct.file_report(actor=people["clerk"], category="problem", urgency="urgent", line="",
                           title=title, description="说明", clock=lambda: filed)  # fmt: skip
    page = _home(client, people["admin"])
    assert '<span class="figure">2</span> <span class="label">未办结的直报' in page
    assert "逾期 2 项" in page
    # The clerk's workbench has no province-wide count.
    assert "未办结的直报" not in _home(client, people["clerk"])
