"""Charts as server-rendered SVG: horizontal bars, columns (grouped or stacked) and lines. Pure Python, no Django.

The SVG goes inline into a page under the site's Content-Security-Policy, so it holds no script, no event handler,
no style attribute and no external resource — only presentation attributes (fill=, font-size=) and class names a
static stylesheet may refine. Every text is XML-escaped, since labels come from users (building and category
names). The caller passes every word shown (title, empty text, series names, unit): the module is language-neutral.
Values are ints or Decimals and are printed exactly as given; floats only place pixels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from xml.sax.saxutils import escape

Number = int | Decimal

# The site's red (--accent) first, then muted tones; each has at least 5:1 contrast on white, so a bar or
# segment stands out from the page (WCAG asks 3:1 for graphics). Stacked segments are also parted by a white edge.
PALETTE = ("#b3261e", "#2c5d9e", "#1e7b34", "#a15c00", "#5c5c5c", "#6a3d9a")
# Line series differ by dash as well as colour, for readers who cannot tell the colours apart.
DASHES = ("", "8 4", "2 4", "8 4 2 4")
TEXT = "#1b1b1b"
MUTED = "#5c5c5c"
GRID = "#dcd8d0"
FONT = 14
TITLE_FONT = 16
PAD = 8

# Characters XML 1.0 forbids even escaped (control characters, lone surrogates, U+FFFE/U+FFFF): an imported
# building name holding one would otherwise make the whole page's SVG unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- Numbers --------------------------------------------------------------------------------------------------


def _checked(value: object) -> Number:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"chart values are ints or Decimals, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"chart value {value} is not a number")
    if value < 0:
        raise ValueError(f"chart value {value} is negative")
    return value


def format_number(value: Number) -> str:
    """A value as shown: an int as is, a Decimal with the places the caller gave it (never in exponent form)."""
    return str(value) if isinstance(value, int) else format(value, "f")


def nice_ticks(maximum: Number, *, whole: bool = True, intervals: int = 4) -> list[Decimal]:
    """Axis ticks from 0 up to the first round number ≥ maximum, in steps of 1, 2 or 5 × 10ⁿ, about `intervals`
    of them (150 → 0, 50, 100, 150; 12 → 0, 5, 10, 15). `whole`: counts, so the step is never below 1."""
    top = Decimal(_checked(maximum))
    if top == 0:
        return [Decimal(0), Decimal(1)]
    raw = top / intervals
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(step, Decimal(1))
    count = int((top / step).to_integral_value(rounding=ROUND_CEILING))
    return [(step * k).normalize() if k else Decimal(0) for k in range(count + 1)]


# --- Text -----------------------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return escape(_NOT_XML.sub("", text))


def _text_width(text: str, size: int = FONT) -> float:
    """An estimate without font metrics: a CJK character is one em wide, anything else about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in text)


