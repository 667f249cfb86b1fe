"""Deadlines per period and the reporting rate: completeness, timeliness, roll-ups, export."""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps as django_apps
from openpyxl import load_workbook

from grassroots.engine.errors import InputError
from grassroots.intake.models import Deadline, Submission
from grassroots.intake.reporting.services import Timeliness, reporting_rate, set_deadline
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.organisations.services import issue_token

P = "2024Q3"
CST = dt.timezone(dt.timedelta(hours=8))


def _at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2024, 10, day, hour, tzinfo=CST)


def _u(code: str) -> Unit:
    return Unit.objects.get(code=code)


@pytest.fixture
def people(make_member) -> dict[str, object]:
    return {
        "clerk": make_member(Role.GRASSROOTS_CLERK, "370102", "clerk"),
        "clerk2": make_member(Role.GRASSROOTS_CLERK, "370103", "clerk2"),
        "jinan": make_member(Role.CITY_REVIEWER, "370100", "jinan"),
        "admin": make_member(Role.PROVINCE_ADMIN, "370000", "admin"),
    }


@pytest.fixture
def reported(people) -> None:
    """Deadline 10 October. Lixia submits on the 10th at 23:00 (on time), is returned on the
    12th and submits again on the 13th; Shizhong submits on the 11th (late); Shinan never."""
    set_deadline(period=P, due=dt.date(2024, 10, 10), actor=people["admin"])
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"], clock=lambda: _at(10, 23))
    workflow.return_for_correction(unit=_u("370102"), period=P, actor=people["jinan"],
                                   comment="check the totals", clock=lambda: _at(12))  # fmt: skip
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"], clock=lambda: _at(13))
    workflow.submit(unit=_u("370103"), period=P, actor=people["clerk2"], clock=lambda: _at(11))


def test_the_province_sets_a_deadline_and_it_is_audited(people) -> None:
    first = set_deadline(period=" 2024Q3 ", due=dt.date(2024, 10, 10), actor=people["admin"])
    assert (first.period, first.catalogue, first.due) == (P, "", dt.date(2024, 10, 10))
    moved = set_deadline(period=P, due=dt.date(2024, 10, 15), actor=people["admin"])
    assert moved.pk == first.pk
    entries = AuditEntry.objects.filter(model="intake.deadline").order_by("id")
    assert [(e.action, e.after["due"]) for e in entries] == [
        ("create", "2024-10-10"), ("update", "2024-10-15"),
    ]  # fmt: skip
    own = set_deadline(period=P, due=dt.date(2024, 10, 5), catalogue="cepej", actor=people["admin"])
    assert Deadline.objects.count() == 2
    assert own.catalogue == "cepej"


def test_only_the_province_sets_deadlines_and_bad_input_saves_nothing(people) -> None:
    with pytest.raises(workflow.NotAllowed):
        set_deadline(period=P, due=dt.date(2024, 10, 10), actor=people["jinan"])
    with pytest.raises(InputError, match="'soon' is not a period"):
        set_deadline(period="soon", due=dt.date(2024, 10, 10), actor=people["admin"])
    with pytest.raises(InputError, match="no catalogue named 'nope'"):
        set_deadline(period=P, due=dt.date(2024, 10, 10), catalogue="nope", actor=people["admin"])
    assert not Deadline.objects.exists()
    assert not AuditEntry.objects.filter(model="intake.deadline").exists()


def test_the_first_submission_time_is_kept_through_a_return(reported) -> None:
    lixia = Submission.objects.get(unit__code="370102")
    assert lixia.first_submitted == _at(10, 23)
    assert lixia.updated == _at(13)


def test_completeness_and_timeliness_follow_dhis2(reported, people) -> None:
    report = reporting_rate(user=people["admin"], period=P, clock=lambda: _at(20))
    lines = {line.unit.code: line.timeliness for line in report.lines}
    assert lines == {"370102": Timeliness.ON_TIME, "370103": Timeliness.LATE,
                     "370104": Timeliness.MISSING, "370202": Timeliness.MISSING}  # fmt: skip
    assert (report.total.expected, report.total.reported, report.total.on_time) == (4, 2, 1)
    assert report.total.completeness == pytest.approx(2 / 4)
    assert report.total.timeliness == pytest.approx(1 / 4)
    cities = {t.unit.code: (t.expected, t.reported, t.on_time) for t in report.cities}
    assert cities == {"370100": (3, 2, 1), "370200": (1, 0, 0)}


def test_a_returned_unit_has_not_reported_and_a_unit_before_the_deadline_is_not_due(people):
    set_deadline(period=P, due=dt.date(2024, 10, 10), actor=people["admin"])
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"], clock=lambda: _at(2))
    workflow.return_for_correction(unit=_u("370102"), period=P, actor=people["jinan"],
                                   comment="redo", clock=lambda: _at(3))  # fmt: skip
    report = reporting_rate(user=people["jinan"], period=P, clock=lambda: _at(5))
    lines = {line.unit.code: line.timeliness for line in report.lines}
    assert lines == {"370102": Timeliness.NOT_DUE, "370103": Timeliness.NOT_DUE,
                     "370104": Timeliness.NOT_DUE}  # fmt: skip
    assert report.total.reported == 0


