"""Posters for the bulletin board (公示): the fee schedule with its service contents, the
service price lists, and a notice. A4 portrait, letterhead, title, body, date of posting, a
place for the seal, page numbers, and the QR code of the same page on the web."""
from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field

from reports.common import Letterhead, letterhead_of
from reports.rendering import render_pdf


@dataclass
class PosterTable:
    head: list[str]
    rows: list[list[str]]
    numeric: list[int] = field(default_factory=list)  # right-aligned columns


@dataclass
class PosterSection:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: PosterTable | None = None


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
