"""Issue 12.1-2: stored, immutable documents whose figures are the published run's stored values,
read back from the .docx (python-docx), the PDF (pdftotext) and the .xlsx (openpyxl)."""

from __future__ import annotations

import hashlib
import io
import stat
import statistics
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from grassroots.evaluation.models import EarlyWarning, Result
from grassroots.organisations.models import AuditEntry, Level, Unit
from grassroots.reports.errors import ReportError
from grassroots.reports.models import Document, DocumentImmutableError, Narrative
from grassroots.reports.services import generate_document, read_document, save_narrative

PERIOD = "2024Q4"
INDICATOR, NAME = "non_arrest_rate", "不捕率"


def _stored(run: Any, code: str, node: str = INDICATOR) -> list[Result]:
    scope = Unit.objects.get(code=code)
    grassroots = set(
        Unit.objects.filter(path__startswith=scope.path, level=Level.GRASSROOTS).values_list(
            "code", flat=True
        )
    )
    rows = Result.objects.filter(run=run, node=node, unit_path__startswith=scope.path)
    return [r for r in rows if r.unit_code in grassroots]


def _median(run: Any, code: str) -> float:
    return statistics.median(r.value for r in _stored(run, code) if r.value is not None)


def docx_rows(data: bytes) -> list[list[str]]:
    document = docx.Document(io.BytesIO(data))
    return [[c.text for c in row.cells] for t in document.tables for row in t.rows]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_bulletin_holds_the_published_runs_figures_in_every_format(world, tmp_path) -> None:
    runs, admin = world["runs"], world["admin"]
    province = Unit.objects.get(code="370000")
    now, before, year_ago = (_median(runs[p], "370000") for p in ("2024Q4", "2024Q3", "2023Q4"))
    expected = [NAME, "%", f"{now:.2f}", f"{before:.2f}", f"{round(now - before, 2):+.2f}"]
    expected += [f"{year_ago:.2f}", f"{round(now - year_ago, 2):+.2f}"]
    colours = Counter((r.colour or "grey") for r in _stored(runs[PERIOD], "370000"))

    word = generate_document(
        product="bulletin", scope=province, period=PERIOD, fmt="docx", actor=admin
    )
    rows = docx_rows(read_document(word))
    assert expected in rows
    distribution = next(r for r in rows if r[0] == NAME and len(r) == 8)
    assert distribution[1:5] == [str(colours[c]) for c in ("green", "yellow", "red", "grey")]

    pdf = generate_document(
        product="bulletin", scope=province, period=PERIOD, fmt="pdf", actor=admin
    )
    text = pdf_text(read_document(pdf), tmp_path)
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(NAME) and "%" in ln)
    assert line.split() == expected
    assert "内部资料 注意保存" in text
    assert "第1页共" in text.replace(" ", "")
    fonts = subprocess.run(
        ["pdffonts", str(pdf.path)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [ln for ln in fonts.splitlines() if "CJK" in ln]
    assert cjk
    assert all(" yes " in ln for ln in cjk)

    excel = generate_document(
        product="bulletin", scope=province, period=PERIOD, fmt="xlsx", actor=admin
    )
    book = openpyxl.load_workbook(io.BytesIO(read_document(excel)))
    sheet = book["刑事检察"]
    assert sheet.freeze_panes in ("A2", "B2")
    found = next(r for r in sheet.iter_rows(values_only=True) if r[0] == NAME)
    assert found[2] == pytest.approx(round(now, 2))
    assert found[3] == pytest.approx(round(before, 2))
    assert found[5] == pytest.approx(round(year_ago, 2))
    # Unit names, and every colour with its word beside it.
    units = book["各院-刑事检察"]
    header = [c.value for c in units[1]]
    assert header[:2] == ["单位", "市院"]
    names = {r[0] for r in units.iter_rows(min_row=2, values_only=True)}
    assert Unit.objects.get(code="370102").name_zh in names
    words = {v for r in units.iter_rows(min_row=2, values_only=True) for v in r[3::2]}
    assert words <= {"● 绿", "▲ 黄", "■ 红", "○ 灰"}

    for document in (word, pdf, excel):
        data = document.path.read_bytes()
        assert document.sha256 == hashlib.sha256(data).hexdigest()
        assert stat.S_IMODE(document.path.stat().st_mode) == 0o600
        assert document.runs == {
            "run": runs["2024Q4"].pk,
            "previous": runs["2024Q3"].pk,
            "last_year": runs["2023Q4"].pk,
        }
        assert document.data_versions[str(runs[PERIOD].pk)] == runs[PERIOD].data_versions
        assert document.template_version == "builtin-1"
        assert document.generated_by == admin
        assert AuditEntry.objects.filter(
            model="reports.document", object_id=str(document.pk)
        ).exists()
    assert pdf.pages
    assert pdf.pages > 2


def test_a_unit_bulletin_shows_the_units_own_value(world) -> None:
    runs, admin = world["runs"], world["admin"]
    unit = Unit.objects.get(code="370103")
    value = _stored(runs[PERIOD], "370103")[0].value
    before = _stored(runs["2024Q3"], "370103")[0].value
    document = generate_document(
        product="bulletin", scope=unit, period=PERIOD, fmt="docx", actor=admin
    )
    row = next(r for r in docx_rows(read_document(document)) if r[0] == NAME and len(r) == 7)
    assert row[2] == ("—" if value is None else f"{value:.2f}")
    assert row[3] == ("—" if before is None else f"{before:.2f}")


def test_regenerating_gives_the_same_bytes_and_keeps_the_offices_text(world) -> None:
    admin = world["admin"]
    province = Unit.objects.get(code="370000")
    save_narrative(
        product="bulletin",
        scope=province,
        period=PERIOD,
        section="consultation",
        text="会商认为：刑事检察总体平稳。\n建议各院关注不捕率偏低的问题。",
        actor=admin,
    )
    for fmt in ("docx", "pdf", "xlsx"):
        first = generate_document(
            product="bulletin", scope=province, period=PERIOD, fmt=fmt, actor=admin
        )
        second = generate_document(
            product="bulletin", scope=province, period=PERIOD, fmt=fmt, actor=admin
        )
        assert first.pk != second.pk
        assert first.sha256 == second.sha256, fmt
        assert first.path.read_bytes() == second.path.read_bytes()
    text = "\n".join(
        p.text
        for p in docx.Document(
            io.BytesIO(
                read_document(
                    first if fmt == "docx" else Document.objects.filter(format="docx").first()
                )
            )
        ).paragraphs
    )
    assert "会商认为：刑事检察总体平稳。" in text
    assert Narrative.objects.count() == 1
    with pytest.raises(DocumentImmutableError):
        first.delete()
    first.number = "x"
    with pytest.raises(DocumentImmutableError):
        first.save()


def test_warnings_and_weak_units_come_from_the_other_apps(world) -> None:
    admin, run = world["admin"], world["runs"][PERIOD]
    province = Unit.objects.get(code="370000")
    document = generate_document(
        product="bulletin", scope=province, period=PERIOD, fmt="xlsx", actor=admin
    )
    book = openpyxl.load_workbook(io.BytesIO(read_document(document)))
    warnings = list(book["预警明细"].iter_rows(min_row=2, values_only=True))
    stored = EarlyWarning.objects.filter(run=run).exclude(kind="rank_drop")
    assert len(warnings) == stored.count()
    plans = list(book["帮扶整改"].iter_rows(min_row=2, values_only=True))
    # 370102: two measures, one due by the quarter's end and overdue, none done.
    assert plans == [("济南市历下区人民检察院", "2024-07-08", 2, 1, 0, 1, 0)]
    quality = list(book["数据质量"].iter_rows(min_row=2, values_only=True))
    assert sum(r[1] for r in quality) == Unit.objects.filter(level=Level.GRASSROOTS).count()


def test_a_period_without_a_published_run_stores_nothing(world) -> None:
    province = Unit.objects.get(code="370000")
    with pytest.raises(ReportError, match="2024Q2"):
        generate_document(
            product="bulletin", scope=province, period="2024Q2", fmt="pdf", actor=world["admin"]
        )
    assert Document.objects.count() == 0
