"""Routing by the contact map, answering, escalation by the clock, scope and attachments."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grassroots.assistance.models import Dimension, WeakLevel
from grassroots.assistance.services import designate_weak_unit
from grassroots.direct import services
from grassroots.direct.models import Line, MessageKind, Report, Stage
from grassroots.direct.services import DirectError, add_working_days
from grassroots.notifications import kinds
from grassroots.notifications.models import Notification
from grassroots.notifications.scans import registered, run_scans
from grassroots.organisations.models import AuditEntry, Unit

from .conftest import MONDAY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(people: dict[str, Any], who: str = "clerk", line: str = "", **kw: Any) -> Report:
    return services.file_report(
        actor=people[who],
        category="problem",
        urgency="urgent",
        line=line,
        title=kw.pop("title", "办案用房不足"),
        description=kw.pop("description", "<script>alert(1)</script>急需解决"),
        clock=lambda: kw.pop("at", MONDAY),
        **kw,
    )


def _told(user: Any, kind: str) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


def _weak(people: dict[str, Any], code: str) -> None:
    designate_weak_unit(
        unit=Unit.objects.get(code=code),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2025, 1, 5),
        reasons={Dimension.BUSINESS: "case quality"},
        actor=people["admin"],
    )


def test_working_days_skip_the_weekend() -> None:
    friday = dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC)
    assert add_working_days(friday, 1).date() == dt.date(2026, 3, 9)
    assert add_working_days(MONDAY, 7).date() == dt.date(2026, 3, 11)


def test_routing_follows_the_map(people: dict[str, Any]) -> None:
    # Lixia, no line: its contact-unit leader, then the city's leader (the same person, once),
    # then the office.
    plain = _file(people)
    assert plain.handler == people["leader"]
    assert plain.route == [people["leader"].pk, people["chief"].pk]
    assert plain.due_at == add_working_days(MONDAY, 7)
    # A criminal-line report goes to the line's department first.
    lined = _file(people, line=Line.CRIMINAL)
    assert (lined.handler, lined.department) == (people["criminal"], "第一检察部")
    assert lined.route[:2] == [people["criminal"].pk, people["leader"].pk]
    # A weak unit's report goes to its supporting leader, then its supporting department.
    _weak(people, "370103")
    weak = _file(people, who="clerk2")
    assert weak.route[:3] == [people["support"].pk, people["criminal"].pk, people["leader"].pk]
    # Shinan (Qingdao): no unit entry: the city's leader (also the office).
    far = _file(people, who="qd-clerk")
    assert far.route == [people["chief"].pk]
    assert _told(people["leader"], kinds.DIRECT_ASSIGNED) == 1
    assert _told(people["criminal"], kinds.DIRECT_ASSIGNED) == 1
    assert AuditEntry.objects.filter(model="direct.report", action="create").count() == 4


def test_replies_move_the_stages_and_tell_the_unit(people: dict[str, Any]) -> None:
    report = _file(people)
    later = MONDAY + dt.timedelta(days=2)
    services.reply(report=report, actor=people["leader"], text="收到，正在协调。",
                   clock=lambda: later)  # fmt: skip
    report.refresh_from_db()
    assert report.stage == Stage.SUBSTANTIVE
    assert report.due_at == MONDAY + dt.timedelta(days=90)
    assert _told(people["clerk"], kinds.DIRECT_REPLY) == 1
    services.reply(report=report, actor=people["leader"], text="已协调解决用房。",
                   substantive=True, clock=lambda: later + dt.timedelta(days=20))  # fmt: skip
    report.refresh_from_db()
    assert report.stage == Stage.UPDATE
    assert report.due_at == later + dt.timedelta(days=50)
    services.reply(report=report, actor=people["leader"], text="办结。", resolved=True,
                   clock=lambda: later + dt.timedelta(days=30))  # fmt: skip
    report.refresh_from_db()
    assert report.stage == Stage.CLOSED
    assert report.due_at is None
    with pytest.raises(services.NotAllowed):
        services.reply(report=report, actor=people["leader"], text="again")
    with pytest.raises(services.NotAllowed):  # only the handler answers
        services.reply(report=_file(people), actor=people["chief"], text="not mine")
    assert AuditEntry.objects.filter(model="direct.message").count() >= 5


def test_an_overdue_item_escalates_down_the_route_once_per_deadline(
    people: dict[str, Any],
) -> None:
    assert "direct-overdue" in registered()
    report = _file(people)
    due = report.due_at
    run_scans(due - dt.timedelta(minutes=1))
    report.refresh_from_db()
    assert report.handler == people["leader"]
    assert report.escalations == 0
    late = due + dt.timedelta(minutes=1)
    run_scans(late)
    report.refresh_from_db()
    assert report.handler == people["chief"]
    assert (report.escalations, report.route_step) == (1, 1)
    assert report.due_at == add_working_days(late, 7)  # a fresh first-reply limit
    assert _told(people["leader"], kinds.DIRECT_OVERDUE) == 1
    assert _told(people["chief"], kinds.DIRECT_ASSIGNED) == 1
    run_scans(late + dt.timedelta(hours=1))  # not due again yet: nothing changes
    report.refresh_from_db()
    assert report.escalations == 1
    # Overdue again: past the end of the map, the province's administrator.
    run_scans(report.due_at + dt.timedelta(minutes=1))
    report.refresh_from_db()
    assert report.handler == people["admin"]
    assert report.escalations == 2
    # Nobody further: it stays and waits a new period, telling the handler once.
    again = report.due_at + dt.timedelta(minutes=1)
    run_scans(again)
    report.refresh_from_db()
    assert report.handler == people["admin"]
    assert report.escalations == 2
    assert report.due_at > again
    kinds_ = list(report.messages.values_list("kind", flat=True))
    assert kinds_.count(MessageKind.ESCALATE) == 2
    assert AuditEntry.objects.filter(model="direct.report", actor__isnull=True).exists()


def test_forward_and_manual_escalation(people: dict[str, Any]) -> None:
    from grassroots.direct.models import ContactEntry

    report = _file(people)
    entry = ContactEntry.objects.get(handler=people["criminal"], kind="department_line")
    services.forward(report=report, actor=people["leader"], to_entry=entry, text="业务问题")
    report.refresh_from_db()
    assert (report.handler, report.department) == (people["criminal"], "第一检察部")
    with pytest.raises(services.NotAllowed):
        services.forward(report=report, actor=people["leader"], to_entry=entry, text="")
    services.escalate(report=report, actor=people["criminal"], text="需领导协调")
    report.refresh_from_db()
    assert report.handler == people["chief"]


def test_attachments_are_checked_stored_privately_and_scoped(
    people: dict[str, Any], settings: Any
) -> None:
    fake = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(DirectError, match="evil.pdf"):
        _file(people, files=[fake])
    with pytest.raises(DirectError, match=r"run\.exe"):
        _file(people, files=[SimpleUploadedFile("run.exe", b"MZ")])
    settings.GRASSROOTS_DIRECT_ATTACHMENT_MAX_MB = 0
    with pytest.raises(DirectError, match="big.pdf"):
        _file(people, files=[SimpleUploadedFile("big.pdf", PDF)])
    settings.GRASSROOTS_DIRECT_ATTACHMENT_MAX_MB = 20
    assert Report.objects.count() == 0  # nothing half written
    report = _file(people, files=[SimpleUploadedFile("../../材料.pdf", PDF)])
    (att,) = report.attachments.all()
    path = services.attachment_path(att)
    assert att.name == "材料.pdf"
    assert path.read_bytes() == PDF
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert str(path).startswith(str(settings.DATA_DIR))
    url = reverse("direct:attachment", args=[report.pk, att.pk])
    for who, status in [("clerk", 200), ("leader", 200), ("clerk2", 404), ("reviewer", 404)]:
        client = Client()
        client.force_login(people[who])
        response = client.get(url)
        assert response.status_code == status, who
        if status == 200:
            assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert AuditEntry.objects.filter(action="export", model="direct.attachment").count() == 2


def test_every_page_and_endpoint_is_scoped(people: dict[str, Any]) -> None:
    report = _file(people)
    mine = reverse("direct:report", args=[report.pk])
    posts = {
        reverse("direct:reply", args=[report.pk]): {"text": "x"},
        reverse("direct:note", args=[report.pk]): {"note-text": "x"},
        reverse("direct:forward", args=[report.pk]): {"forward-to": "1", "forward-text": "x"},
        reverse("direct:escalate", args=[report.pk]): {"escalate-text": "x"},
    }
    # Another grassroots unit, the city, a staff member, a unit in another city: 404 everywhere.
    for who in ("clerk2", "reviewer", "staff", "qd-clerk"):
        client = Client()
        client.force_login(people[who])
        assert client.get(mine).status_code == 404, who
        for url, data in posts.items():
            assert client.post(url, data).status_code == 404, (who, url)
        assert report.title not in client.get(reverse("direct:index")).content.decode()
    # The map: the province reads it; only its administrator changes it.
    for who, status in [("clerk", 404), ("reviewer", 404), ("leader", 200), ("admin", 200)]:
        client = Client()
        client.force_login(people[who])
        assert client.get(reverse("direct:map")).status_code == status, who
    client = Client()
    client.force_login(people["leader"])
    assert client.post(reverse("direct:map"), {"kind": "office"}).status_code == 404
    assert client.post(reverse("direct:remove-entry", args=[1])).status_code == 404
    # Filing: only a grassroots clerk.
    for who in ("leader", "reviewer", "staff"):
        client = Client()
        client.force_login(people[who])
        assert client.get(reverse("direct:new")).status_code == 404, who
    # Not the handler: the province's auditor reads it but cannot answer.
    client = Client()
    client.force_login(people["auditor"])
    assert client.get(mine).status_code == 200
    assert client.post(reverse("direct:reply", args=[report.pk]), {"text": "x"}).status_code == 404


def test_the_pages_work_end_to_end_and_escape_the_text(people: dict[str, Any]) -> None:
    clerk = Client()
    clerk.force_login(people["clerk"])
    assert clerk.get(reverse("direct:new")).status_code == 200
    filed = clerk.post(
        reverse("direct:new"),
        {
            "category": "suggestion",
            "urgency": "normal",
            "line": "",
            "title": "建议增加培训",
            "description": "<script>alert('x')</script>请增加业务培训",
            "attachments": [SimpleUploadedFile("plan.txt", "培训计划".encode())],
        },
    )
    assert filed.status_code == 302
    report = Report.objects.get()
    page = clerk.get(filed["Location"]).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    leader = Client()
    leader.force_login(people["leader"])
    index = leader.get(reverse("direct:index")).content.decode()
    assert "建议增加培训" in index
    bad = leader.post(reverse("direct:reply", args=[report.pk]), {"text": " "})
    assert bad.status_code == 400
    ok = leader.post(reverse("direct:reply", args=[report.pk]), {"text": "同意，下月安排。"})
    assert ok.status_code == 302
    page = clerk.get(reverse("direct:report", args=[report.pk])).content.decode()
    assert "同意，下月安排。" in page
    assert 'class="badge unread-count"' in page
    admin = Client()
    admin.force_login(people["admin"])
    overview = admin.get(reverse("direct:index")).content.decode()
    assert "Open items per leader" in overview or "各领导" in overview


def test_the_list_exports_with_its_state_filter(people: dict[str, Any]) -> None:
    """Issue 18.6: the direct reports as Excel with the state filter applied, names of the unit
    and its city; the city (no channel) and a clerk (no export right) get 404."""
    _file(people)
    admin = Client()
    admin.force_login(people["admin"])
    response = admin.get(reverse("direct:index"), {"state": "open", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "直报"
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "编号")
    assert any("在办" in str(c.value) for c in sheet["A"][:top])  # the filter, noted
    [row] = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert row[1:4] == ("办案用房不足", "历下区人民检察院", "济南市人民检察院")
    closed = admin.get(reverse("direct:index"), {"state": "closed", "format": "csv"})
    assert len(closed.content.decode("utf-8-sig").splitlines()) == 1  # the header only
    reviewer = Client()
    reviewer.force_login(people["reviewer"])
    assert reviewer.get("/direct/?format=csv").status_code == 404  # no channel for the city
    clerk = Client()
    clerk.force_login(people["clerk"])
    assert clerk.get(reverse("direct:index"), {"format": "xlsx"}).status_code == 404


def test_the_list_export_holds_at_most_the_export_cap(people: dict[str, Any], settings) -> None:
    """Like every page export, the direct reports' stops at the cap (GRASSROOTS_EXPORT_ROWS),
    newest first, and its first line says the list was cut."""
    for title in ("第一件", "第二件", "第三件"):
        _file(people, title=title)
    admin = Client()
    admin.force_login(people["admin"])
    settings.GRASSROOTS_EXPORT_ROWS = 2
    lines = admin.get("/direct/?format=csv").content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("仅导出前 2 行")
    assert len(lines) == 1 + 1 + 2
    settings.GRASSROOTS_EXPORT_ROWS = 3
    lines = admin.get("/direct/?format=csv").content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 3  # all fit: no note
    assert "仅导出" not in lines[0]


def test_the_map_is_kept_by_the_province_and_audited(people: dict[str, Any]) -> None:
    admin = Client()
    admin.force_login(people["admin"])
    bad = admin.post(reverse("direct:map"), {"kind": "leader_city",
                                             "handler": people["leader"].pk, "unit": "370102"})  # fmt: skip
    assert bad.status_code == 200
    assert Unit.objects.get(code="370102").name_zh
    before = AuditEntry.objects.filter(model="direct.contactentry").count()
    ok = admin.post(reverse("direct:map"), {"kind": "leader_unit",
                                            "handler": people["chief"].pk, "unit": "370104"})  # fmt: skip
    assert ok.status_code == 302
    with pytest.raises(DirectError):  # a handler outside the province
        services.add_entry(actor=people["admin"], kind="office", handler=people["clerk"])
    from grassroots.direct.models import ContactEntry

    entry = ContactEntry.objects.get(unit__code="370104")
    assert admin.post(reverse("direct:remove-entry", args=[entry.pk])).status_code == 302
    assert AuditEntry.objects.filter(model="direct.contactentry").count() == before + 2


def test_the_demo_has_a_contact_map_and_reports(db: Any, tmp_path: Any) -> None:
    from grassroots.direct.demo import prepare_direct_demo
    from grassroots.direct.models import ContactEntry
    from grassroots.organisations.demo import prepare_demo

    prepare_demo(province="37", data_dir=tmp_path)
    prepare_direct_demo(province="37")
    assert ContactEntry.objects.filter(kind="leader_unit", unit__code="370102").exists()
    reports = Report.objects.order_by("filed_at")
    assert reports.count() == 3
    answered, late, new = reports
    assert late.escalations == 1
    assert late.handler.username == "demo-admin"
    assert answered.first_reply_at is not None
    assert new.handler.username == "demo-leader"
    prepare_direct_demo(province="37")  # idempotent
    assert Report.objects.count() == 3


def test_the_api_lists_and_reads_only_what_the_caller_sees(people: dict[str, Any]) -> None:
    report = _file(people)
    services.reply(report=report, actor=people["leader"], text="收到")
    for who, seen in [("clerk", 1), ("leader", 1), ("admin", 1), ("clerk2", 0), ("reviewer", 0)]:
        client = Client()
        client.force_login(people[who])
        listed = client.get("/api/direct/reports")
        assert listed.status_code == 200
        assert len(listed.json()) == seen, who
        one = client.get(f"/api/direct/reports/{report.pk}")
        assert one.status_code == (200 if seen else 404), who
        if seen:
            body = one.json()
            assert body["handler"] == "leader"
            assert [m["kind"] for m in body["messages"]] == ["filed", "reply"]
