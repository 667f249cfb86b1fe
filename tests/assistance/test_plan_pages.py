"""The plan pages: one list two plans, progress and evidence, the ledger and overdue warnings.

Each form is tried by every role that matters: the one allowed, one in scope without the role
(403) and one out of scope (404); bad input answers with the reason and saves nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from grassroots.assistance.models import (
    Activity,
    ActivityKind,
    Dimension,
    Evidence,
    Measure,
    MeasureStatus,
    Problem,
    ProblemSource,
    ProgressReport,
    Target,
    WeakLevel,
)
from grassroots.assistance.services import (
    MAX_EVIDENCE_BYTES,
    add_measure,
    add_problem,
    designate_weak_unit,
    evidence_storage,
    record_activity,
    report_progress,
)
from grassroots.organisations.models import AuditAction, AuditEntry, Role

TODAY = timezone.localdate()
QUARTER = f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"
PLAN = "/assistance/units/370102/"


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(province, make_member) -> dict[str, object]:
    """Jinan's 370102 is weak; users of every role that matters, a problem and two measures."""
    users = {
        "admin": make_member(Role.PROVINCE_ADMIN, "370000"),
        "city": make_member(Role.CITY_REVIEWER, "370100"),
        "other_city": make_member(Role.CITY_REVIEWER, "370200"),
        "clerk": make_member(Role.GRASSROOTS_CLERK, "370102"),
        "other_clerk": make_member(Role.GRASSROOTS_CLERK, "370103"),
        "leader": make_member(Role.LEADER, "370100"),
    }
    d = designate_weak_unit(
        unit=province["370102"],
        level=WeakLevel.PROVINCIAL,
        designated_on=TODAY - dt.timedelta(days=200),
        reasons={Dimension.BUSINESS: "综合排名靠后"},
        actor=users["admin"],
    )
    problem = add_problem(
        designation=d,
        dimension=Dimension.BUSINESS,
        source=ProblemSource.DATA,
        description="退回补充侦查率偏高",
        actor=users["city"],
    )
    late = add_measure(
        designation=d,
        problem=problem,
        title="开展案件质量评查",
        leader="副检察长 李某",
        department="案件管理部",
        created_on=TODAY - dt.timedelta(days=150),
        deadline=TODAY - dt.timedelta(days=10),
        actor=users["city"],
    )
    on_time = add_measure(
        designation=d,
        title="组织业务培训",
        leader="检察长 王某",
        department="政治部",
        created_on=TODAY - dt.timedelta(days=150),
        deadline=TODAY + dt.timedelta(days=30),
        actor=users["city"],
    )
    return {**users, "d": d, "problem": problem, "late": late, "on_time": on_time}


def _clients(world: dict[str, object]) -> dict[str, Client]:
    names = ("admin", "city", "other_city", "clerk", "other_clerk", "leader")
    return {name: _client(world[name]) for name in names}


# ------------------------------------------------------------------------------- plan page


def test_the_plan_page_shows_forms_only_to_roles_that_may_use_them(world) -> None:
    c = _clients(world)
    city = c["city"].get(PLAN).content.decode()
    assert 'action="/assistance/units/370102/problems/"' in city
    assert 'action="/assistance/units/370102/measures/"' in city
    assert "/assistance/units/370102/recommend-exit/" not in c["admin"].get(PLAN).content.decode()
    for role in ("clerk", "leader"):
        page = c[role].get(PLAN)
        assert page.status_code == 200
        assert "/problems/" not in page.content.decode()
        assert '/measures/"' not in page.content.decode()
    assert c["other_city"].get(PLAN).status_code == 404
    assert c["other_clerk"].get(PLAN).status_code == 404


