"""PDF through WeasyPrint from HTML: Noto Sans CJK embedded, the marking and page numbers on
every page, table headers repeated on every page a table runs over."""

from __future__ import annotations

import base64
import datetime as dt
from html import escape

from grassroots.reports.content import Content, Table

CSS = """
@page {
  size: A4;
  margin: 22mm 18mm 20mm 18mm;
  @top-right { content: "%(marking)s"; font-size: 9pt; color: #444; }
  @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; font-size: 9pt; }
}
html { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10.5pt; line-height: 1.55; }
:lang(zh) { font-family: "Noto Sans CJK SC", sans-serif; }
.marking { text-align: right; font-weight: bold; }
.issuer { text-align: center; color: #c00000; font-size: 24pt; font-weight: bold;
          letter-spacing: 2pt; margin: 6mm 0 2mm; }
.number { text-align: center; margin: 0 0 2mm; }
hr.red { border: 0; border-top: 2pt solid #c00000; margin: 0 0 6mm; }
h1.title { text-align: center; font-size: 17pt; margin: 2mm 0 1mm; }
.date { text-align: center; margin-bottom: 6mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; break-after: avoid; page-break-after: avoid; }
p { text-indent: 2em; margin: 0 0 2mm; }
/* A heading, the text before a section's first table or chart, the table's caption and its
   first rows stay on one page: no heading or caption is left at a page's foot. */
p.intro { break-after: avoid; page-break-after: avoid; }
.caption { text-align: center; font-weight: bold; text-indent: 0; margin-top: 3mm;
           break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%%; font-size: 8.5pt; margin-bottom: 3mm; }
thead { display: table-header-group; }
th { background: #e8edf3; font-weight: bold; }
th, td { border: 0.5pt solid #888; padding: 1mm 1.2mm; }
td.n { text-align: right; }
.s { white-space: nowrap; }
tr { page-break-inside: avoid; }
.green { color: #2e7d32; font-weight: bold; }
.yellow { color: #8a6100; font-weight: bold; }
.red { color: #c0392b; font-weight: bold; }
.grey { color: #616161; }
img.chart { width: 100%%; }
.empty { text-indent: 0; color: #555; }
"""


# A cell this short (达到, 未达到, 定量, a number) never wraps: a long text in another column
# would otherwise squeeze its column to one character a line.
SHORT = 6


def _table(table: Table) -> str:
    short = ' class="s"'
    head = "".join(f"<th{short if len(h) <= SHORT else ''}>{escape(h)}</th>" for h in table.headers)
    rows = []
    for row in table.rows:
        cells = []
        for cell in row:
            cls = " ".join(
                c
                for c in (
                    cell.colour or ("n" if cell.number is not None else ""),
                    "s" if len(cell.text) <= SHORT else "",
                )
                if c
            )
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{escape(cell.text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f'<p class="caption">{escape(table.title)}</p>' if table.title else ""
    if not rows:
        return caption + '<p class="empty">（本期无）</p>'
    return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def html_of(content: Content) -> str:
    h = content.header
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(h.title)}</title>",
        f'<meta name="author" content="{escape(h.issuer)}">',
        f'<meta name="dcterms.created" content="{content.stamp.isoformat()}">',
        f'<meta name="dcterms.modified" content="{content.stamp.isoformat()}">',
        "</head><body>",
    ]
    if h.marking:
        parts.append(f'<div class="marking">{escape(h.marking)}</div>')
    parts += [
        f'<div class="issuer">{escape(h.issuer)}</div>',
        f'<div class="number">{escape(h.number)}</div><hr class="red">',
        f'<h1 class="title">{escape(h.title)}</h1>',
        f'<div class="date">{escape(_date(h.issued_on))}</div>',
    ]
    for section in content.sections:
        parts.append(f"<h2>{escape(section.title)}</h2>")
        # A section's text before its tables or charts stays with the first of them.
        shown = [t for t in section.tables if not t.spreadsheet_only]
        cls = ' class="intro"' if shown or section.charts else ""
        parts += [f"<p{cls}>{escape(t)}</p>" for t in section.paragraphs]
        parts += [_table(t) for t in shown]
        for chart in section.charts:
            data = base64.b64encode(chart.png).decode("ascii")
            parts.append(f'<p class="caption">{escape(chart.title)}</p>')
            parts.append(
                f'<img class="chart" alt="{escape(chart.title)}" src="data:image/png;base64,{data}">'
            )
    parts.append("</body></html>")
    return "".join(parts)


def render_pdf(content: Content) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    from weasyprint import CSS as Style
    from weasyprint import HTML

    marking = content.header.marking.replace("\\", "").replace('"', "")
    style = Style(string=CSS % {"marking": marking})
    document = HTML(string=html_of(content)).render(stylesheets=[style])
    # A fixed identifier: WeasyPrint would otherwise make one from the time.
    identifier = content.stamp.isoformat().encode()
    data = document.write_pdf(pdf_identifier=identifier)
    assert data is not None
    return data, len(document.pages)


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
