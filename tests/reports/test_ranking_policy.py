"""Issue 12.3: the ranking policy is the province's setting, audited. In analysis mode (the
default) no document in any format shows a rank, a league table or a 通报值; in ranking mode the
bulletin has the league table with rank intervals."""

from __future__ import annotations

import io
import re
import subprocess

import docx
import openpyxl
import pytest

from grassroots.evaluation.models import Result
from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.reports.errors import ReportError
from grassroots.reports.models import RankingMode
from grassroots.reports.selectors import policy_for
from grassroots.reports.services import generate_document, read_document, set_policy

PERIOD = "2024Q4"

RANK_WORDS = re.compile(r"排名|名次|排序|通报值|排行|league|rank", re.IGNORECASE)


def _all_text(document, tmp_path) -> str:
    data = read_document(document)
    if document.format == "docx":
        d = docx.Document(io.BytesIO(data))
        cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in d.paragraphs] + cells)
    if document.format == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        values = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row]
        return "\n".join(book.sheetnames + values)
    path = tmp_path / "d.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout


def test_no_document_shows_ranks_in_analysis_mode(world, tmp_path) -> None:
    admin = world["admin"]
    assert policy_for(Unit.objects.get(code="370000")).ranking == RankingMode.ANALYSIS
    for code in ("370000", "370100", "370102"):
        for fmt in ("docx", "pdf", "xlsx"):
            document = generate_document(
                product="bulletin",
                scope=Unit.objects.get(code=code),
                period=PERIOD,
                fmt=fmt,
                actor=admin,
            )
            assert document.ranking == RankingMode.ANALYSIS
            text = _all_text(document, tmp_path)
            assert "刑事检察" in text  # the search reads the document's text
            assert RANK_WORDS.findall(text) == [], (code, fmt)


def test_ranking_mode_adds_the_league_table_with_rank_intervals(world, tmp_path, new_user) -> None:
    admin = world["admin"]
    province = Unit.objects.get(code="370000")
    set_policy(
        province=province,
        ranking="ranking",
        marking="内部资料",
        issuer="山东省人民检察院案件管理办公室",
        actor=admin,
    )
    entry = AuditEntry.objects.get(model="reports.reportpolicy")
    assert entry.after["ranking"] == "ranking"
    assert entry.actor == admin
    document = generate_document(
        product="bulletin", scope=province, period=PERIOD, fmt="xlsx", actor=admin
    )
    assert document.ranking == RankingMode.RANKING
    book = openpyxl.load_workbook(io.BytesIO(read_document(document)))
    sheet = book["排名"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    best = Result.objects.get(run=world["runs"][PERIOD], node="core-business", rank_all=1)
    first = rows[0]
    assert first[0] == 1
    assert first[2] == Unit.objects.get(code=best.unit_code).name_zh
    assert first[1] == f"{best.rank_q05:.0f}–{best.rank_q95:.0f}"
    assert book["封面"]["B1"].value == "内部资料"
    # A leader of the province does not see ranks (the scheme's visibility): no league table.
    leader = new_user(Role.LEADER, "370000")
    plain = generate_document(
        product="bulletin", scope=province, period=PERIOD, fmt="docx", actor=leader
    )
    assert plain.ranking == RankingMode.ANALYSIS
    assert RANK_WORDS.findall(_all_text(plain, tmp_path)) == []


def test_only_the_province_administrator_sets_the_policy(province, make_member, settings) -> None:
    settings.REPORTS_RANKING = "analysis"  # the production default (settings_test says ranking)
    city = make_member(Role.CITY_REVIEWER, "370100")
    with pytest.raises(ReportError):
        set_policy(
            province=province["370000"], ranking="ranking", marking="", issuer="", actor=city
        )
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    with pytest.raises(ReportError):
        set_policy(
            province=province["370000"], ranking="scores", marking="", issuer="", actor=admin
        )
    assert policy_for(province["370102"]).ranking == RankingMode.ANALYSIS


def test_no_other_product_shows_ranks_in_analysis_mode(world, tmp_path) -> None:
    admin = world["admin"]
    for product, code in (("unit_profile", "370102"), ("plan_progress", "370000")):
        for fmt in ("docx", "pdf", "xlsx"):
            document = generate_document(
                product=product, scope=Unit.objects.get(code=code), period=PERIOD, fmt=fmt,
                actor=admin,
            )  # fmt: skip
            text = _all_text(document, tmp_path)
            assert "济南市历下区人民检察院" in text
            assert RANK_WORDS.findall(text) == [], (product, fmt)


def test_the_unit_profile_has_the_rank_and_its_interval_in_ranking_mode(world) -> None:
    admin = world["admin"]
    set_policy(
        province=Unit.objects.get(code="370000"),
        ranking="ranking",
        marking="",
        issuer="",
        actor=admin,
    )
    document = generate_document(
        product="unit_profile",
        scope=Unit.objects.get(code="370102"),
        period=PERIOD,
        fmt="xlsx",
        actor=admin,
    )
    stored = Result.objects.get(
        run=world["runs"][PERIOD], node="non_arrest_rate", unit_code="370102"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(read_document(document)))["本院数值"]
    header = [c.value for c in sheet[1]]
    assert header[-2:] == ["全省排名", "排名区间（5%–95%）"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "不捕率")
    assert stored.rank_all is not None
    assert row[-2] == stored.rank_all
    interval = (
        f"{stored.rank_q05:.0f}–{stored.rank_q95:.0f}" if stored.rank_q05 is not None else "—"
    )
    assert row[-1] == interval
