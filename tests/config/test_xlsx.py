"""Every export writes its rows through config.xlsx.append: text from people stays text, and a control character a
spreadsheet cannot hold is dropped instead of failing the whole file."""

import io

from openpyxl import Workbook, load_workbook

from config.xlsx import append, cell, table_sheet, workbook_bytes


def written(*values) -> list:
    workbook = Workbook(write_only=True)
    sheet = table_sheet(workbook, "t", [("a", 10)] * len(values))
    append(sheet, list(values))
    append(sheet, [cell(sheet, values[0])])
    rows = list(load_workbook(io.BytesIO(workbook_bytes(workbook))).active.iter_rows(values_only=True))
    return [list(row) for row in rows[1:]]


def test_a_formula_stays_text():
    first, second = written('=HYPERLINK("http://x")', 3)
    assert first == ['=HYPERLINK("http://x")', 3] and second[0] == '=HYPERLINK("http://x")'


def test_control_characters_are_dropped_and_line_breaks_kept():
    first, second = written("北门\x0b旁的\x00公厕", "第一行\n第二行\t完")
    assert first == ["北门旁的公厕", "第一行\n第二行\t完"]
    assert second[0] == "北门旁的公厕"
