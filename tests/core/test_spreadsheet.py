"""The shared spreadsheet reader (core/spreadsheet.py): file kinds, encodings, zip checks, caps, headings, cells.

Pure: no database. The imports built on it (roster, paper ballots) have their own tests; these pin what they share.
"""

import codecs
import datetime
import io
import zipfile

import openpyxl
import pytest

from core.spreadsheet import (
    LIMITS,
    MESSAGES,
    CellError,
    Header,
    Limits,
    Problem,
    UnreadableFile,
    blank,
    cell_text,
    check_zip,
    column_letter,
    data_rows,
    decode_csv,
    file_kind,
    heading_fields,
    heading_key,
    one_line,
    plain,
    read_cells,
    sort_problems,
    word,
)


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def refusal(call) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        call()
    return caught.value


def cells(filename, content, limits=LIMITS) -> list[tuple[int, tuple]]:
    return list(read_cells(filename, content, limits))


# --- Kinds and encodings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.xlsx", xlsx([["x"]]), "xlsx"),
        ("a.XLSX ", xlsx([["x"]]), "xlsx"),
        ("a.csv", xlsx([["x"]]), "xlsx"),  # an .xlsx renamed to .csv is read as what it is
        ("a.csv", b"x,y\n", "csv"),
        ("a.txt", b"x\ty\n", "csv"),
    ],
)
def test_file_kind(name, content, kind):
    assert file_kind(name, content) == kind


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.csv", b"", "file_empty"),
        ("a.xls", b"whatever", "file_xls"),
        ("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "file_xls"),
        ("a.xlsx", b"not a zip", "file_damaged"),
        ("a.xlsx", b"PK\x03\x04 but cut short", "file_damaged"),
        ("a.pdf", b"%PDF", "file_type"),
    ],
)
def test_file_kind_refusals(name, content, code):
    assert refusal(lambda: file_kind(name, content)).code == code


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_encodings(encoding):
    content = "楼栋,业主\n3,张伟\n".encode(encoding)
    assert cells("a.csv", content) == [(1, ("楼栋", "业主")), (2, ("3", "张伟"))]


def test_a_bom_is_not_part_of_the_first_heading():
    assert decode_csv(codecs.BOM_UTF8 + "楼栋".encode()) == "楼栋"


def test_bytes_of_no_known_encoding_are_refused():
    # Invalid in UTF-8, and 0x80 is no GB18030 lead byte.
    assert refusal(lambda: decode_csv(b"\x80\x80\x80")).code == "file_encoding"


def test_tab_separated_and_quoted_line_breaks_count_as_one_record():
    content = '房屋\t备注\n3-5-502\t"两行\n备注"\n3-5-501\t\n'.encode()
    assert cells("a.txt", content) == [(1, ("房屋", "备注")), (2, ("3-5-502", "两行\n备注")), (3, ("3-5-501", ""))]


def test_xlsx_rows_keep_their_numbers_and_types():
    rows = cells("a.xlsx", xlsx([["楼栋", "面积"], [3, 89.5], [], ["A座", None]]))
    assert rows[0] == (1, ("楼栋", "面积")) and rows[1] == (2, (3, 89.5)) and rows[3][0] == 4


# --- Zip bombs and caps --------------------------------------------------------------------------------------------


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_an_ordinary_workbook_passes_the_zip_checks():
    check_zip(xlsx([["楼栋"], *([str(n)] for n in range(2000))]))


def test_too_much_unpacked_is_refused_from_the_directory():
    content = zipped({"xl/worksheets/sheet1.xml": b"<row/>" * 400_000})  # 2.4 MB
    problem = refusal(lambda: check_zip(content, Limits(unpacked_bytes=1024 * 1024))).problem
    assert problem.code == "file_unpacked_too_large" and dict(problem.params) == {"size": "2", "limit": "1"}


def test_a_part_packed_too_tightly_is_refused():
    content = zipped({"xl/worksheets/sheet1.xml": b"<row/>" * 400_000, "small.xml": b"a" * 1000})
    problem = refusal(lambda: check_zip(content)).problem
    assert problem.code == "file_packed_too_tightly"
    assert dict(problem.params)["part"] == "xl/worksheets/sheet1.xml" and dict(problem.params)["ratio"] > 100
    # Small parts may be packed as tightly as they like: they cannot fill anything.
    check_zip(zipped({"small.xml": b"a" * 100_000}))


def test_too_many_parts_are_refused():
    content = zipped({f"part{n}.xml": b"x" for n in range(30)})
    assert refusal(lambda: check_zip(content, Limits(parts=20))).code == "file_too_many_parts"


def test_file_kind_checks_the_zip_of_an_xlsx_and_of_a_renamed_one():
    content = zipped({"xl/worksheets/sheet1.xml": b"<row/>" * 400_000})
    assert refusal(lambda: file_kind("a.xlsx", content)).code == "file_packed_too_tightly"
    assert refusal(lambda: file_kind("a.csv", content)).code == "file_packed_too_tightly"