def test_the_plan_page_counts_problems_measures_done_and_overdue(world) -> None:
    report_progress(
        measure=world["on_time"],
        quarter=QUARTER,
        text="已完成培训",
        status=MeasureStatus.DONE,
        on=TODAY,
        actor=world["clerk"],
    )
    page = _client(world["city"]).get(PLAN)
    assert page.context["counts"].__dict__ == {
        "problems": 1,
        "measures": 2,
        "done": 1,
        "overdue": 1,
    }
    assert "1 个问题，2 项措施，1 项完成，1 项逾期" in page.content.decode()
    now = page.context["quarters"][0]
    assert (now.quarter, now.measures, now.done, now.overdue, now.reports) == (QUARTER, 2, 1, 1, 1)
    # The designation's first quarter: both measures existed, none done, none overdue yet.
    first = page.context["quarters"][-1]
    assert (first.done, first.overdue) == (0, 0)


def test_city_adds_a_problem_and_it_is_audited(world) -> None:
    data = {"dimension": Dimension.STAFF, "source": ProblemSource.SURVEY, "description": "人手不足"}
    response = _client(world["city"]).post(f"{PLAN}problems/", data)
    assert response.status_code == 302
    problem = Problem.objects.get(description="人手不足")
    entry = AuditEntry.objects.get(model="assistance.problem", object_id=str(problem.pk))
    assert (entry.action, entry.actor_name, entry.unit_code) == (
        AuditAction.CREATE,
        "city_reviewer-370100",
        "370102",
    )


def test_the_problem_form_swaps_the_page_body_in_place_with_htmx(world) -> None:
    data = {"dimension": Dimension.STAFF, "source": ProblemSource.SURVEY, "description": ""}
    bad = _client(world["city"]).post(f"{PLAN}problems/", data, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200  # htmx swaps only 2xx answers: the errors must arrive
    assert 'id="plan-body"' in bad.content.decode()
    assert "这个字段是必填项" in bad.content.decode()
    assert Problem.objects.count() == 1


@pytest.mark.parametrize(("role", "status"), [("clerk", 403), ("leader", 403), ("other_city", 404)])
def test_only_the_city_and_province_add_problems(world, role, status) -> None:
    data = {"dimension": Dimension.STAFF, "source": ProblemSource.SURVEY, "description": "x"}
    assert _client(world[role]).post(f"{PLAN}problems/", data).status_code == status
    assert _client(world["admin"]).post(f"{PLAN}problems/", data).status_code == 302
    assert Problem.objects.count() == 2


def test_a_bad_problem_is_refused_with_the_field_named(world) -> None:
    data = {"dimension": "happiness", "source": ProblemSource.SURVEY, "description": "x"}
    response = _client(world["city"]).post(f"{PLAN}problems/", data)
    assert response.status_code == 400
    assert "happiness" in response.content.decode()
    assert Problem.objects.count() == 1


# ---------------------------------------------------------------------------------- measures


def _measure_data(**overrides: object) -> dict[str, object]:
    data = {
        "title": "完善绩效考核办法",
        "leader": "检察长 王某",
        "department": "政治部",
        "deadline": (TODAY + dt.timedelta(days=60)).isoformat(),
        "problem": "",
        "status": MeasureStatus.PLANNED,
    }
    return {**data, **overrides}


def test_city_adds_a_measure_linked_to_a_problem(world) -> None:
    data = _measure_data(problem=world["problem"].pk)
    assert _client(world["city"]).post(f"{PLAN}measures/", data).status_code == 302
    measure = Measure.objects.get(title="完善绩效考核办法")
    assert measure.problem == world["problem"]
    assert measure.created_on == TODAY
    assert AuditEntry.objects.filter(model="assistance.measure", object_id=str(measure.pk)).exists()


def test_a_deadline_before_the_measure_is_created_is_refused(world) -> None:
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    response = _client(world["city"]).post(f"{PLAN}measures/", _measure_data(deadline=yesterday))
    assert response.status_code == 400
    assert f"截止日期 {yesterday} 早于措施的创建日期" in response.content.decode()
    assert Measure.objects.count() == 2


def test_a_problem_of_another_units_list_cannot_be_linked(world, province, make_member) -> None:
    other = designate_weak_unit(
        unit=province["370104"],
        level=WeakLevel.MUNICIPAL,
        designated_on=TODAY,
        reasons={Dimension.STAFF: "x"},
        actor=world["admin"],
    )
    foreign = add_problem(
        designation=other,
        dimension=Dimension.STAFF,
        source=ProblemSource.SURVEY,
        description="别的单位的问题",
        actor=world["city"],
    )
    response = _client(world["city"]).post(f"{PLAN}measures/", _measure_data(problem=foreign.pk))
    assert response.status_code == 400
    assert Measure.objects.count() == 2


@pytest.mark.parametrize(("role", "status"), [("clerk", 403), ("leader", 403), ("other_city", 404)])
def test_only_the_city_and_province_add_measures(world, role, status) -> None:
    assert _client(world[role]).post(f"{PLAN}measures/", _measure_data()).status_code == status
    assert Measure.objects.count() == 2


def test_editing_a_measure_keeps_the_previous_values_in_the_audit_trail(world) -> None:
    measure = world["on_time"]
    new_deadline = TODAY + dt.timedelta(days=90)
    data = _measure_data(
        title=measure.title,
        leader="副检察长 赵某",
        department=measure.department,
        deadline=new_deadline.isoformat(),
        status=MeasureStatus.IN_PROGRESS,
    )
    url = f"/assistance/measures/{measure.pk}/edit/"
    assert _client(world["city"]).post(url, data).status_code == 302
    measure.refresh_from_db()
    assert (measure.leader, measure.deadline, measure.status) == (
        "副检察长 赵某",
        new_deadline,
        MeasureStatus.IN_PROGRESS,
    )
    entry = AuditEntry.objects.get(
        model="assistance.measure", object_id=str(measure.pk), action=AuditAction.UPDATE
    )
    assert entry.before["leader"] == "检察长 王某"
    assert entry.before["deadline"] == (TODAY + dt.timedelta(days=30)).isoformat()
    assert entry.after["leader"] == "副检察长 赵某"


def test_an_edit_cannot_move_the_deadline_before_the_creation(world) -> None:
    measure = world["on_time"]
    before_creation = (measure.created_on - dt.timedelta(days=1)).isoformat()
    url = f"/assistance/measures/{measure.pk}/edit/"
    response = _client(world["city"]).post(url, _measure_data(deadline=before_creation))
    assert response.status_code == 400
    assert "早于措施的创建日期" in response.content.decode()
    measure.refresh_from_db()
    assert measure.deadline == TODAY + dt.timedelta(days=30)
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE, model="assistance.measure")


