"""Word (.docx): editable, every look from a named style (no direct formatting), Chinese fonts
set for East Asian text (w:eastAsia) and the document language zh-CN."""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

from docx import Document as new_document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from grassroots.reports.content import Content, Table
from grassroots.reports.render.zipfix import fixed_zip

FONT = "Noto Sans CJK SC"
COLOUR_STYLES = {
    "green": ("颜色-绿", RGBColor(0x2E, 0x7D, 0x32)),
    "yellow": ("颜色-黄", RGBColor(0x9A, 0x6B, 0x00)),
    "red": ("颜色-红", RGBColor(0xC0, 0x39, 0x2B)),
    "grey": ("颜色-灰", RGBColor(0x61, 0x61, 0x61)),
}


def _east_asian(style: Any, size: float | None = None, bold: bool | None = None) -> None:
    style.font.name = FONT
    if size is not None:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _paragraph_style(doc: Any, name: str, base: str, **kw: Any) -> Any:
    styles = doc.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    if name != base:
        style.base_style = styles[base]
    _east_asian(style, kw.get("size"), kw.get("bold"))
    if "align" in kw:
        style.paragraph_format.alignment = kw["align"]
    if "colour" in kw:
        style.font.color.rgb = kw["colour"]
    return style


def _styles(doc: Any) -> None:
    _paragraph_style(doc, "Normal", "Normal", size=11)
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 13)):
        _paragraph_style(doc, name, name, size=size, bold=True)
        doc.styles[name].font.color.rgb = RGBColor(0, 0, 0)
    _paragraph_style(doc, "密级标识", "Normal", size=12, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph_style(
        doc,
        "发文机关",
        "Normal",
        size=22,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        colour=RGBColor(0xC0, 0x00, 0x00),
    )
    _paragraph_style(doc, "文号", "Normal", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph_style(doc, "表题", "Normal", size=11, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph_style(doc, "表格文字", "Normal", size=9)
    _paragraph_style(doc, "表头文字", "表格文字", size=9, bold=True)
    _paragraph_style(doc, "页脚", "Normal", size=9, align=WD_ALIGN_PARAGRAPH.CENTER)
    for name, colour in COLOUR_STYLES.values():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        style.font.color.rgb = colour
        style.font.bold = True


def _page_field(paragraph: Any) -> None:
    """A PAGE field, so Word and LibreOffice number the pages."""
    paragraph.add_run("第 ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        else:
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        run._r.append(node)
    paragraph.add_run(" 页")


def _table(doc: Any, table: Table) -> None:
    """The table, its header row repeated on every page. Rows are copies of a blank row (its
    paragraphs already styled) and runs copies of a styled run: python-docx's cell and style
    look-ups walk the whole table and every style for each cell, which made a national
    bulletin's Word file slow (the XML is the same as theirs)."""
    if table.title:
        doc.add_paragraph(table.title, style="表题")
    grid = doc.add_table(rows=1, cols=len(table.headers))
    grid.style = doc.styles["Table Grid"]
    header = grid.rows[0]._tr
    # The header row repeats on every page the table runs over.
    header.get_or_add_trPr().append(_on("w:tblHeader"))
    runs = _Runs(doc)
    for tc, text in zip(header.tc_lst, table.headers, strict=True):
        tc.p_lst[0].style = doc.styles["表头文字"].style_id
        runs.add(tc.p_lst[0], text, "")
    tbl = grid._tbl
    blank = grid.add_row()._tr
    tbl.remove(blank)
    for tc in blank.tc_lst:
        tc.p_lst[0].style = doc.styles["表格文字"].style_id
    for row in table.rows:
        tr = copy.deepcopy(blank)
        for tc, value in zip(tr.tc_lst, row, strict=True):
            runs.add(tc.p_lst[0], value.text, value.colour)
        tbl.append(tr)
    if not table.rows:
        doc.add_paragraph("（本期无）", style="表格文字")
    if table.note:
        doc.add_paragraph(table.note, style="表格文字")


class _Runs:
    """Runs of text as python-docx writes them (``paragraph.add_run(text)``, then the colour's
    character style), made by copying one prototype per colour."""

    def __init__(self, doc: Any) -> None:
        self.prototypes: dict[str, Any] = {"": OxmlElement("w:r")}
        for colour, (name, _rgb) in COLOUR_STYLES.items():
            run = OxmlElement("w:r")
            properties = OxmlElement("w:rPr")
            style = OxmlElement("w:rStyle")
            style.set(qn("w:val"), doc.styles[name].style_id)
            properties.append(style)
            run.append(properties)
            self.prototypes[colour] = run

    def add(self, paragraph: Any, text: str, colour: str) -> None:
        run = copy.deepcopy(self.prototypes.get(colour, self.prototypes[""]))
        if text and any(c in text for c in "\t\n\r"):
            run.text = text  # tabs and breaks: python-docx's own writer
        elif text:
            node = OxmlElement("w:t")
            node.text = text
            if len(text.strip()) < len(text):
                node.set(qn("xml:space"), "preserve")
            run.append(node)
        paragraph.append(run)


def _on(tag: str) -> Any:
    node = OxmlElement(tag)
    node.set(qn("w:val"), "true")
    return node


def render_docx(content: Content) -> bytes:
    doc = new_document()
    _styles(doc)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.6)
    h = content.header
    if h.marking:
        section.header.paragraphs[0].text = h.marking
        section.header.paragraphs[0].style = doc.styles["密级标识"]
        doc.add_paragraph(h.marking, style="密级标识")
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["页脚"]
    _page_field(footer)
    doc.add_paragraph(h.issuer, style="发文机关")
    doc.add_paragraph(h.number, style="文号")
    doc.add_paragraph(h.title, style="Title")
    doc.add_paragraph(f"{h.issuer}　{_date(h.issued_on)}", style="文号")
    for part in content.sections:
        doc.add_heading(part.title, level=1)
        for text in part.paragraphs:
            doc.add_paragraph(text)
        for table in part.tables:
            if not table.spreadsheet_only:
                _table(doc, table)
        for chart in part.charts:
            doc.add_paragraph(chart.title, style="表题")
            doc.add_picture(io.BytesIO(chart.png), width=Cm(15))
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = h.title, h.issuer, h.issuer
    props.created = props.modified = props.last_printed = content.stamp.replace(tzinfo=None)
    props.revision, props.language = 1, "zh-CN"
    props.comments = h.number
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue(), content.stamp)


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