@pytest.mark.parametrize("name", ["a.csv", "a.xlsx"])
def test_rows_past_the_limit_are_refused_while_streaming(name):
    rows = [["房屋"], *([f"3-5-{n}"] for n in range(10))]
    content = xlsx(rows) if name.endswith("xlsx") else "\n".join(row[0] for row in rows).encode()
    assert len(cells(name, content, Limits(rows=11))) == 11
    stream = read_cells(name, content, Limits(rows=10))
    assert [number for number, _values in zip(range(10), stream, strict=False)] == list(range(10))
    assert refusal(lambda: next(stream)).problem == Problem(None, "", "file_too_many_rows", (("limit", "10"),))


def test_a_row_too_wide_and_a_cell_too_long_are_named():
    wide = refusal(lambda: cells("a.csv", b"a\n" + b"," * 300 + b"\n")).problem
    assert (wide.row, wide.code) == (2, "row_too_wide")
    long = refusal(lambda: cells("a.csv", b"a,b\nx," + "长".encode() * 3000)).problem
    assert (long.row, long.column, long.code, dict(long.params)["length"]) == (2, "B", "cell_too_long", 3000)


def test_every_reason_formats_with_its_params():
    params = {"size": "1", "limit": "2", "part": "p", "ratio": 3, "count": 4, "length": 5, "max": 6, "other": "o"}
    for code, text in MESSAGES.items():
        assert text % params, code


# --- Headings ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "key"),
    [
        (" 建筑面积（㎡） ", "建筑面积"),
        ("表决意见（同意/不同意/弃权）", "表决意见"),
        ("Room No.", "roomno"),
        ("*业主", "业主"),
        ("ＩＤ　Number", "idnumber"),
        ("单元/号", "单元号"),
    ],
)
def test_heading_key(heading, key):
    assert heading_key(heading) == key


FIELDS = heading_fields({"room": ("房号", "room"), "owner": ("业主", "owner name")})


def test_header_finds_columns_and_leaves_unknown_ones_to_the_import():
    header = Header(1, ("房号", None, "序号", "Owner Name"), FIELDS)
    assert header.columns == {"room": 0, "owner": 3} and header.unknown == ["序号"] and header.problems == []
    assert header.label("owner") == "Owner Name" and header.label("floor", "楼层") == "楼层"
    assert header.cell(("502", "", "1", "张伟"), "owner") == "张伟"
    assert header.cell(("502",), "owner") is None  # a short row


def test_header_problems_come_in_column_order():
    header = Header(2, ("房号", "签名", "room"), FIELDS, unknown=("header_unknown", (("known", "…"),)))
    assert [(p.row, p.column, p.code) for p in header.problems] == [
        (2, "签名", "header_unknown"),
        (2, "room", "header_twice"),
    ]
    assert dict(header.problems[1].params) == {"other": "房号"}


# --- Cells ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), ("  502 ", "502"), (502, "502"), (5.0, "5"), (89.5, "89.5"), (True, "1"), (False, "0")],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("value", [datetime.date(2024, 3, 5), datetime.datetime(2024, 3, 5, 1, 2), datetime.time(3)])
def test_a_date_is_what_excel_made_of_the_cell(value):
    with pytest.raises(CellError) as caught:
        cell_text(value)
    assert caught.value.code == "looks_like_date"


def test_plain_word_and_one_line():
    assert plain(" ３ 号楼 ") == "3号楼"
    assert word(" ＡＧＲＥＥ ") == "agree"
    assert one_line(" 张  三\n丰 ") == "张 三 丰"


def test_blank_rows_are_skipped_with_their_numbers_kept():
    rows = [(1, ("a",)), (2, (None, " ")), (3, ()), (4, ("", 0))]
    assert list(data_rows(rows)) == [(1, ("a",)), (4, ("", 0))]
    assert blank(None) and blank("  ") and not blank(0) and not blank("x")


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


# --- Problems ------------------------------------------------------------------------------------------------------


class SheetProblem(Problem):
    messages = {**MESSAGES, "file_type": "This sheet: .xlsx or .csv."}


def test_a_refusal_is_worded_by_the_importing_sheet():
    refused = refusal(lambda: file_kind("a.pdf", b"%PDF"))
    assert refused.problem.message() == MESSAGES["file_type"]
    assert SheetProblem.of(refused).message() == "This sheet: .xlsx or .csv."
    assert SheetProblem.of(refused).message(str.upper) == "THIS SHEET: .XLSX OR .CSV."


def test_problems_sort_file_first_then_by_row_keeping_column_order():
    problems = [Problem(3, "B", "too_long"), Problem(2, "C", "too_long"), Problem(None, "", "file_empty")]
    problems.append(Problem(2, "A", "too_long"))
    sort_problems(problems)
    assert [(p.row, p.column) for p in problems] == [(None, ""), (2, "C"), (2, "A"), (3, "B")]