@pytest.mark.parametrize(("role", "status"), [("clerk", 403), ("leader", 403), ("other_city", 404)])
def test_only_the_city_and_province_edit_measures(world, role, status) -> None:
    url = f"/assistance/measures/{world['on_time'].pk}/edit/"
    assert _client(world[role]).post(url, _measure_data()).status_code == status
    world["on_time"].refresh_from_db()
    assert world["on_time"].title == "组织业务培训"


# -------------------------------------------------------------------- progress and evidence


def test_the_clerk_reports_its_units_quarterly_progress(world) -> None:
    measure = world["late"]
    data = {"quarter": QUARTER, "text": "评查完毕", "status": MeasureStatus.DONE}
    url = f"/assistance/measures/{measure.pk}/progress/"
    assert _client(world["clerk"]).post(url, data).status_code == 302
    report = ProgressReport.objects.get(measure=measure)
    assert (report.quarter, report.text) == (QUARTER, "评查完毕")
    measure.refresh_from_db()
    assert (measure.status, measure.done_on) == (MeasureStatus.DONE, TODAY)
    assert AuditEntry.objects.filter(model="assistance.progressreport").count() == 1


@pytest.mark.parametrize(
    ("role", "status"), [("city", 403), ("admin", 403), ("other_clerk", 404), ("other_city", 404)]
)
def test_only_the_units_own_clerk_reports_progress(world, role, status) -> None:
    data = {"quarter": QUARTER, "text": "x", "status": MeasureStatus.DONE}
    url = f"/assistance/measures/{world['late'].pk}/progress/"
    assert _client(world[role]).post(url, data).status_code == status
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("quarter", "message"),
    [("2024-07", "不是季度"), ("2024Q5", "不是季度"), (f"{TODAY.year + 1}Q1", "尚未开始")],
)
def test_a_bad_quarter_is_refused(world, quarter, message) -> None:
    data = {"quarter": quarter, "text": "x", "status": MeasureStatus.DONE}
    url = f"/assistance/measures/{world['late'].pk}/progress/"
    response = _client(world["clerk"]).post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_evidence_is_stored_privately_and_downloaded_only_in_scope(world) -> None:
    url = f"/assistance/measures/{world['late'].pk}/evidence/"
    upload = SimpleUploadedFile("评查报告.pdf", b"%PDF-1.4 minutes")
    assert _client(world["clerk"]).post(url, {"file": upload}).status_code == 302
    evidence = Evidence.objects.get()
    assert evidence_storage().exists(evidence.file)
    assert AuditEntry.objects.filter(model="assistance.evidence").count() == 1
    download = f"/assistance/evidence/{evidence.pk}/"
    for role in ("city", "admin", "leader", "clerk"):
        response = _client(world[role]).get(download)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
        assert "attachment" in response["Content-Disposition"]
    for role in ("other_city", "other_clerk"):
        assert _client(world[role]).get(download).status_code == 404, role
    assert Client().get(download).status_code == 302  # anonymous: to the login page