def test_without_a_deadline_submissions_are_neither_on_time_nor_late(people) -> None:
    workflow.submit(unit=_u("370102"), period=P, actor=people["clerk"])
    report = reporting_rate(user=people["clerk"], period=P)
    [line] = report.lines
    assert line.timeliness == Timeliness.REPORTED
    assert report.deadline is None


def test_a_catalogue_deadline_replaces_the_periods_on_its_view(reported, people) -> None:
    set_deadline(period=P, due=dt.date(2024, 10, 11), catalogue="cepej", actor=people["admin"])
    report = reporting_rate(user=people["admin"], period=P, catalogue="cepej")
    assert report.total.on_time == 2


def _codes(response) -> list[str]:
    return [line.unit.code for line in response.context["report"].lines]


def test_the_reporting_page_is_scoped(reported, people, client) -> None:
    client.force_login(people["clerk"])
    assert _codes(client.get(f"/intake/reporting/?period={P}")) == ["370102"]
    client.force_login(people["jinan"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/intake/"})
    response = client.get(f"/intake/reporting/?period={P}")
    assert _codes(response) == ["370102", "370103", "370104"]
    page = response.content.decode()
    assert "Late" in page
    assert "370202" not in page
    assert "Set a deadline" not in page  # only the province sets deadlines
    assert client.get(f"/intake/reporting/?period={P}&catalogue=nope").status_code == 400


def test_the_report_exports_to_csv_and_excel_without_formulas(reported, people, client) -> None:
    Unit.objects.filter(code="370103").update(name_zh="=HYPERLINK(1)")
    client.force_login(people["admin"])
    csv = client.get(f"/intake/reporting/?period={P}&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    assert "370202" in text
    book = load_workbook(
        io.BytesIO(client.get(f"/intake/reporting/?period={P}&format=xlsx").content)
    )
    sheet = book.active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "'=HYPERLINK(1)"]
    assert cells
    assert cells[0].data_type == "s"
    total = [row for row in sheet.iter_rows(values_only=True) if row[7] == 3]
    assert total[0][8:12] == (2, 1, "66.7%", "33.3%")
    assert sheet.cell(1, 1).value == "报送率，2024年第三季度"
    # The submissions page exports the units its filters keep (issue 18.6).
    url = f"/intake/submissions/?period={P}&city=370100&status=submitted&format=xlsx"
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "单位代码")
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert [r[0] for r in rows] == ["370102", "370103"]
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert {r[2] for r in rows} == {_u("370100").name_zh}
    client.force_login(people["jinan"])
    assert client.get(url.replace("370100", "370200")).status_code == 404


def test_the_deadline_form_is_for_the_province_only(people, client) -> None:
    client.force_login(people["jinan"])
    form = {"period": P, "due": "2024-10-10", "catalogue": ""}
    assert client.post("/intake/reporting/deadline/", form).status_code == 403
    client.force_login(people["admin"])
    bad = client.post("/intake/reporting/deadline/", {**form, "due": "someday"}, follow=True)
    assert "Due date" in bad.content.decode() or "截止日期" in bad.content.decode()
    assert not Deadline.objects.exists()
    assert client.post("/intake/reporting/deadline/", form).status_code == 302
    assert Deadline.objects.get().due == dt.date(2024, 10, 10)


def _bearer(user) -> dict[str, str]:
    token = issue_token(user=user, name="t", ttl=dt.timedelta(days=1), actor=None).token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_reporting_and_deadline_api(reported, people, client) -> None:
    data = client.get(f"/api/intake/reporting?period={P}", **_bearer(people["jinan"])).json()
    assert [u["unit_code"] for u in data["units"]] == ["370102", "370103", "370104"]
    assert (data["total"]["reported"], data["total"]["on_time"]) == (2, 1)
    assert data["deadline"] == "2024-10-10"
    form = {"period": P, "due": "2024-10-12"}
    assert client.post("/api/intake/deadlines", form, **_bearer(people["jinan"])).status_code == 403
    ok = client.post("/api/intake/deadlines", form, **_bearer(people["admin"]))
    assert ok.status_code == 200
    assert ok.json()["due"] == "2024-10-12"
    bad = client.post("/api/intake/deadlines", {**form, "period": "x"}, **_bearer(people["admin"]))
    assert bad.status_code == 400


def test_the_migration_fills_first_submitted_from_the_audit_log(reported) -> None:
    Submission.objects.update(first_submitted=None)
    migration = importlib.import_module("grassroots.intake.migrations.0004_validation_deadlines")
    migration.first_submitted_from_audit(django_apps, None)
    lixia = Submission.objects.get(unit__code="370102")
    assert lixia.first_submitted == _at(10, 23)
