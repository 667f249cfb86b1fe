"""Issue 12.4: in the PDF no section heading, table caption or text before a table is left at the
foot of a page with its table on the next (WeasyPrint: break-after: avoid on the heading, the
section's text before its first table and the caption). Made-up content, no database: sections of
varying length, so headings fall at every height of a page."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from grassroots.reports.content import Cell, Content, Header, Section, Table
from grassroots.reports.render import pdf


def _content(seed: int) -> Content:
    rnd = random.Random(seed)
    sections = []
    for i in range(14):
        text = ["这是一段说明文字。" * rnd.randint(3, 30) for _ in range(rnd.randint(0, 2))]
        tables = []
        for k in range(rnd.randint(1, 2)):
            table = Table(title=f"表{i}-{k}", sheet="表", headers=["单位", "数值", "颜色"])
            for _row in range(rnd.randint(2, 25)):
                table.rows.append(
                    [
                        Cell("某某县人民检察院"),
                        Cell("12.3", number=12.3),
                        Cell("● 绿", colour="green"),
                    ]
                )
            tables.append(table)
        sections.append(
            Section(key="s", title=f"{i + 1}. 第{i + 1}部分", paragraphs=text, tables=tables)
        )
    header = Header(
        issuer="山东省人民检察院",
        title="检察业务数据通报",
        number="第1期",
        issued_on=dt.date(2025, 1, 5),
        marking="内部资料 注意保存",
    )
    return Content(header=header, sections=sections, stamp=dt.datetime(2025, 1, 5, tzinfo=dt.UTC))


def _body_rows(box: Any) -> int:
    rows = 0
    for child in getattr(box, "children", None) or []:
        if type(child).__name__ == "TableRowGroupBox":
            rows += 0 if child.is_header else len(child.children)
        else:
            rows += _body_rows(child)
    return rows


def stranded(content: Content) -> list[tuple[int, str]]:
    """(page, what) for each page whose last block is a heading, a caption, a whole paragraph
    before a table, or a table with no row (its header alone)."""
    from weasyprint import CSS, HTML

    style = CSS(string=pdf.CSS % {"marking": ""})
    pages = HTML(string=pdf.html_of(content)).render(stylesheets=[style]).pages
    bodies = [page._page_box.children[0].children[0] for page in pages]
    found = []
    for number, (body, following) in enumerate(zip(bodies, bodies[1:], strict=False), start=1):
        last = body.children[-1]
        element = getattr(last, "element", None)
        if following.children and getattr(following.children[0], "element", None) is element:
            continue  # it goes on over the page
        what = getattr(last, "element_tag", "") or ""
        if element is not None and element.get("class") in ("caption", "intro"):
            what = element.get("class")
        if what in ("h2", "caption", "intro") or (what == "table" and not _body_rows(last)):
            found.append((number, what))
    return found


@pytest.mark.parametrize("seed", [0, 3])
def test_no_heading_caption_or_lead_text_is_left_at_a_page_foot(seed: int) -> None:
    assert stranded(_content(seed)) == []
