"""What every .xlsx export shares (openpyxl, write-only): the content type, cells, a table sheet, the bytes.

Text that came from people (names, demands, a proxy's name) is always written as text: openpyxl would write a string
starting with "=" as a formula, which the spreadsheet would run when the committee opens the file.
"""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(sheet, value, number_format: str | None = None, *, bold: bool = False, wrap: bool = False) -> WriteOnlyCell:
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


def table_sheet(workbook: Workbook, title: str, columns: list[tuple[str, int]]):
    """A sheet with its column widths, the headings (bold) in row 1, and row 1 frozen."""
    sheet = workbook.create_sheet(title[:31])
    for index, (_heading, width) in enumerate(columns):
        sheet.column_dimensions[chr(65 + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([cell(sheet, heading, bold=True) for heading, _width in columns])
    return sheet


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
