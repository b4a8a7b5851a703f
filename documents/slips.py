"""Join slips laid out as A4 sheets of 8 (2 × 4) with dashed cut lines (no Django here).

A sheet's HTML, QR codes included, is made inside the worker that renders it: drawing 30,000 QR codes
(4 ms each) in the parent would keep it busy while the workers wait.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial

from community.qr import join_qr_svg
from documents.chunked import Chunk
from documents.layout import paginate

SLIPS_PER_PAGE = 8
PAGES_PER_CHUNK = 10
_COLUMNS, _ROWS = 2, 4

HEAD = """<style>
@page { margin: 0; @bottom-center { content: none; } }
.sheet { position: relative; width: 210mm; height: 296.9mm; overflow: hidden; break-after: page; }
.sheet:last-child { break-after: auto; }
.slip { position: absolute; width: 105mm; height: 74.2mm; padding: 7mm 8mm 5mm; box-sizing: border-box; }
.slip.c0 { left: 0; border-right: 0.3mm dashed #777; }
.slip.c1 { left: 105mm; }
.slip.r0 { top: 0; } .slip.r1 { top: 74.2mm; } .slip.r2 { top: 148.4mm; } .slip.r3 { top: 222.6mm; }
.slip.r0, .slip.r1, .slip.r2 { border-bottom: 0.3mm dashed #777; }
.community { font-size: 9pt; color: #333; width: 52mm; }
.place { font-size: 15pt; font-weight: bold; line-height: 1.3; width: 52mm; margin-top: 1mm; }
.label { font-size: 8.5pt; color: #333; margin-top: 2mm; }
.code { font-family: "WenQuanYi Micro Hei Mono", monospace; font-size: 20pt; font-weight: bold; line-height: 1.15; }
.slip svg.qr { position: absolute; right: 7mm; top: 6mm; width: 31mm; height: 31mm; }
/* What to do, and whom to ask, at a size an elderly owner reads without glasses (11 pt at least). */
.hint { position: absolute; left: 8mm; right: 8mm; bottom: 4mm; font-size: 11pt; line-height: 1.3; }
.hint .url { word-break: break-all; }
.helpline { font-weight: bold; }
.expires { color: #444; font-size: 11pt; }
</style>"""


@dataclass(frozen=True)
class Slip:
    place: str
    code: str  # as printed: ABCD-EFGH
    url: str  # what the QR code opens
    expires: str = ""
    helper: str = ""  # "canvasser" or "committee": who the helpline names, "" when nobody with a phone is known
    helper_name: str = ""
    helper_phone: str = ""


@dataclass(frozen=True)
class SlipText:
    """The words on every slip, in the reader's language. `instructions` has {url}, `expires` {date}; the helplines
    {name} and {phone}, one for the entrance's canvasser and one for the committee; `helpline_none` has neither."""

    community: str
    code_label: str
    instructions: str
    join_url: str
    expires: str
    helpline_canvasser: str = ""
    helpline_committee: str = ""
    helpline_none: str = ""

    def helpline(self, slip: Slip) -> str:
        line = {"canvasser": self.helpline_canvasser, "committee": self.helpline_committee}.get(slip.helper)
        if line is None:
            return self.helpline_none
        return line.format(name=slip.helper_name, phone=slip.helper_phone)


def slip_html(slip: Slip, position: int, text: SlipText) -> str:
    column, row = position % _COLUMNS, position // _COLUMNS
    expires = text.expires.format(date=slip.expires) if slip.expires else ""
    before, _sep, after = text.instructions.partition("{url}")
    url = f'<span class="url">{html.escape(text.join_url)}</span>' if _sep else ""
    instructions = html.escape(before) + url + html.escape(after)
    return (
        f'<div class="slip c{column} r{row}">'
        f'<div class="community">{html.escape(text.community)}</div>'
        f'<div class="place">{html.escape(slip.place)}</div>'
        f'<div class="label">{html.escape(text.code_label)}</div>'
        f'<div class="code">{html.escape(slip.code)}</div>'
        f"{join_qr_svg(slip.url)}"
        f'<div class="hint">{instructions}<br>'
        f'<span class="helpline">{html.escape(text.helpline(slip))}</span><br>'
        f'<span class="expires">{html.escape(expires)}</span></div>'
        "</div>"
    )


def sheets_html(pages: Sequence[Sequence[Slip]], text: SlipText) -> str:
    return "".join(
        '<section class="sheet">' + "".join(slip_html(s, i, text) for i, s in enumerate(page)) + "</section>"
        for page in pages
    )


def page_count(slips: int) -> int:
    return max(1, -(-slips // SLIPS_PER_PAGE))


def slip_chunks(slips: Sequence[Slip], text: SlipText, *, pages_per_chunk: int = PAGES_PER_CHUNK) -> Iterator[Chunk]:
    """(pages, body) per chunk; the body is made where it is rendered (a picklable partial)."""
    pages = paginate(slips, SLIPS_PER_PAGE)
    for start in range(0, len(pages), pages_per_chunk):
        chunk = [list(page) for page in pages[start : start + pages_per_chunk]]
        yield len(chunk), partial(sheets_html, chunk, text)
