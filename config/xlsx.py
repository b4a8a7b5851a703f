"""What every .xlsx export shares (openpyxl, write-only): the content type, cells, a table sheet, the bytes.

Every row of every export is written by append(): text is always written as text. openpyxl writes a string
starting with "=" as a formula, which the spreadsheet would run when the committee opens the file — and names,
buildings, demands and proxies come from people (a building called "=1+1", an owner "=HYPERLINK(…)"). A control
character that a spreadsheet cannot hold (a pasted "\x0b") is dropped rather than failing the whole file.
"""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(sheet, value, number_format: str | None = None, *, bold: bool = False, wrap: bool = False) -> WriteOnlyCell:
    if isinstance(value, str) and not value.isprintable():
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    item = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        item.data_type = "s"  # text, never a formula, even when it starts with "="
    if number_format:
        item.number_format = number_format
    if bold:
        item.font = Font(bold=True)
    if wrap:
        item.alignment = Alignment(wrap_text=True, vertical="top")
    return item


def text(sheet, value):
    """`value` as it is, but text starting with "=" as a text cell: cheap enough for every cell of 50,000 rows."""
    return cell(sheet, value) if isinstance(value, str) and value.startswith("=") else value


def append(sheet, values) -> None:
    """Write one row; the only way rows are written. Text stays text; cells made by cell() pass as they are."""
    # text() inlined: a register of 50,000 rows passes 600,000 values through here. isprintable() is false for any
    # control character (a line break too): those few go through cell(), which drops what a sheet cannot hold.
    sheet.append(
        [
            cell(sheet, value) if type(value) is str and (value[:1] == "=" or not value.isprintable()) else value
            for value in values
        ]
    )


def table_sheet(workbook: Workbook, title: str, columns: list[tuple[str, int]]):
    """A sheet with its column widths, the headings (bold) in row 1, and row 1 frozen."""
    sheet = workbook.create_sheet(title[:31])
    for index, (_heading, width) in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width  # past Z: AA, AB, …
    sheet.freeze_panes = "A2"
    append(sheet, [cell(sheet, heading, bold=True) for heading, _width in columns])
    return sheet


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
