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
