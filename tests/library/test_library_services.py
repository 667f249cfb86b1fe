"""The case pipeline, linking a case across programmes, articles' review, the audit, and the
sanitiser."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from grassroots.library import services
from grassroots.library.models import ArticleStatus, Case, CaseEntry, EntryStatus, SearchDocument
from grassroots.library.sanitise import clean
from grassroots.organisations.models import AuditEntry

D = dt.date(2025, 3, 10)
FIELDS = {
    "title": "督促整治非法采砂公益诉讼案",
    "kind": "typical",
    "business_line": "public_interest",
    "case_number": "历检公益〔2025〕3号",
    "keywords": "非法采砂 河道",
    "gist": "检察机关以磋商推动河道生态修复。",
    "body": "<p>案情</p>",
}


def test_the_status_pipeline_runs_in_order_and_the_province_decides(
    province: dict[str, Any], clerk: Any, admin: Any
) -> None:
    case = services.save_case(actor=clerk, unit=province["370102"], fields=FIELDS)
    entry = services.add_entry(
        actor=clerk,
        case=case,
        programme="全省公益诉讼典型案例",
        batch="第一批",
        level="provincial",
        on=D,
    )
    assert entry.status == EntryStatus.CULTIVATING
    services.advance_entry(actor=clerk, entry=entry, on=D)  # the unit recommends
    assert entry.status == EntryStatus.RECOMMENDED
    with pytest.raises(PermissionDenied):  # the first review is the province's
        services.advance_entry(actor=clerk, entry=entry, on=D)
    services.advance_entry(actor=admin, entry=entry, on=D)
    services.advance_entry(actor=admin, entry=entry, on=D + dt.timedelta(days=3))
    assert entry.status == EntryStatus.SHORTLISTED
    with pytest.raises(services.LibraryError) as no_grade:
        services.advance_entry(actor=admin, entry=entry, on=D + dt.timedelta(days=9))
    assert "grade" in no_grade.value.problems
    with pytest.raises(services.LibraryError) as earlier:
        services.advance_entry(actor=admin, entry=entry, on=D, grade="典型案例")
    assert "on" in earlier.value.problems
    services.advance_entry(actor=admin, entry=entry, on=D + dt.timedelta(days=9), grade="典型案例")
    entry.refresh_from_db()
    assert (entry.status, entry.grade) == (EntryStatus.FINAL, "典型案例")
    with pytest.raises(services.LibraryError):
        services.advance_entry(actor=admin, entry=entry, on=D + dt.timedelta(days=10))
    statuses = [
        e.after["status"]
        for e in AuditEntry.objects.filter(model="library.caseentry").order_by("id")
    ]
    assert statuses == [
        "cultivating",
        "recommended",
        "first_review",
        "shortlisted",
        "final",
    ]
    doc = SearchDocument.objects.get(kind="case", object_id=case.pk)
    assert (doc.level, doc.visible_to_all, doc.year) == ("provincial", True, 2025)


def test_the_same_case_is_linked_across_programmes_not_entered_twice(
    province: dict[str, Any], clerk: Any
) -> None:
    case = services.save_case(actor=clerk, unit=province["370102"], fields=FIELDS)
    services.add_entry(
        actor=clerk, case=case, programme="市级优秀案例", batch="", level="city", on=D
    )
    services.add_entry(
        actor=clerk,
        case=case,
        programme="最高检典型案例",
        batch="第五批",
        level="spp_typical",
        on=D,
    )
    assert CaseEntry.objects.filter(case=case).count() == 2
    with pytest.raises(services.LibraryError) as again:  # the same case number again
        services.save_case(actor=clerk, unit=province["370102"], fields=FIELDS)
    assert "case_number" in again.value.problems
    with pytest.raises(services.LibraryError):  # the same programme and batch again
        services.add_entry(
            actor=clerk, case=case, programme="市级优秀案例", batch="", level="city", on=D
        )
    assert Case.objects.count() == 1
    assert SearchDocument.objects.get(kind="case").level == "spp_typical"  # its highest level


def test_a_clerk_writes_only_its_own_units_items(
    province: dict[str, Any], clerk: Any, other_clerk: Any, person: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.save_case(actor=other_clerk, unit=province["370102"], fields=FIELDS)
    with pytest.raises(PermissionDenied):
        services.save_honour(
            actor=other_clerk,
            unit=province["370102"],
            title="全省优秀检察官",
            level="province",
            on=D,
            awarding_body="省院",
        )
    with pytest.raises(services.LibraryError):  # a prosecutor of another unit
        services.save_case(
            actor=other_clerk, unit=province["370103"], fields=FIELDS, prosecutors=[person]
        )
    case = services.save_case(
        actor=clerk, unit=province["370102"], fields=FIELDS, prosecutors=[person]
    )
    assert list(case.prosecutors.all()) == [person]


def test_an_article_is_published_after_review(
    province: dict[str, Any], clerk: Any, admin: Any
) -> None:
    column = services.save_column(actor=admin, province=province["370000"], name_zh="三年攻坚")
    with pytest.raises(PermissionDenied):
        services.save_column(actor=clerk, province=province["370000"], name_zh="攻坚克难")
    article = services.save_article(
        actor=clerk,
        unit=province["370102"],
        column=column,
        fields={"title": "以案件质量促基层院建设", "body": "<p>做法</p>", "summary": "三项做法"},
    )
    assert article.status == ArticleStatus.DRAFT
    services.submit_article(actor=clerk, article=article)
    with pytest.raises(PermissionDenied):
        services.review_article(actor=clerk, article=article, publish=True)
    with pytest.raises(services.LibraryError):  # a return says why
        services.review_article(actor=admin, article=article, publish=False)
    services.review_article(actor=admin, article=article, publish=False, note="补充数据")
    assert article.status == ArticleStatus.RETURNED
    services.submit_article(actor=clerk, article=article)
    services.review_article(actor=admin, article=article, publish=True, on=D)
    assert (article.status, article.published_on) == (ArticleStatus.PUBLISHED, D)
    with pytest.raises(services.LibraryError):  # published: the unit no longer changes it
        services.save_article(
            actor=clerk, unit=province["370102"], column=column, fields={}, article=article
        )
    reasons = list(
        AuditEntry.objects.filter(model="library.article")
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert reasons == ["", "submitted for review", "returned", "submitted for review", "published"]


def test_no_script_survives_the_sanitiser(province: dict[str, Any], clerk: Any) -> None:
    dirty = (
        '<p onclick="steal()">要旨<script>alert(1)</script></p>'
        '<a href="javascript:alert(2)">x</a><img src=x onerror=alert(3)>'
        "<iframe src='//evil'></iframe><style>body{}</style><strong>重点</strong>"
    )
    cleaned = clean(dirty)
    for bad in ("script", "onclick", "javascript", "onerror", "iframe", "<img", "<style", "alert"):
        assert bad not in cleaned
    assert "<strong>重点</strong>" in cleaned
    assert "<p>要旨</p>" in cleaned
    case = services.save_case(
        actor=clerk, unit=province["370102"], fields={**FIELDS, "body": dirty}
    )
    case.refresh_from_db()
    assert "script" not in case.body
    assert "<strong>重点</strong>" in case.body


def test_attachments_are_checked_for_type_size_and_content(
    province: dict[str, Any], clerk: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    case = services.save_case(actor=clerk, unit=province["370102"], fields=FIELDS)
    with pytest.raises(services.LibraryError):
        services.attach(actor=clerk, case=case, name="run.exe", content=b"MZ...")
    with pytest.raises(services.LibraryError):  # a .pdf that is not a PDF
        services.attach(actor=clerk, case=case, name="judgment.pdf", content=b"<html>")
    big = b"%PDF-" + b"0" * services.MAX_ATTACHMENT_BYTES
    with pytest.raises(services.LibraryError):
        services.attach(actor=clerk, case=case, name="big.pdf", content=big)
    item = services.attach(
        actor=clerk, case=case, name="../../判决书.pdf", content=b"%PDF-1.7 body"
    )
    assert item.filename == "判决书.pdf"
    assert item.path.read_bytes() == b"%PDF-1.7 body"
    assert item.path.is_relative_to(tmp_path)
    assert item.path.stat().st_mode & 0o777 == 0o600


def test_the_demo_library_is_made_once(province: dict[str, Any], admin: Any) -> None:
    from grassroots.library.demo import prepare_library_demo
    from grassroots.library.models import Article, Brand, Honour

    made = prepare_library_demo(province="370000", admin=admin)
    assert made == 36
    assert CaseEntry.objects.filter(status=EntryStatus.FINAL).count() > 10
    linked = [c for c in Case.objects.all() if c.entries.count() > 1]
    assert linked  # some cases are entered in two programmes
    assert Article.objects.filter(status=ArticleStatus.PUBLISHED).exists()
    assert Brand.objects.count() == 4
    assert Honour.objects.count() >= 4
    assert prepare_library_demo(province="370000", admin=admin) == 0  # a second run adds nothing