def _files() -> set[Path]:
    """Every file in the evidence store (shared by the tests of this process)."""
    return {f for f in Path(evidence_storage().path("")).rglob("*") if f.is_file()}


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("virus.exe", 10, ".exe 类型的文件不允许"),
        ("scan.pdf", MAX_EVIDENCE_BYTES + 1, "大于 10 MB"),
    ],
)
def test_evidence_of_a_bad_type_or_size_is_refused_and_nothing_is_kept(
    world, name, size, message
) -> None:
    url = f"/assistance/measures/{world['late'].pk}/evidence/"
    upload = SimpleUploadedFile(name, b"x" * size)
    before = _files()
    response = _client(world["clerk"]).post(url, {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()
    assert _files() == before


@pytest.mark.parametrize(("role", "status"), [("city", 403), ("other_clerk", 404)])
def test_only_the_units_own_clerk_attaches_evidence(world, role, status) -> None:
    url = f"/assistance/measures/{world['late'].pk}/evidence/"
    upload = SimpleUploadedFile("a.pdf", b"%PDF")
    assert _client(world[role]).post(url, {"file": upload}).status_code == status
    assert not Evidence.objects.exists()


def test_the_measure_page_shows_each_role_its_forms(world) -> None:
    url = f"/assistance/measures/{world['late'].pk}/"
    clerk = _client(world["clerk"]).get(url).content.decode()
    city = _client(world["city"]).get(url).content.decode()
    assert "/progress/" in clerk
    assert "/evidence/" in clerk
    assert "/edit/" not in clerk
    assert "/edit/" in city
    assert "/progress/" not in city
    assert "逾期" in city
    assert _client(world["other_city"]).get(url).status_code == 404


# ----------------------------------------------------------------------------------- targets


def test_city_sets_a_target_and_the_plan_shows_its_check(world) -> None:
    data = {"indicator": "remand_rate", "period": "2024q4", "value": "25"}
    assert _client(world["city"]).post(f"{PLAN}targets/", data).status_code == 302
    target = Target.objects.get()
    assert (target.indicator, target.period, target.value) == ("remand_rate", "2024Q4", 25.0)
    page = _client(world["city"]).get(PLAN)
    [(outcome, name)] = page.context["targets"]
    assert outcome.target == target
    assert outcome.run is None
    assert "本期尚无评价运行" in page.content.decode()
    assert AuditEntry.objects.filter(model="assistance.target").count() == 1


def test_a_target_for_an_indicator_the_scheme_lacks_is_refused(world) -> None:
    data = {"indicator": "happiness_rate", "period": "2024Q4", "value": "1"}
    response = _client(world["city"]).post(f"{PLAN}targets/", data)
    assert response.status_code == 400
    assert "core-business 方案没有指标 happiness_rate" in response.content.decode()
    assert not Target.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("clerk", 403), ("leader", 403), ("other_city", 404)])
