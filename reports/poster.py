"""Posters for the bulletin board (公示): the fee schedule with its service contents, the
service price lists, and a notice. A4 portrait, letterhead, title, body, date of posting, a
place for the seal, page numbers, and the QR code of the same page on the web.

What goes on a poster is built elsewhere (app/publishing/posters.py) from plain strings:
sections with paragraphs, bullets or a table. A table can merge the first cell of
consecutive rows that share it (``group_first``: 物业服务费 once, beside its four rates); the
rowspans are worked out here, in Python, so the template only prints cells."""
from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field

from reports.common import Letterhead, letterhead_of
from reports.rendering import render_pdf

# a merged group of at most this many rows is kept on one page; a longer one may break
KEEP_GROUP_ROWS = 8


@dataclass
class PosterCell:
    text: str
    rowspan: int = 1
    numeric: bool = False


@dataclass
class PosterRow:
    cells: list[PosterCell]
    total: bool = False  # a total line: bold, ruled above


@dataclass
class PosterRowGroup:
    """The rows sharing one merged first cell (one <tbody>): kept together on a page when short."""
    rows: list[PosterRow]
    keep: bool = False


@dataclass
class PosterTable:
    head: list[str]
    rows: list[list[str]]
    numeric: list[int] = field(default_factory=list)  # right-aligned columns
    widths: list[str] = field(default_factory=list)  # CSS widths of the columns ("18%"); none: equal
    group_first: bool = False  # consecutive rows with the same first cell share one merged cell
    total_last: bool = False  # the last row is a total

    def __post_init__(self):
        if self.widths and len(self.widths) != len(self.head):
            raise ValueError("one width per column")
        for row in self.rows:
            if len(row) != len(self.head):
                raise ValueError(f"a row of {len(row)} cells under {len(self.head)} column headings")

    def groups(self) -> list[PosterRowGroup]:
        """The body as row groups. With ``group_first``, a run of rows with the same first cell
        prints that cell once with a rowspan over the run; otherwise one group of plain rows."""
        last = len(self.rows) - 1
        plain = [PosterRow([PosterCell(str(text), numeric=i in self.numeric) for i, text in enumerate(row)],
                           total=self.total_last and n == last)
                 for n, row in enumerate(self.rows)]
        if not self.group_first:
            return [PosterRowGroup(plain)] if plain else []
        groups: list[PosterRowGroup] = []
        previous = object()
        for n, row in enumerate(plain):
            first = self.rows[n][0]
            if groups and first == previous and not row.total:
                head = groups[-1].rows[0].cells[0]
                head.rowspan += 1
                groups[-1].rows.append(PosterRow(row.cells[1:], total=row.total))
            else:
                groups.append(PosterRowGroup([row]))
            previous = first
        for group in groups:
            group.keep = 1 < len(group.rows) <= KEEP_GROUP_ROWS
        return groups


@dataclass
class PosterSection:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: PosterTable | None = None
    salutation: str = ""  # 各位业主、住户：printed flush left above the paragraphs
    summary: str = ""  # one closing line in bold, flush left (the balance of a disclosure)


@dataclass
class PosterDoc:
    letterhead: Letterhead
    title: str
    subtitle: str
    sections: list[PosterSection]
    posted_on: dt.date
    qr_data_uri: str
    url: str


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an inline PNG (the PDF fetcher takes data: URLs only)."""
    import qrcode

    img = qrcode.make(url, box_size=6, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def poster_pdf(estate, title: str, subtitle: str, sections: list[PosterSection], url: str,
               posted_on: dt.date, lang: str = "zh_CN") -> bytes:
    doc = PosterDoc(letterhead=letterhead_of(estate), title=title, subtitle=subtitle, sections=sections,
                    posted_on=posted_on, qr_data_uri=qr_data_uri(url), url=url)
    return render_pdf("poster.html", {"doc": doc}, lang)
