"""Issue 12.6: the province edits its bulletin template (section order, indicators, titles,
marking); each edit is a new version, documents name the version they used, and an indicator
the catalogue lacks is refused with nothing stored."""

from __future__ import annotations

import io

import docx
import pytest

from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.reports.errors import ReportError
from grassroots.reports.models import ReportTemplate
from grassroots.reports.services import generate_document, read_document, save_template

PERIOD = "2024Q4"


def test_an_unknown_indicator_is_refused(world) -> None:
    province = Unit.objects.get(code="370000")
    with pytest.raises(ReportError, match="no_such_rate"):
        save_template(
            province=province,
            product="bulletin",
            spec={"indicators": ["non_arrest_rate", "no_such_rate"]},
            actor=world["admin"],
        )
    assert ReportTemplate.objects.count() == 0


def test_the_province_template_is_versioned_and_used(world, new_user) -> None:
    admin, province = world["admin"], Unit.objects.get(code="370000")
    spec = {
        "sections": ["lines", "summary", "next_steps"],
        "indicators": ["non_arrest_rate", "non_prosecution_rate"],
        "titles": {"quarter": "全省检察业务数据季度分析"},
        "marking": "内部资料",
    }
    first = save_template(province=province, product="bulletin", spec=spec, actor=admin)
    second = save_template(province=province, product="bulletin", spec=spec, actor=admin)
    assert (first.version, second.version) == (1, 2)
    assert AuditEntry.objects.filter(model="reports.reporttemplate").count() == 2
    document = generate_document(
        product="bulletin", scope=province, period=PERIOD, fmt="docx", actor=admin
    )
    assert document.template_version == "370000-v2"
    word = docx.Document(io.BytesIO(read_document(document)))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["1. 刑事检察", "总体情况", "下一步工作"]
    assert "全省检察业务数据季度分析" in [p.text for p in word.paragraphs]
    assert word.paragraphs[0].text == "内部资料"
    names = {row.cells[0].text for t in word.tables for row in t.rows}
    assert "不捕率" in names
    assert "不诉率" in names
    assert "捕后不诉率" not in names
    city = new_user(Role.CITY_REVIEWER, "370100")
    with pytest.raises(ReportError):
        save_template(province=province, product="bulletin", spec=spec, actor=city)


def test_the_editor_page_saves_a_version_the_documents_use(world) -> None:
    from django.test import Client
    from django.utils import timezone

    from grassroots.reports.models import Document

    client = Client()
    client.force_login(world["admin"])
    listing = client.get("/reports/templates/")
    assert listing.status_code == 200
    assert "/reports/templates/annual/" in listing.content.decode()
    page = client.get("/reports/templates/monthly/")
    assert page.status_code == 200
    assert "sections:" in page.content.decode()  # the current template as YAML
    text = (
        "sections: [lines, summary]\n"
        "indicators: [non_arrest_rate]\n"
        "titles: {quarter: 全省检察业务季度简报}\n"
        "marking: 内部资料\n"
    )
    saved = client.post("/reports/templates/bulletin/", {"text": text})
    assert saved.status_code == 302
    stored = ReportTemplate.objects.get(product="bulletin")
    assert stored.version == 1
    assert stored.spec["sections"] == ["lines", "summary"]
    document = generate_document(
        product="bulletin",
        scope=Unit.objects.get(code="370000"),
        period=PERIOD,
        fmt="docx",
        actor=world["admin"],
    )
    word = docx.Document(io.BytesIO(read_document(document)))
    assert "全省检察业务季度简报" in [p.text for p in word.paragraphs]
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == [
        "1. 刑事检察",
        "总体情况",
    ]

    # An indicator the catalogue lacks: the page says which, and nothing is stored.
    bad = client.post("/reports/templates/bulletin/", {"text": "indicators: [no_such_rate]\n"})
    assert bad.status_code == 200
    assert "no_such_rate" in bad.content.decode()
    assert ReportTemplate.objects.count() == 1
    broken = client.post("/reports/templates/bulletin/", {"text": "sections: [lines\n"})
    assert broken.status_code == 200
    assert "YAML" in broken.content.decode()
    # A stored template naming an indicator the catalogue no longer has: no document is made.
    ReportTemplate.objects.create(
        province=Unit.objects.get(code="370000"),
        product="bulletin",
        version=2,
        spec={"indicators": ["retired_rate"]},
        created_at=timezone.now(),
    )
    before = Document.objects.count()
    with pytest.raises(ReportError, match="retired_rate"):
        generate_document(
            product="bulletin",
            scope=Unit.objects.get(code="370000"),
            period=PERIOD,
            fmt="pdf",
            actor=world["admin"],
        )
    assert Document.objects.count() == before


def test_only_the_province_administrator_edits_templates(world, member) -> None:
    client, _user = member(Role.CITY_REVIEWER, "370100")
    assert client.get("/reports/templates/").status_code == 404
    assert client.post("/reports/templates/bulletin/", {"text": "marking: x\n"}).status_code == 404
    assert ReportTemplate.objects.count() == 0
