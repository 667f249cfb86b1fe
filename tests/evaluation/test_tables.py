"""Issue 18.5: the league, heatmap and warnings tables on a dashboard standard: sort headers
that reverse with aria-sort, rank and score changes in their own cells (持平 for none), a
colour legend linking to the rule, the heatmap's table in values with units, warnings
filtered by city, unit, indicator and kind with counts, and a print stylesheet."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape
from pathlib import Path

import openpyxl
from django.contrib.staticfiles import finders
from django.urls import reverse

from grassroots.assistance.models import Designation
from grassroots.assistance.selectors import wall_chart_option
from grassroots.evaluation.charts import value_units
from grassroots.evaluation.models import Result
from grassroots.evaluation.schemes import scheme_of
from grassroots.evaluation.selectors import Row
from grassroots.evaluation.templatetags.league_rows import _rank_change, _score_change
from grassroots.evaluation.warnings import record_warnings
from grassroots.organisations.models import Role, Unit

ADMIN = (Role.PROVINCE_ADMIN, "370000")


def _th(html: str, label: str) -> str:
    """The header cell whose text starts with ``label``."""
    for cell in re.findall(r"<th\b[^>]*>.*?</th>", html, re.S):
        if re.sub(r"<[^>]+>", "", cell).strip().startswith(label):
            return cell
    raise AssertionError(f"no header {label!r}")


def _scores(html: str) -> list[float]:
    body = html.split('<table id="league"', 1)[1].split("</table>", 1)[0]
    return [
        float(s) for s in re.findall(r'<td class="num">(-?\d+\.\d)</td>', body.split("<tbody>")[1])
    ]


def test_league_sort_reverses_with_aria_sort_and_changes_sit_in_their_own_cells(
    runs, member
) -> None:
    client = member(*ADMIN)
    url = reverse("evaluation:run", args=[runs["2024Q4"].pk])
    html = client.get(url, {"sort": "score", "order": "desc"}).content.decode()
    score = _th(html, "得分")
    assert 'aria-sort="descending"' in score
    assert "▼" in score
    assert "aria-sort" not in _th(html, "代码")  # one sorted column at a time
    # The sorted column's link reverses it; followed, the header says ascending.
    href = unescape(re.search(r'href="([^"]+)"', score).group(1))
    assert "order=asc" in href
    again = client.get(url + href).content.decode()
    assert 'aria-sort="ascending"' in _th(again, "得分")
    assert _scores(again) == sorted(_scores(again))
    assert _scores(html) == sorted(_scores(html), reverse=True)
    # Rank change and score change are two columns, each a cell of its own in every row.
    headers = re.sub(r"<[^>]+>", "|", html.split("<thead>")[1].split("</thead>")[0])
    assert "名次变化" in headers
    assert "得分变化" in headers
    # A colour legend on one line, linking to the scheme's rule further down the page.
    legend = re.search(r'<p class="legend" id="colour-legend">(.*?)</p>', html, re.S).group(1)
    assert all(word in legend for word in ("绿", "黄", "红"))
    assert 'href="#colour-rule"' in legend
    rule = re.search(r'<dd id="colour-rule">(.*?)</dd>', html, re.S).group(1)
    assert "绿色" in rule


def test_no_change_reads_unchanged_and_an_unknown_one_a_dash(runs) -> None:
    row = Row("370102", "历下", "370100", "济南", 70.0, 1, 2, "green", None, None, 0.04, 0)
    places = ("CODE 位", "CODE 位")
    assert "持平" in _rank_change(row, places, "持平")
    assert "持平" in _score_change(row, "持平")  # +0.04 rounds to 0.0
    moved = Row("370103", "市中", "370100", "济南", 70.0, 1, 2, "red", None, None, -1.26, -3)
    assert _rank_change(moved, places, "持平").endswith("↓</span> 3 位</td>")
    assert ">-1.3</td>" in _score_change(moved, "持平")
    unknown = Row("370104", "槐荫", "370100", "济南", 70.0, 1, 2, "red", None, None, None, None)
    assert "持平" not in _rank_change(unknown, places, "持平") + _score_change(unknown, "持平")


def test_the_heatmap_table_shows_values_with_units_not_scores(runs, member) -> None:
    run = runs["2024Q4"]
    html = member(*ADMIN).get(reverse("evaluation:heatmap", args=[run.pk])).content.decode()
    table = html.split('id="heat-table"', 1)[1].split("</table>", 1)[0]
    units = value_units(scheme_of(run.scheme_version))
    percent = next(c for c, u in units.items() if u == "%")
    node = next(n.code for n, _ in scheme_of(run.scheme_version).nodes() if n.indicator == percent)
    result = Result.objects.filter(run=run, node=node, value__isnull=False, score__gt=0).first()
    name = Unit.objects.get(code=result.unit_code).name_zh
    row = table.split(f">{name}</a></th>", 1)[1].split("</tr>", 1)[0]
    assert f"{result.value:.1f}%" in row
    assert "（%）" in table.split("</thead>")[0]  # the unit in the column's header


def test_the_heatmap_table_exports_values_with_units_for_the_city_chosen(runs, member) -> None:
    """Issue 18.6: the heatmap's table as Excel, its city filter applied, values with units."""
    run = runs["2024Q4"]
    url = reverse("evaluation:heatmap", args=[run.pk])
    response = member(*ADMIN).get(url, {"city": "370100", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value == "热力图，2024年第四季度"
    assert any("济南市人民检察院" in str(c.value) for c in sheet["A"][:4])  # the scope
    top = next(r for r in range(1, 14) if sheet.cell(r, 1).value == "代码")
    headers = [c.value for c in sheet[top]]
    assert headers[:3] == ["代码", "单位", "所属市院"]
    assert any("（%）" in h for h in headers)
    rows = list(sheet.iter_rows(min_row=top + 1, values_only=True))
    assert rows
    assert {r[2] for r in rows} == {"济南市人民检察院"}
    assert any(str(v).endswith("%") for r in rows for v in r[3:])
    qingdao = member(Role.CITY_REVIEWER, "370200").get(url, {"city": "370100", "format": "csv"})
    assert qingdao.status_code == 404


def test_warnings_filter_by_city_unit_indicator_and_kind_with_counts(runs, member) -> None:
    record_warnings(run=runs["2024Q3"])
    record_warnings(run=runs["2024Q4"])
    client = member(*ADMIN)
    url = reverse("evaluation:warnings", args=[runs["2024Q4"].pk])
    html = client.get(url).content.decode()
    total = int(re.search(r"(\d+) 条预警", html).group(1))
    assert total > 5

    def rows(page: str) -> int:
        return len(re.findall(r"<tr>\s*<td><a href", page))

    def options(page: str, name: str) -> list[tuple[str, int]]:
        select = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        found = re.findall(r'<option value="([^"]+)"[^>]*>[^<]*\((\d+)\)</option>', select)
        return [(value, int(n)) for value, n in found]

    for facet in ("city", "unit", "node", "kind"):
        assert options(html, facet), facet
    city, count = max(options(html, "city"), key=lambda o: o[1])
    narrowed = client.get(url, {"city": city}).content.decode()
    codes = re.findall(r"<td><a href=\"[^\"]+\">(\d{6}) ", narrowed)
    assert len(codes) == min(count, 100)
    assert count < total
    assert all(Unit.objects.get(code=c).parent.code == city for c in codes)
    # Within the city, each other filter's counts add up to what the page shows.
    for facet in ("unit", "node"):
        assert sum(n for _, n in options(narrowed, facet)) == count
    for facet in ("kind", "node", "unit"):
        value, expected = max(options(narrowed, facet), key=lambda o: o[1])
        page = client.get(url, {"city": city, facet: value}).content.decode()
        assert rows(page) == min(expected, 100) < count, facet


def test_the_print_stylesheet_hides_controls_on_a4_landscape() -> None:
    css = Path(finders.find("grassroots/css/site.css")).read_text(encoding="utf-8")
    printed = css.split("@media print {", 1)[1]
    assert re.search(r"@page\s*{\s*size:\s*A4 landscape", printed)
    hidden = printed.split("{ display: none !important; }", 1)[0]
    for selector in (".filters", ".league-filters", "button", ".button", ".site-header", "form"):
        assert re.search(rf"(^|[\s,]){re.escape(selector)}(,|\s|$)", hidden), selector
    assert ".print-meta { display: block" in printed


def test_the_wall_chart_cuts_long_labels_short_instead_of_clipping_unit_names(db) -> None:
    option = wall_chart_option(Designation.objects.none(), today=dt.date(2024, 12, 31))
    label = option["yAxis"]["axisLabel"]
    assert label["overflow"] == "truncate"
    assert label["width"] < option["grid"]["left"]  # the whole label fits left of the bars


def test_the_league_heatmap_and_warnings_pages_name_the_period_and_the_scheme(runs, member) -> None:
    run = runs["2024Q4"]
    client = member(*ADMIN)
    version = run.scheme_version
    title = version.title_zh or version.code
    league = client.get(reverse("evaluation:run", args=[run.pk])).content.decode()
    assert "<h1>评价结果表，2024年第四季度</h1>" in league
    assert f"{title}（第 {version.version} 版）" in league
    for name in ("evaluation:heatmap", "evaluation:warnings"):
        page = client.get(reverse(name, args=[run.pk])).content.decode()
        heading = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
        assert heading.endswith("2024年第四季度"), heading