def test_only_the_city_and_province_set_targets(world, role, status) -> None:
    data = {"indicator": "remand_rate", "period": "2024Q4", "value": "25"}
    assert _client(world[role]).post(f"{PLAN}targets/", data).status_code == status
    assert not Target.objects.exists()


# ----------------------------------------------------------------------------------- overdue


def test_overdue_measures_are_listed_for_the_unit_and_its_city(world) -> None:
    for role in ("admin", "city", "clerk", "leader"):
        page = _client(world[role]).get("/assistance/overdue/")
        assert page.status_code == 200
        assert page.context["total"] == 1, role
        [city] = page.context["cities"]
        assert city.city.code == "370100"
        [unit] = city.units
        assert [o.measure for o in unit.measures] == [world["late"]]
        assert unit.measures[0].days == 10
    other = _client(world["other_city"]).get("/assistance/overdue/")
    assert other.context["total"] == 0
    assert "开展案件质量评查" not in other.content.decode()


def test_a_measure_done_is_no_longer_overdue(world) -> None:
    report_progress(
        measure=world["late"],
        quarter=QUARTER,
        text="完成",
        status=MeasureStatus.DONE,
        on=TODAY,
        actor=world["clerk"],
    )
    assert _client(world["city"]).get("/assistance/overdue/").context["total"] == 0


def test_the_overdue_measures_export_with_names_and_formula_safe_csv(world) -> None:
    """Issue 18.6: the overdue list as Excel (names, the page's rows) and CSV that Excel reads
    as text (a title starting with "=" stays text); out of scope the export lists nothing."""
    world["late"].title = "=HYPERLINK(1)"
    world["late"].save()
    response = _client(world["city"]).get("/assistance/overdue/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "逾期措施"
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "单位代码")
    assert sheet.cell(top, 8).value == "逾期天数"
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert [r[:3] + r[7:8] for r in rows] == [
        ("370102", "历下区人民检察院", "济南市人民检察院", 10)
    ]
    text = _client(world["city"]).get("/assistance/overdue/?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    other = _client(world["other_city"]).get("/assistance/overdue/?format=csv")
    assert len(other.content.decode("utf-8-sig").splitlines()) == 1  # the header only
    assert _client(world["clerk"]).get("/assistance/overdue/?format=xlsx").status_code == 404


# ------------------------------------------------------------------------------------ ledger


def _activity(**overrides: object) -> dict[str, object]:
    data = {
        "unit": "370102",
        "kind": ActivityKind.POST_EXCHANGE,
        "partner": "370103",
        "people": "3",
        "start": (TODAY - dt.timedelta(days=30)).isoformat(),
        "end": TODAY.isoformat(),
        "outcome": "办案骨干挂职",
    }
    return {**data, **overrides}


def test_city_records_a_post_exchange_and_the_totals_count_the_people(world) -> None:
    record_activity(
        designation=world["d"],
        kind=ActivityKind.POST_EXCHANGE,
        people=4,
        start=TODAY - dt.timedelta(days=90),
        end=TODAY - dt.timedelta(days=60),
        actor=world["admin"],
    )
    assert _client(world["city"]).post("/assistance/ledger/", _activity()).status_code == 302
    activity = Activity.objects.get(people=3)
    assert activity.partner.code == "370103"
    assert AuditEntry.objects.filter(model="assistance.activity").count() == 2
    page = _client(world["admin"]).get("/assistance/ledger/")
    [row] = page.context["rows"]
    assert (row.posts, row.activities) == (7, 2)
    assert page.context["total"].posts == 7
    assert "共交流挂职 7 人" in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"people": "0"}, "请填写交流挂职的人数"),
        ({"end": (TODAY - dt.timedelta(days=60)).isoformat()}, "活动结束日期早于开始日期"),
        ({"partner": "370102"}, "帮扶单位不能是被帮扶单位本身"),
    ],
)
def test_a_bad_activity_is_refused_with_the_reason(world, overrides, message) -> None:
    response = _client(world["city"]).post("/assistance/ledger/", _activity(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("clerk", 403), ("leader", 403), ("other_city", 404)])
