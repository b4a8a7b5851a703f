"""The per-household ballot register (annex) laid out as fixed pages of monospaced lines (no Django here).

Every page has the same shape — heading, column titles, 50 rows ruled every five, its own folio — so the
pages can be rendered in any number of chunks and the merged document is the same as one render.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from documents.chunked import Chunk
from documents.layout import Column, line, lines_html, paginate

ROWS_PER_PAGE = 50
PAGES_PER_CHUNK = 20
# No., room, owner, area, choice, channel, time — 56 em of 9 pt, inside A4's 182 mm.
COLUMNS = (
    Column(4, right=True),
    Column(11),
    Column(11),
    Column(7, right=True),
    Column(6),
    Column(7),
    Column(10),
)

# A thin rule under every fifth line, as the background of the page's one <pre>: a box per group of five
# lines costs 15 % more (bench/README.md), a gradient 60 %.
_RULE = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='10' height='10' viewBox='0 0 10 10'"
    " preserveAspectRatio='none'%3E%3Crect y='9.94' width='10' height='0.06' fill='%23999'/%3E%3C/svg%3E"
)
_LINE_PT = 12.48

HEAD = f"""<style>
@page {{ @bottom-center {{ content: string(folio); }} }}
.annex-head {{ border-bottom: 0.4mm solid #000; margin: 0 0 1.5mm; padding: 0 0 1mm; }}
.annex-title {{ font-size: 12pt; font-weight: bold; }}
.annex-sub, .annex-summary {{ font-size: 8.5pt; }}
pre {{ font-family: "WenQuanYi Micro Hei Mono", monospace; font-size: 9pt; line-height: {_LINE_PT}pt; margin: 0; }}
pre.cols {{ font-weight: bold; border-bottom: 0.25mm solid #000; padding-bottom: 0.5mm; margin-bottom: 0.3mm; }}
pre.rows {{ background: url("{_RULE}") repeat-y 0 0 / 100% {5 * _LINE_PT}pt; }}
</style>"""


@dataclass(frozen=True)
class AnnexRow:
    """One household of the frozen electorate with its ballot (or "not voted"), already in words."""

    place: str
    owner: str
    area: str
    choice: str
    channel: str = ""
    at: str = ""


@dataclass(frozen=True)
class AnnexText:
    """The words of the annex, in the reader's language. `folio` has {page} and {pages}."""

    title: str
    subtitle: str
    summary: str
    column_titles: tuple[str, str, str, str, str, str, str]
    folio: str


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_html(rows: Sequence[AnnexRow], *, first_number: int, page: int, pages: int, text: AnnexText) -> str:
    folio = _css_string(text.folio.format(page=page, pages=pages))
    parts = [
        f'<section class="page"><div class="annex-head" style="string-set: folio {html.escape(folio)}">',
        f'<div class="annex-title">{html.escape(text.title)}</div>',
        f'<div class="annex-sub">{html.escape(text.subtitle)}</div>',
    ]
    if page == 1 and text.summary:
        parts.append(f'<div class="annex-summary">{html.escape(text.summary)}</div>')
    parts.append(f'</div><pre class="cols">{html.escape(line(text.column_titles, COLUMNS), quote=False)}</pre>')
    values = (
        (str(first_number + offset), r.place, r.owner, r.area, r.choice, r.channel, r.at)
        for offset, r in enumerate(rows)
    )
    parts.append(f'<pre class="rows">{lines_html(values, COLUMNS)}</pre></section>')
    return "".join(parts)


def page_count(rows: int, rows_per_page: int = ROWS_PER_PAGE) -> int:
    return max(1, -(-rows // rows_per_page))


def annex_chunks(
    rows: Sequence[AnnexRow],
    text: AnnexText,
    *,
    rows_per_page: int = ROWS_PER_PAGE,
    pages_per_chunk: int = PAGES_PER_CHUNK,
) -> Iterator[Chunk]:
    """(pages, body HTML) of each chunk of the annex, made as they are asked for."""
    pages = paginate(rows, rows_per_page)
    for chunk_start in range(0, len(pages), pages_per_chunk):
        chunk = pages[chunk_start : chunk_start + pages_per_chunk]
        body = "".join(
            page_html(
                page_rows,
                first_number=(chunk_start + index) * rows_per_page + 1,
                page=chunk_start + index + 1,
                pages=len(pages),
                text=text,
            )
            for index, page_rows in enumerate(chunk)
        )
        yield len(chunk), body
