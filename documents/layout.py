"""Fixed-width text columns for large printed lists, without table layout (no Django here).

WeasyPrint's table layout grows faster than linearly with the rows; a <pre> of plain lines is the cheapest
thing it lays out (bench/README.md). The columns line up because the monospaced face of WenQuanYi Micro Hei
has two advances only — 0.6 em for Latin (and the space), 1 em for Chinese (and the ideographic space) — so
the padding to each column can be computed exactly here. Not tabs: WeasyPrint 70 draws a tab 2.4 % wider
than Pango laid it out, and the columns drift.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Widths in units of 0.2 em, so that both advances are integers.
NARROW = 3
WIDE = 5
IDEOGRAPHIC_SPACE = "\u3000"
# Every gap of 8 units or more is a sum of 3s and 5s (and so are 0, 3, 5, 6): a column keeps 8 for its gap.
MIN_GAP = 8


def char_units(char: str) -> int:
    return WIDE if unicodedata.east_asian_width(char) in "WF" else NARROW


def text_units(text: str) -> int:
    return sum(char_units(char) for char in text)


def clip(text: str, units: int) -> str:
    """`text` cut to at most `units` wide; a cut text ends with ".." so that nobody reads it as whole."""
    if text_units(text) <= units:
        return text
    if units < 2 * NARROW:
        return ""
    out, used = [], 2 * NARROW
    for char in text:
        used += char_units(char)
        if used > units:
            break
        out.append(char)
    return "".join(out) + ".."


def padding(units: int) -> str:
    """Spaces and ideographic spaces exactly `units` wide (any width but 1, 2, 4 and 7)."""
    for spaces in range(WIDE):
        rest = units - spaces * NARROW
        if rest >= 0 and rest % WIDE == 0:
            return " " * spaces + IDEOGRAPHIC_SPACE * (rest // WIDE)
    raise ValueError(f"no padding is {units} units wide")


def _fits(units: int) -> bool:
    return units in (0, NARROW, WIDE, 2 * NARROW) or units >= MIN_GAP


def _right_gap(width: int) -> int:
    """The space kept after a right-aligned column: numbers (all 0.6 em) then pad with plain spaces, so every
    line's number ends at the same place."""
    return next(gap for gap in (NARROW, WIDE, 2 * WIDE) if (width - gap) % NARROW == 0)


@dataclass(frozen=True)
class Column:
    """A column `em` wide (in em of the monospaced face); numbers are right-aligned."""

    em: int
    right: bool = False

    def __post_init__(self):
        if self.em < 3:
            raise ValueError("a column is at least 3 em wide")

    @property
    def width(self) -> int:
        return self.em * WIDE

    @property
    def room(self) -> int:
        """How wide its text may be."""
        return self.width - (_right_gap(self.width) if self.right else MIN_GAP)


def line(values: Sequence[str], columns: Sequence[Column]) -> str:
    """One text line: each value clipped to its column and padded to the start of the next one."""
    out = []
    last = len(columns) - 1
    for index, (value, column) in enumerate(zip(values, columns, strict=True)):
        if column.right:
            text = clip(str(value), column.room)
            spare = column.width - text_units(text)
            # Numbers keep the column's gap (so they all end at one place); Chinese takes the nearest that fits.
            gaps = (_right_gap(column.width), NARROW, WIDE, 2 * NARROW, MIN_GAP, MIN_GAP + 1, MIN_GAP + 2)
            after = next((gap for gap in gaps if gap <= spare and _fits(spare - gap)), None)
            if after is None:
                text, after = clip(str(value), column.width - NARROW - MIN_GAP), NARROW
            out.append(
                padding(column.width - after - text_units(text)) + text + (padding(after) if index < last else "")
            )
        elif index == last:
            out.append(clip(str(value), column.width))
        else:
            text = clip(str(value), column.room)
            out.append(text + padding(column.width - text_units(text)))
    return "".join(out)


def lines_html(rows: Iterable[Sequence[str]], columns: Sequence[Column]) -> str:
    """The escaped text of a <pre>: one line per row."""
    return "\n".join(html.escape(line(row, columns), quote=False) for row in rows)


def paginate(items: Sequence, per_page: int) -> list[Sequence]:
    """`items` cut into pages of `per_page` (one empty page when there are no items)."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    return [items[start : start + per_page] for start in range(0, len(items), per_page)] or [items[:0]]
