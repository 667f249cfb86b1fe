"""A document's content, independent of its format: header, sections, paragraphs, tables and
charts. The builders (`bulletin.py`) fill it from stored results; the renderers
(`render/docx.py`, `render/pdf.py`, `render/xlsx.py`) turn the same content into files, so the
three formats always hold the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

# A colour as the documents show it: a mark and a word beside it, never the colour alone.
COLOUR_WORDS = {
    "green": "● 绿",
    "yellow": "▲ 黄",
    "red": "■ 红",
    "grey": "○ 灰",
}
DASH = "—"


@dataclass(frozen=True)
class Cell:
    text: str
    colour: str = ""  # green | yellow | red | grey: shown with its word, styled by the renderer
    number: float | None = None  # the figure itself, for the spreadsheet


@dataclass
class Table:
    title: str
    sheet: str  # the spreadsheet's sheet name (at most 31 characters)
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    spreadsheet_only: bool = False  # too wide for a page: the Excel file carries it


@dataclass(frozen=True)
class Chart:
    """A chart, drawn when a renderer first asks for its PNG: the Excel edition has no charts,
    so it never pays for drawing them (matplotlib took half of a bulletin's content time)."""

    title: str
    draw: Callable[[], bytes] = field(compare=False, repr=False)

    @cached_property
    def png(self) -> bytes:
        return self.draw()


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    issuer: str
    title: str
    number: str
    issued_on: dt.date
    marking: str


@dataclass
class Content:
    header: Header
    sections: list[Section]
    # The time written into the files' metadata: fixed by the inputs (the run's publication),
    # so the same inputs give the same bytes.
    stamp: dt.datetime

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]


def text_cell(text: str) -> Cell:
    return Cell(text)


def colour_cell(colour: str) -> Cell:
    """A colour's cell; cells are immutable, so each colour's is made once (a national
    appendix has some 50,000)."""
    return _COLOUR_CELLS.get(colour) or _colour_cell(colour)


def _colour_cell(colour: str) -> Cell:
    return Cell(COLOUR_WORDS.get(colour, DASH), colour=colour if colour in COLOUR_WORDS else "")


_COLOUR_CELLS = {colour: _colour_cell(colour) for colour in COLOUR_WORDS}


def number_cell(value: float | None, *, digits: int = 2) -> Cell:
    if value is None:
        return Cell(DASH)
    return Cell(f"{value:.{digits}f}", number=round(value, digits))


def change_cell(now: float | None, before: float | None, *, digits: int = 2) -> Cell:
    """The change from ``before`` to ``now`` with its sign ("+1.25", "-0.40"), "—" when either
    is missing."""
    if now is None or before is None:
        return Cell(DASH)
    change = round(now - before, digits)
    return Cell(f"{change:+.{digits}f}", number=change)
