"""Issue 12.2: the monthly report, half-year analysis and annual report (their own sections and
titles), the unit profile, the weak-unit plan progress report and the exit-assessment record,
each for a scope and period; figures equal what is stored (python-docx, pdftotext, openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
import statistics
import subprocess
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from grassroots.assistance.models import ExitAssessment, ExitItem, ItemStatus, Measure
from grassroots.evaluation.models import Result
from grassroots.evaluation.runs import run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version
from grassroots.organisations.models import Level, Unit
from grassroots.reports.errors import ReportError
from grassroots.reports.models import Document
from grassroots.reports.services import generate_document, read_document

PERIOD = "2024Q4"
INDICATOR, NAME = "non_arrest_rate", "不捕率"


def docx_of(document: Document) -> Any:
    return docx.Document(io.BytesIO(read_document(document)))


def rows_of(word: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in word.tables for row in t.rows]


def headings(word: Any) -> list[str]:
    return [p.text for p in word.paragraphs if p.style.name == "Heading 1"]


def pdf_text(document: Document, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(read_document(document))
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _values(run: Any, code: str, node: str = INDICATOR) -> list[float]:
    scope = Unit.objects.get(code=code)
    grassroots = set(
        Unit.objects.filter(path__startswith=scope.path, level=Level.GRASSROOTS).values_list(
            "code", flat=True
        )
    )
    rows = Result.objects.filter(run=run, node=node, unit_path__startswith=scope.path)
    return [r.value for r in rows if r.unit_code in grassroots and r.value is not None]


@pytest.fixture
def more_runs(world, report_cases, published) -> dict[str, Any]:
    scheme = latest_scheme_version("core-business")
    return {
        p: published(
            run_evaluation(
                scheme_version=scheme, period=p, source=report_cases, actor=None, sensitivity=20
            )
        )
        for p in ("2024-12", "2024")
    }


def test_monthly_and_annual_reports_have_their_own_sections_and_titles(
    world, more_runs, tmp_path
) -> None:
    admin, province = world["admin"], Unit.objects.get(code="370000")
    monthly = generate_document(
        product="monthly", scope=province, period="2024-12", fmt="docx", actor=admin
    )
    word = docx_of(monthly)
    assert "月度检察业务数据报告" in [p.text for p in word.paragraphs]
    assert headings(word)[0] == "总体情况"
    assert "各院分布情况" not in headings(word)  # the monthly report has no distribution
    median = statistics.median(_values(more_runs["2024-12"], "370000"))
    assert any(r[0] == NAME and r[2] == f"{median:.2f}" for r in rows_of(word))
    assert monthly.runs["run"] == more_runs["2024-12"].pk

    annual = generate_document(
        product="annual", scope=province, period="2024", fmt="pdf", actor=admin
    )
    text = pdf_text(annual, tmp_path)
    assert "年度检察业务数据分析研判报告" in text
    median = statistics.median(_values(more_runs["2024"], "370000"))
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(NAME) and "%" in ln)
    assert line.split()[2] == f"{median:.2f}"
    assert "趋势" in text  # the annual report has the trend and the heat map
    assert "各院各指标颜色" in text

    with pytest.raises(ReportError, match="2024-12"):
        generate_document(product="monthly", scope=province, period=PERIOD, fmt="pdf", actor=admin)
    with pytest.raises(ReportError, match="2024Q2"):
        generate_document(
            product="half_year", scope=province, period="2024Q2-YTD", fmt="pdf", actor=admin
        )
    assert Document.objects.count() == 2


def test_the_unit_profile_shows_the_units_values_beside_its_peers(world, tmp_path) -> None:
    runs, admin = world["runs"], world["admin"]
    unit = Unit.objects.get(code="370103")
    own = Result.objects.get(run=runs[PERIOD], node=INDICATOR, unit_code="370103").value
    city = statistics.median(_values(runs[PERIOD], "370100"))
    province = statistics.median(_values(runs[PERIOD], "370000"))
    excel = generate_document(
        product="unit_profile", scope=unit, period=PERIOD, fmt="xlsx", actor=admin
    )
    book = openpyxl.load_workbook(io.BytesIO(read_document(excel)))
    row = next(r for r in book["本院数值"].iter_rows(values_only=True) if r[0] == NAME)
    assert row[2] == pytest.approx(round(own, 2))
    assert row[4] == pytest.approx(round(city, 2))
    assert row[5] == pytest.approx(round(province, 2))
    trend = next(r for r in book["趋势"].iter_rows(values_only=True) if r[0] == NAME)
    before = Result.objects.get(run=runs["2024Q3"], node=INDICATOR, unit_code="370103").value
    assert trend[-1] == pytest.approx(round(own, 2))
    assert trend[-2] == pytest.approx(round(before, 2))
    pdf = generate_document(
        product="unit_profile", scope=unit, period=PERIOD, fmt="pdf", actor=admin
    )
    text = pdf_text(pdf, tmp_path)
    assert f"{unit.name_zh}检察业务画像报告" in text.replace(" ", "")
    with pytest.raises(ReportError, match="grassroots|基层"):
        generate_document(
            product="unit_profile",
            scope=Unit.objects.get(code="370100"),
            period=PERIOD,
            fmt="pdf",
            actor=admin,
        )


def test_the_plan_progress_report_counts_due_done_and_overdue(world, tmp_path) -> None:
    admin, weak = world["admin"], world["weak"]
    first = weak.measures.get(title="专项评查")
    Measure.objects.filter(pk=first.pk).update(status="done", done_on=dt.date(2024, 9, 20))
    province = Unit.objects.get(code="370000")
    word = docx_of(
        generate_document(
            product="plan_progress", scope=province, period=PERIOD, fmt="docx", actor=admin
        )
    )
    rows = rows_of(word)
    # By 2024-12-31: two measures, one due (and done), none overdue; the other runs to 2025-03.
    assert ["济南市历下区人民检察院", "2024-07-08", "2", "1", "1", "0", "0"] in rows
    states = {r[1]: r[5] for r in rows if len(r) == 7 and r[1] in ("专项评查", "羁押必要性审查")}
    assert states == {"专项评查": "已完成", "羁押必要性审查": "未到期"}
    text = "\n".join(p.text for p in word.paragraphs)
    assert "整改措施2项，已到期1项，已完成1项，逾期0项" in text
    pdf = generate_document(
        product="plan_progress", scope=province, period="2025Q2", fmt="pdf", actor=admin
    )
    # By 2025-06-30 the second measure is overdue.
    line = next(ln for ln in pdf_text(pdf, tmp_path).splitlines() if "羁押必要性审查" in ln)
    assert "已逾期" in line


def test_the_exit_record_lists_every_item_as_decided(world, tmp_path) -> None:
    admin, weak = world["admin"], world["weak"]
    unit = weak.unit
    assessment = ExitAssessment.objects.create(
        designation=weak,
        periods=["2024Q3", "2024Q4"],
        recommended_on=dt.date(2025, 1, 10),
        recommended_by="济南市院 李四",
    )
    items = [
        ("Q1", "quant", True, ItemStatus.MET, "不捕率连续两期在绿区"),
        ("Q2", "quant", True, ItemStatus.NOT_MET, "案-件比仍为红"),
        ("S1", "qual", False, ItemStatus.MET, "整改措施全部完成"),
        ("Q3", "quant", True, ItemStatus.MET, ""),
    ]
    # the engine's reason of Q3, in English with a position in the peer group (a rank)
    position = (
        "core-business peer_position lt 0.6667 [all of 2024Q3, 2024Q4]; 2024Q3: 0.5, 2024Q4: 0.4"
    )
    for code, heading, quantitative, status, evidence in items:
        ExitItem.objects.create(
            assessment=assessment,
            code=code,
            heading=heading,
            quantitative=quantitative,
            status=status,
            evidence=evidence,
            reason=position if code == "Q3" else "",
        )
    excel = generate_document(
        product="exit_record", scope=unit, period=PERIOD, fmt="xlsx", actor=admin
    )
    book = openpyxl.load_workbook(io.BytesIO(read_document(excel)))
    found = [(r[0], r[4], r[5]) for r in book["评价事项"].iter_rows(min_row=2, values_only=True)]
    assert found == [
        ("Q1", "达到", "不捕率连续两期在绿区"),
        ("Q2", "未达到", "案-件比仍为红"),
        ("S1", "达到", "整改措施全部完成"),
        ("Q3", "达到", found[3][2]),
    ]
    # in Chinese, and the province's analysis mode leaves the positions out of the record
    assert found[3][2].startswith("综合评价 同组位次"), found[3][2]
    assert "0.5" not in found[3][2]
    assert "0.4" not in found[3][2]
    assert found[3][2].endswith("不显示所处位次")
    assert excel.runs == {"exit_assessment": assessment.pk}
    text = pdf_text(
        generate_document(product="exit_record", scope=unit, period=PERIOD, fmt="pdf", actor=admin),
        tmp_path,
    )
    assert "Q2" in text
    assert "未达到" in text
    with pytest.raises(ReportError):
        generate_document(
            product="exit_record",
            scope=Unit.objects.get(code="370103"),
            period=PERIOD,
            fmt="pdf",
            actor=admin,
        )


def test_the_warnings_section_is_a_summary_and_the_excel_has_every_row(world) -> None:
    from collections import Counter

    from grassroots.evaluation.models import EarlyWarning
    from grassroots.evaluation.warnings import record_warnings

    run, admin = world["runs"][PERIOD], world["admin"]
    record_warnings(run=run)
    stored = list(EarlyWarning.objects.filter(run=run).exclude(kind="rank_drop"))
    assert len(stored) > 5
    units = {u.code: u for u in Unit.objects.filter(level=Level.GRASSROOTS)}
    province = Unit.objects.get(code="370000")
    word = docx_of(
        generate_document(
            product="bulletin", scope=province, period=PERIOD, fmt="docx", actor=admin
        )
    )
    rows = rows_of(word)
    total = next(r for r in rows if r[0] == "合计")
    assert int(total[-1]) == len(stored)
    jinan = Counter(w.kind for w in stored if units[w.unit_code].parent.code == "370100")
    city_row = next(r for r in rows if r[0] == "济南市人民检察院" and r[-1].isdigit())
    assert int(city_row[-1]) == sum(jinan.values())
    per_unit = Counter(w.unit_code for w in stored)
    most = max(per_unit.values())
    top = [r for r in rows if len(r) == 4 and r[0] in {u.name_zh for u in units.values()}]
    assert 0 < len(top) <= 5
    assert int(top[0][2]) == most
    # The page editions do not list every warning; the Excel edition does.
    kinds = {"新变红", "连续多期红色", "数据缺失", "可疑模式"}
    assert not [r for r in rows if len(r) == 6 and r[3] in kinds]
    excel = generate_document(
        product="bulletin", scope=province, period=PERIOD, fmt="xlsx", actor=admin
    )
    book = openpyxl.load_workbook(io.BytesIO(read_document(excel)))
    assert len(list(book["预警明细"].iter_rows(min_row=2))) == len(stored)
