"""Issue 18.6: the league table exported as a province sends it upward, read back with openpyxl:
a title block (title, scope, period, issuing unit), Chinese headers, unit and city names, one
decimal, colour word and fill, frozen headers, A4 landscape, and the page's filters applied; the
CSV holds the same columns and cannot start a formula."""

from __future__ import annotations

import csv
import io

import openpyxl
from django.urls import reverse

from grassroots.evaluation.models import EarlyWarning
from grassroots.organisations.models import AuditAction, AuditEntry, Role, Unit
from grassroots.organisations.services import update_unit

JINAN, QINGDAO = "370100", "370200"


def _export(client, run, **params):
    return client.get(reverse("evaluation:run", args=[run.pk]), params)


def _sheet(response):
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def _header_row(sheet) -> int:
    return next(r for r in range(1, 15) if sheet.cell(r, 1).value == "代码")


def test_the_league_and_warnings_exports(runs, member, settings) -> None:
    """One test, as the two runs it reads take most of its time."""
    admin, jinan = member(Role.PROVINCE_ADMIN, "370000"), member(Role.CITY_REVIEWER, JINAN)
    _league_excel(runs, admin)
    _league_csv(runs, admin)
    _warnings(runs, jinan)
    _out_of_scope(runs, jinan, member(Role.AUDITOR, "370000"))
    _analysis_mode(runs, admin, settings)  # last: it changes the ranking policy


def _league_excel(runs, admin) -> None:
    run = runs["2024Q4"]
    response = _export(admin, run, format="xlsx", city=JINAN)
    assert "attachment" in response["Content-Disposition"]
    sheet = _sheet(response)
    block = [sheet.cell(r, 1).value for r in range(1, 8)]
    assert block[0] == "2024年第四季度 评价结果表（核心业务评价）" or "评价结果表" in block[0]
    jinan, province = Unit.objects.get(code=JINAN), Unit.objects.get(code="370000")
    assert f"范围：{jinan.name_zh}" in block
    assert "期间：2024年第四季度" in block
    assert f"制表单位：{province.name_zh}" in block
    top = _header_row(sheet)
    header = [c.value for c in sheet[top]]
    assert header[:4] == ["代码", "单位", "所属市院", "得分"]
    assert "全省排名" in header
    assert "颜色" in header
    rows = [list(r) for r in sheet.iter_rows(min_row=top + 1)]
    shown = [r for r in run.results.filter(level="whole").exclude(unit_path="")
             .values_list("unit_code", flat=True) if r.startswith("3701")]  # fmt: skip
    assert sorted(r[0].value for r in rows) == sorted(shown)  # the city filter: Jinan only
    first = rows[0]
    unit = Unit.objects.get(code=first[0].value)
    assert first[1].value == unit.name_zh
    assert first[2].value == jinan.name_zh
    score = first[header.index("得分")]
    assert score.number_format == "0.0"
    assert score.value == round(score.value, 1)
    scores = [r[header.index("得分")].value for r in rows]
    assert scores == sorted(scores, reverse=True)  # the page's order: by score
    colour = next(r[header.index("颜色")] for r in rows if r[header.index("颜色")].value)
    word = {"● 绿": "C8E6C9", "▲ 黄": "FFF59D", "■ 红": "FFCDD2"}
    assert colour.value in word
    assert colour.fill.start_color.rgb.endswith(word[colour.value])
    assert sheet.freeze_panes == f"C{top + 1}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == f"${top}:${top}"
    assert sheet.column_dimensions["B"].width > 8
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1


def _league_csv(runs, admin) -> None:
    run = runs["2024Q4"]
    unit = Unit.objects.get(code="370102")
    update_unit(unit=unit, changes={"name_zh": "=HYPERLINK(1)"}, actor=None, reason="test")
    client = admin
    sheet = _sheet(_export(client, run, format="xlsx", colour="red"))
    top = _header_row(sheet)
    body = _export(client, run, format="csv", colour="red").content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [c.value for c in sheet[top]]
    colours = {r[rows[0].index("颜色")] for r in rows[1:]}
    assert colours == {"■ 红"}  # the colour filter, as a word
    assert len(rows) - 1 == sheet.max_row - top
    assert all(len(r[rows[0].index("得分")].split(".")[1]) == 1 for r in rows[1:])
    everything = list(csv.reader(io.StringIO(_export(client, run, format="csv").content
                                             .decode("utf-8-sig"))))  # fmt: skip
    named = next(r for r in everything if r[0] == "370102")
    assert named[1] == "'=HYPERLINK(1)"


def _analysis_mode(runs, admin, settings) -> None:
    settings.REPORTS_RANKING = "analysis"
    sheet = _sheet(_export(admin, runs["2024Q4"], format="xlsx",
                           sort="score"))  # fmt: skip
    top = _header_row(sheet)
    header = [c.value for c in sheet[top]]
    assert not [h for h in header if "排名" in h]
    codes = [r[0].value for r in sheet.iter_rows(min_row=top + 1)]
    assert codes == sorted(codes)


def _out_of_scope(runs, client, auditor) -> None:
    assert _export(client, runs["2024Q4"], format="xlsx", city=QINGDAO).status_code == 404
    assert _export(auditor, runs["2024Q4"], format="xlsx").status_code == 404


def _warnings(runs, client) -> None:
    run = runs["2024Q4"]
    units = {u.code: u for u in Unit.objects.filter(code__in=["370102", "370103", "370202"])}
    for code, kind in (("370103", "newly_red"), ("370102", "missing"), ("370202", "newly_red")):
        EarlyWarning.objects.create(
            run=run, scheme_code="core-business", unit_code=code, unit_path=units[code].path,
            node="core-business", kind=kind, first_period="2024Q4", last_period="2024Q4",
            evidence={"from": "yellow"} if kind == "newly_red" else {},
        )  # fmt: skip
    url = reverse("evaluation:warnings", args=[run.pk])
    sheet = _sheet(client.get(url, {"format": "xlsx", "kind": "newly_red"}))
    assert "预警" in sheet.cell(1, 1).value
    top = next(r for r in range(1, 15) if sheet.cell(r, 1).value == "类型")
    header = [c.value for c in sheet[top]]
    assert header[:4] == ["类型", "代码", "单位", "所属市院"]
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    # The kind filter and the city reviewer's scope: Qingdao's warning and the other kind stay out.
    assert [r[1] for r in rows] == ["370103"]
    assert rows[0][0] == "新变红"
    assert rows[0][2] == units["370103"].name_zh
    assert rows[0][3] == Unit.objects.get(code=JINAN).name_zh