def _fit(text: str, width: float, size: int = FONT) -> str:
    """The text, cut with an ellipsis so it fits `width` (the whole text stays in the chart's description)."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…" if text else ""


def _n(value: float) -> str:
    return f"{value:.1f}"


def _label(text: str, full: str | None = None, **attrs: object) -> str:
    """A <text>; when it was shortened, its full wording as a <title> child (shown on hover)."""
    attributes = " ".join(f'{name.rstrip("_").replace("_", "-")}="{value}"' for name, value in attrs.items())
    hint = f"<title>{_esc(full)}</title>" if full is not None and full != text else ""
    return f"<text {attributes}>{hint}{_esc(text)}</text>"


def _line(cls: str, x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    return f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}"/>'


def _svg(*, title: str, desc: str, width: int, height: float, body: list[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {width} {_n(height)}" '
            f'width="100%" font-family="sans-serif" font-size="{FONT}" fill="{TEXT}">',
            f"<title>{_esc(title)}</title>",
            f"<desc>{_esc(desc)}</desc>",
            *body,
            "</svg>",
        ]
    )


def _heading(title: str, show_title: bool, width: int) -> tuple[list[str], float]:
    if not show_title:
        return [], PAD
    line = _label(
        _fit(title, width - 2 * PAD, TITLE_FONT),
        title,
        x=PAD,
        y=_n(PAD + TITLE_FONT),
        font_size=TITLE_FONT,
        font_weight="bold",
        class_="chart-title",
    )
    return [line], PAD + TITLE_FONT + 2 * PAD


def _empty(*, title: str, empty_text: str, width: int, show_title: bool) -> str:
    body, y = _heading(title, show_title, width)
    y += FONT + PAD
    body.append(_label(_fit(empty_text, width - 2 * PAD), x=_n(width / 2), y=_n(y), text_anchor="middle", fill=MUTED))
    return _svg(title=title, desc=empty_text, width=width, height=y + 2 * PAD, body=body)


# --- Horizontal bars ------------------------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    bars: Sequence[tuple[str, Number]],
    empty_text: str,
    unit: str = "",
    width: int = 640,
    bar_height: int = 28,
    desc: str | None = None,
    show_title: bool = True,
) -> str:
    """Horizontal bars, one per (label, value), in the given order, on a scale from 0 to a round number, each
    value printed at its bar's end followed by `unit`. `empty_text` is shown when there are no bars. `desc` is
    the screen-reader summary; by default "label: value unit; …". Raises ValueError on a negative value and
    TypeError on a float."""
    values = [_checked(value) for _, value in bars]
    if not bars:
        return _empty(title=title, empty_text=empty_text, width=width, show_title=show_title)
    shown = [format_number(value) + unit for value in values]
    if desc is None:
        desc = "; ".join(f"{label}: {text}" for (label, _), text in zip(bars, shown, strict=True))
    ticks = nice_ticks(max(values), whole=all(isinstance(value, int) for value in values))
    top = float(ticks[-1])

    label_w = min(max(_text_width(label) for label, _ in bars), width * 0.35)
    value_w = max(_text_width(text) for text in [*shown, format_number(ticks[-1])]) + PAD
    x0 = PAD + label_w + PAD
    plot_w = width - x0 - value_w - PAD
    if plot_w < 40:
        raise ValueError(f"width {width} leaves no room for the bars")
    thickness = max(bar_height - 8, 4)

    body, y0 = _heading(title, show_title, width)
    rows_h = bar_height * len(bars)
    for tick in ticks:
        x = x0 + plot_w * float(tick) / top
        body.append(_line("grid", x, y0, x, y0 + rows_h, GRID))
        body.append(
            _label(format_number(tick), x=_n(x), y=_n(y0 + rows_h + FONT + 4), text_anchor="middle", fill=MUTED)
        )
    for index, ((label, value), text) in enumerate(zip(bars, shown, strict=True)):
        top_y = y0 + bar_height * index
        middle = top_y + bar_height / 2
        length = plot_w * float(value) / top
        body.append(
            f'<rect class="bar" x="{_n(x0)}" y="{_n(middle - thickness / 2)}" width="{_n(length)}" '
            f'height="{_n(thickness)}" fill="{PALETTE[0]}"><title>{_esc(f"{label}: {text}")}</title></rect>'
        )
        body.append(_label(_fit(label, label_w), label, x=_n(x0 - PAD), y=_n(middle + 5), text_anchor="end"))
        body.append(_label(text, class_="value", x=_n(x0 + length + 4), y=_n(middle + 5)))
    body.append(_line("axis", x0, y0, x0, y0 + rows_h, MUTED))
    return _svg(title=title, desc=desc, width=width, height=y0 + rows_h + FONT + 4 + PAD, body=body)


# --- Columns and lines: shared frame --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    x0: float
    y0: float  # top of the plot
    plot_w: float
    plot_h: float
    top: float  # the value at the plot's top (the last tick)
    slot: float  # width of one category

    def x(self, index: int) -> float:
        """The middle of category `index`."""
        return self.x0 + self.slot * (index + 0.5)

    def y(self, value: Number) -> float:
        return self.y0 + self.plot_h * (1 - float(value) / self.top)


def _legend(names: Sequence[str], width: int, y: float, dashed: bool) -> tuple[list[str], float]:
    """Swatches with the series' names, wrapped into rows; returns the parts and the y below them."""
    if len(names) < 2:
        return [], y
    body: list[str] = ['<g class="legend">']
    x = PAD
    row_y = y
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        text = _fit(name, width / 2)
        item_w = 20 + _text_width(text) + 2 * PAD
        if x > PAD and x + item_w > width - PAD:
            x, row_y = PAD, row_y + FONT + PAD
        if dashed:
            dash = DASHES[index % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(
                f'<line x1="{_n(x)}" y1="{_n(row_y + FONT / 2)}" x2="{_n(x + 16)}" y2="{_n(row_y + FONT / 2)}" '
                f'stroke="{colour}" stroke-width="3"{dash_attr}/>'
            )
        else:
            body.append(f'<rect x="{_n(x)}" y="{_n(row_y + 1)}" width="12" height="12" fill="{colour}"/>')
        body.append(_label(text, name, x=_n(x + 20), y=_n(row_y + FONT - 1)))
        x += item_w
    body.append("</g>")
    return body, row_y + FONT + 2 * PAD


def _frame(
    *,
    title: str,
    show_title: bool,
    names: Sequence[str],
    categories: Sequence[str],
    maximum: Number,
    whole: bool,
    width: int,
    plot_height: int,
    dashed: bool,
) -> tuple[list[str], _Frame, float]:
    """Title, legend, the value axis with its grid and the category labels; returns the parts, the plot's
    geometry and the chart's height."""
    body, y = _heading(title, show_title, width)
    legend, y = _legend(names, width, y, dashed)
    body += legend
    ticks = nice_ticks(maximum, whole=whole)
    axis_w = max(_text_width(format_number(tick)) for tick in ticks) + PAD
    x0 = PAD + axis_w
    plot_w = width - x0 - PAD
    if plot_w < 40 or plot_w / len(categories) < 4:
        raise ValueError(f"width {width} leaves no room for {len(categories)} categories")
    y0 = y + FONT + 4  # room for the value printed above the tallest column
    frame = _Frame(x0, y0, plot_w, plot_height, float(ticks[-1]), plot_w / len(categories))
    for tick in ticks:
        ty = frame.y(tick)
        body.append(_line("grid", x0, ty, x0 + plot_w, ty, GRID))
        body.append(_label(format_number(tick), x=_n(x0 - 4), y=_n(ty + 5), text_anchor="end", fill=MUTED))
    bottom = y0 + plot_height
    body.append(_line("axis", x0, bottom, x0 + plot_w, bottom, MUTED))
    for index, category in enumerate(categories):
        body.append(
            _label(
                _fit(category, frame.slot - 2),
                category,
                class_="category",
                x=_n(frame.x(index)),
                y=_n(bottom + FONT + 4),
                text_anchor="middle",
            )
        )
    return body, frame, bottom + FONT + 4 + PAD


def _check_lengths(series: Sequence[tuple[str, Sequence[object]]], categories: Sequence[str]) -> None:
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")


# --- Columns --------------------------------------------------------------------------------------------------


def column_chart(
    *,
    title: str,
    series: Sequence[tuple[str, Sequence[Number]]],
    categories: Sequence[str],
    empty_text: str,
    stacked: bool = False,
    unit: str = "",
    width: int = 640,
    plot_height: int = 240,
    desc: str | None = None,
    show_title: bool = True,
) -> str:
    """Vertical columns, one slot per category (a year, a month), one column per series side by side — or, when
    `stacked`, one column per category with the series stacked in the given order (the first at the bottom).
    Each series is (name, one value per category); with more than one series a legend names them. The value
    (stacked: the total) is printed above each column where it fits. `desc` is the screen-reader summary; by
    default "category: series value, …; …", with "(Σ total)" when stacked."""
    if not categories or not series:
        return _empty(title=title, empty_text=empty_text, width=width, show_title=show_title)
    _check_lengths(series, categories)
    rows = [[_checked(value) for value in values] for _, values in series]
    names = [name for name, _ in series]
    totals = [sum(column) for column in zip(*rows, strict=True)]
    whole = all(isinstance(value, int) for row in rows for value in row)
    if desc is None:
        parts = []
        for index, category in enumerate(categories):
            text = ", ".join(f"{name} {format_number(row[index])}{unit}" for name, row in zip(names, rows, strict=True))
            if stacked and len(series) > 1:
                text += f" (Σ {format_number(totals[index])}{unit})"
            parts.append(f"{category}: {text}")
        desc = "; ".join(parts)
    maximum = max(totals) if stacked else max(value for row in rows for value in row)
    body, frame, height = _frame(
        title=title,
        show_title=show_title,
        names=names,
        categories=categories,
        maximum=maximum,
        whole=whole,
        width=width,
        plot_height=plot_height,
        dashed=False,
    )
    inner = frame.slot * 0.8
    column_w = inner if stacked else inner / len(series)
    for index, category in enumerate(categories):
        left = frame.x(index) - inner / 2
        base = Decimal(0)
        for number, (name, row) in enumerate(zip(names, rows, strict=True)):
            value = row[index]
            x = left if stacked else left + column_w * number
            low = base if stacked else Decimal(0)
            high = low + value
            hint = _esc(f"{category} {name}: {format_number(value)}{unit}")
            body.append(
                f'<rect class="column" x="{_n(x)}" y="{_n(frame.y(high))}" width="{_n(column_w)}" '
                f'height="{_n(frame.y(low) - frame.y(high))}" fill="{PALETTE[number % len(PALETTE)]}" '
                f'stroke="#ffffff" stroke-width="1"><title>{hint}</title></rect>'
            )
            if stacked:
                base = high
            else:
                _value_above(body, value, unit, x + column_w / 2, frame.y(high), column_w + 2)
        if stacked:
            _value_above(body, totals[index], unit, frame.x(index), frame.y(totals[index]), frame.slot - 2)
    return _svg(title=title, desc=desc, width=width, height=height, body=body)


def _value_above(body: list[str], value: Number, unit: str, x: float, y: float, room: float) -> None:
    text = format_number(value) + unit
    if _text_width(text) <= room:
        body.append(_label(text, class_="value", x=_n(x), y=_n(y - 4), text_anchor="middle"))


# --- Lines ----------------------------------------------------------------------------------------------------


def line_chart(
    *,
    title: str,
    series: Sequence[tuple[str, Sequence[Number | None]]],
    categories: Sequence[str],
    empty_text: str,
    unit: str = "",
    width: int = 640,
    plot_height: int = 240,
    desc: str | None = None,
    show_title: bool = True,
) -> str:
    """Lines over the categories (e.g. days to close a demand, by month), one per series, each point marked and
    its value given on hover; None is a gap (a month with nothing to measure) and breaks the line. Series differ
    by colour and dash. `desc` is the screen-reader summary; by default "category: series value, …; …"."""
    _check_lengths(series, categories)
    rows = [[None if value is None else _checked(value) for value in values] for _, values in series]
    present = [value for row in rows for value in row if value is not None]
    if not present:
        return _empty(title=title, empty_text=empty_text, width=width, show_title=show_title)
    names = [name for name, _ in series]
    if desc is None:
        parts = []
        for index, category in enumerate(categories):
            text = ", ".join(
                f"{name} {format_number(row[index])}{unit}"
                for name, row in zip(names, rows, strict=True)
                if row[index] is not None
            )
            parts.append(f"{category}: {text or '–'}")
        desc = "; ".join(parts)
    body, frame, height = _frame(
        title=title,
        show_title=show_title,
        names=names,
        categories=categories,
        maximum=max(present),
        whole=all(isinstance(value, int) for value in present),
        width=width,
        plot_height=plot_height,
        dashed=True,
    )
    for number, (name, row) in enumerate(zip(names, rows, strict=True)):
        colour = PALETTE[number % len(PALETTE)]
        dash = DASHES[number % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<g class="series" fill="{colour}">')
        run: list[str] = []
        for index, value in enumerate([*row, None]):
            if value is not None:
                run.append(f"{_n(frame.x(index))},{_n(frame.y(value))}")
                continue
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
                )
            run = []
        for index, value in enumerate(row):
            if value is not None:
                hint = _esc(f"{categories[index]} {name}: {format_number(value)}{unit}")
                body.append(
                    f'<circle class="point" cx="{_n(frame.x(index))}" cy="{_n(frame.y(value))}" r="4">'
                    f"<title>{hint}</title></circle>"
                )
        body.append("</g>")
    return _svg(title=title, desc=desc, width=width, height=height, body=body)