def test_only_the_city_and_province_record_activities(world, role, status) -> None:
    assert _client(world[role]).post("/assistance/ledger/", _activity()).status_code == status
    assert not Activity.objects.exists()


def test_the_ledger_shows_only_the_units_in_scope(world) -> None:
    record_activity(
        designation=world["d"],
        kind=ActivityKind.VISIT,
        start=TODAY,
        end=TODAY,
        outcome="走访座谈",
        actor=world["city"],
    )
    assert "走访座谈" in _client(world["clerk"]).get("/assistance/ledger/").content.decode()
    other = _client(world["other_city"]).get("/assistance/ledger/")
    assert other.status_code == 200
    assert "走访座谈" not in other.content.decode()
    assert other.context["rows"] == []
    assert other.context["form"] is None


def test_the_ledger_exports_its_activities_for_the_unit_asked(world) -> None:
    """Issue 18.6: the ledger's activities as Excel, the unit filter applied, with names."""
    record_activity(
        designation=world["d"],
        kind=ActivityKind.POST_EXCHANGE,
        people=3,
        partner=world["d"].unit.parent.children.get(code="370103"),
        start=TODAY - dt.timedelta(days=30),
        end=TODAY,
        outcome="办案骨干挂职",
        actor=world["city"],
    )
    city = _client(world["city"])
    response = city.get("/assistance/ledger/", {"unit": "370102", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "帮扶台账"
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "单位代码")
    [row] = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert row[:6] == (
        "370102", "历下区人民检察院", "济南市人民检察院", "挂职交流", "市中区人民检察院", 3
    )  # fmt: skip
    other = city.get("/assistance/ledger/?unit=370103&format=csv")
    assert len(other.content.decode("utf-8-sig").splitlines()) == 1  # the header only


def test_the_ledger_exports_the_totals_the_page_shows(world, settings) -> None:
    """The totals per weak unit and the scope's total line, as on the page, export too; an
    activities export longer than the export cap is cut, and says so even in the CSV."""
    for days, people in ((90, 4), (30, 3)):
        record_activity(
            designation=world["d"],
            kind=ActivityKind.POST_EXCHANGE,
            people=people,
            start=TODAY - dt.timedelta(days=days),
            end=TODAY - dt.timedelta(days=days - 10),
            actor=world["city"],
        )
    record_activity(designation=world["d"], kind=ActivityKind.VISIT, start=TODAY, end=TODAY,
                    outcome="走访座谈", actor=world["city"])  # fmt: skip
    city = _client(world["city"])
    assert "导出合计（Excel）" in city.get("/assistance/ledger/").content.decode()
    text = city.get("/assistance/ledger/?table=totals&format=csv").content.decode("utf-8-sig")
    header, *lines = [line.split(",") for line in text.splitlines()]
    assert header[:3] == ["单位代码", "相对薄弱基层院", "所属市院"]
    assert header[-2:] == ["帮扶活动", "交流挂职人数"]
    unit, total = lines  # one weak unit in the city's scope, then the total line
    assert unit[:3] == ["370102", "历下区人民检察院", "济南市人民检察院"]
    assert (unit[-2:], total[1], total[-2:]) == (["3", "7"], "合计", ["3", "7"])
    response = city.get("/assistance/ledger/", {"table": "totals", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    last = sheet.max_row
    assert (sheet.cell(last, 2).value, sheet.cell(last, 2).font.bold) == ("合计", True)
    settings.GRASSROOTS_EXPORT_ROWS = 2
    cut = city.get("/assistance/ledger/?format=csv").content.decode("utf-8-sig").splitlines()
    assert cut[0].startswith("仅导出前 2 行")
    assert len(cut) == 1 + 1 + 2  # the note, the header, two of the three activities


def test_anonymous_users_are_sent_to_login(world) -> None:
    measure = world["late"].pk
    for url in (
        PLAN,
        "/assistance/ledger/",
        "/assistance/overdue/",
        f"/assistance/measures/{measure}/",
    ):
        assert Client().get(url).status_code == 302, url
