"""Reading and checking roster files without a database: encodings, headings, cells, every problem."""

import codecs
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from community.roster_file import (
    HEADINGS,
    MESSAGES,
    building_name,
    entrance_name,
    parse_area,
    parse_floor,
    parse_roster,
    room_name,
    template_csv,
    template_xlsx,
)
from tests.fixtures.rosters import HEADER, ID_A, ID_B, PROBLEM_CASES, ROWS, csv_bytes, edited, xlsx_bytes

KEY = "test-key"


def parse(content: bytes, filename: str = "roster.csv"):
    return parse_roster(filename, content, id_hash_key=KEY)


def found(result) -> list[tuple]:
    return [(problem.row, problem.column, problem.code) for problem in result.problems]


def codes_of(rows):
    return [row.code for row in rows]


# --- Encodings and formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_each_encoding(encoding):
    result = parse(csv_bytes(ROWS, encoding=encoding))
    assert result.ok, found(result)
    assert codes_of(result.rows) == ["3-5-502", "3-5-501", "3-5-402", "3-5-401", "3-5-302", "3-6-101"]
    assert result.rows[0].owner == "张伟"
    assert result.rows[4].owner == "某某置业有限公司"


def test_gb18030_is_really_not_utf8():
    # Otherwise the test above would pass through the UTF-8 path.
    content = csv_bytes(ROWS, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")


def test_csv_with_a_bom_keeps_the_first_heading():
    content = csv_bytes(ROWS, encoding="utf-8-sig")
    assert content.startswith(codecs.BOM_UTF8)
    result = parse(content)
    assert result.ok and result.rows[0].building == "3"


def test_tab_separated_text():
    result = parse(csv_bytes(ROWS, delimiter="\t"), "roster.txt")
    assert result.ok and len(result.rows) == 6


def test_xlsx_with_numbers_as_excel_stores_them():
    result = parse(xlsx_bytes(ROWS), "名册.xlsx")
    assert result.ok, found(result)
    first = result.rows[0]
    assert (first.room, first.floor, first.area, first.phone) == ("502", 5, Decimal("89.50"), "13812345678")
    assert result.rows[5].area == Decimal("120.05")


def test_xlsx_cells_of_every_type():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([3, 5, 502, 5.0, 89.5, "张伟", 13812345678, None, False])
    sheet.append(["3号楼", "5单元", "0501", -1, 76, "李娜", "139 1234 5678", None, True])
    out = io.BytesIO()
    workbook.save(out)
    result = parse(out.getvalue(), "r.xlsx")
    assert result.ok, found(result)
    a, b = result.rows
    assert (a.building, a.entrance, a.room, a.floor, a.area, a.developer_held) == (
        "3",
        "5",
        "502",
        5,
        Decimal("89.50"),
        False,
    )
    assert (b.building, b.entrance, b.room, b.floor, b.area, b.developer_held) == (
        "3",
        "5",
        "0501",
        -1,
        Decimal("76.00"),
        True,
    )
    assert b.phone == "13912345678"


def test_xlsx_rows_are_numbered_as_in_the_sheet_even_after_empty_rows():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    sheet.append([])
    sheet.append([])
    sheet.append(edited(ROWS, 1, area="abc")[1])
    out = io.BytesIO()
    workbook.save(out)
    assert found(parse(out.getvalue(), "r.xlsx")) == [(5, "建筑面积", "area_not_number")]


def test_a_date_in_an_xlsx_cell_is_explained():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["3", "5", datetime.datetime(2024, 5, 2), 5, 89.5, "张伟", "13812345678", None, None])
    out = io.BytesIO()
    workbook.save(out)
    assert found(parse(out.getvalue(), "r.xlsx")) == [(2, "房号", "looks_like_date")]


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("roster.pdf", b"%PDF-1.4 ...", "file_type"),
        ("roster.docx", b"PK\x03\x04 ...", "file_type"),
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "file_xls"),
        ("roster.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "file_xls"),  # password-protected
        ("roster.xlsx", b"not a zip at all", "file_damaged"),
        ("roster.xlsx", b"PK\x03\x04 truncated", "file_damaged"),
        ("roster.csv", b"", "file_empty"),
        ("roster.csv", b"\n\n ,,\n", "file_empty"),
        ("roster.csv", "楼栋,单元,房号,楼层,建筑面积,业主,手机号\n".encode(), "file_no_rows"),
    ],
)
def test_unreadable_files(filename, content, code):
    result = parse(content, filename)
    assert found(result) == [(None, "", code)]
    assert result.rows == []


def test_an_xlsx_renamed_to_csv_is_read_as_xlsx():
    assert parse(xlsx_bytes(ROWS), "roster.csv").ok


# --- Headings ----------------------------------------------------------------------------------------------------


def test_english_headings_in_any_order_and_case():
    header = [" Owner ", "PHONE", "room", "Floor", "Area", "Entrance", "building", "ID_Number", "developer held"]
    order = [5, 6, 2, 3, 4, 1, 0, 7, 8]
    rows = [[row[i] for i in order] for row in ROWS]
    result = parse(csv_bytes(rows, header=header))
    assert result.ok, found(result)
    assert [(r.code, r.floor, r.area, r.owner) for r in result.rows] == [
        (r.code, r.floor, r.area, r.owner) for r in parse(csv_bytes(ROWS)).rows
    ]


def test_synonyms_and_units_in_headings():
    header = ["楼号", "单元号", "房间号", "层", "建筑面积（㎡）", "业主姓名", "联系电话", "身份证号", "开发商持有*"]
    result = parse(csv_bytes(ROWS, header=header))
    assert result.ok, found(result)


def test_optional_columns_may_be_left_out():
    rows = [row[:7] for row in ROWS if row[8] != "是"]
    result = parse(csv_bytes(rows, header=HEADER[:7]))
    assert result.ok and not any(row.developer_held for row in result.rows)


def test_unknown_heading_is_row_1_with_its_column():
    result = parse(csv_bytes([[*row, "x"] for row in ROWS], header=[*HEADER, "备注"]))
    assert found(result) == [(1, "备注", "header_unknown")]
    assert "楼栋/building" in result.problems[0].message()


def test_missing_required_headings_are_named():
    header = ["楼栋", "单元", "业主", "手机号"]
    result = parse(csv_bytes([["3", "5", "张伟", "13812345678"]], header=header))
    assert found(result) == [(1, "", "header_missing")]
    assert "房号、楼层、建筑面积" in result.problems[0].message()


def test_a_heading_twice():
    result = parse(csv_bytes([[*row, row[4]] for row in ROWS], header=[*HEADER, "面积"]))
    assert found(result) == [(1, "面积", "header_twice")]


def test_neither_phone_nor_id_column():
    result = parse(csv_bytes([row[:6] for row in ROWS], header=HEADER[:6]))
    assert found(result) == [(1, "", "header_no_identity")]


def test_values_in_a_column_without_heading():
    rows = [*ROWS[:2], [*ROWS[2], "多出来的"]]
    result = parse(csv_bytes(rows))
    assert found(result) == [(1, "J", "header_blank")]


def test_the_header_is_the_first_non_empty_row_and_numbering_follows_the_sheet():
    content = b"\n" + csv_bytes(edited(ROWS, 1, floor="five"))
    assert found(parse(content)) == [(4, "楼层", "floor_not_whole")]


# --- Cells -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [("3", "3"), ("3号楼", "3"), ("3栋", "3"), ("3幢", "3"), ("３号楼", "3"), ("03", "3"), ("十二号楼", "12"),
     ("第3栋", "3"), ("A座", "A座"), ("商业楼", "商业楼"), (" 3 号楼 ", "3"), (3, "3")],
)  # fmt: skip
def test_building_names(raw, name):
    assert building_name(raw) == name


@pytest.mark.parametrize(("raw", "name"), [("5", "5"), ("5单元", "5"), ("五单元", "5"), (5, "5"), ("东", "东")])
def test_entrance_names(raw, name):
    assert entrance_name(raw) == name


@pytest.mark.parametrize(
    ("raw", "name"), [("502", "502"), ("0502", "0502"), (" 502 ", "502"), ("502室", "502"), (502, "502")]
)
def test_room_names(raw, name):
    assert room_name(raw) == name


@pytest.mark.parametrize(
    ("raw", "area"),
    [("89.5", "89.50"), ("89.5㎡", "89.50"), ("89.50 m2", "89.50"), ("89.5m²", "89.50"), ("89.5平方米", "89.50"),
     ("89.5 平米", "89.50"), ("89.500", "89.50"), (89.5, "89.50"), (90, "90.00"), ("１２０．０５", "120.05"),
     (120.05, "120.05")],
)  # fmt: skip
def test_areas_with_units(raw, area):
    assert parse_area(raw) == Decimal(area)
    assert parse_area(raw).as_tuple().exponent == -2


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2))
def test_any_area_with_two_places_reads_back_exactly(area):
    assert parse_area(f"{area}㎡") == area
    assert parse_area(float(area)) == area


@pytest.mark.parametrize(
    ("raw", "floor"),
    [("5", 5), (5, 5), (5.0, 5), ("5.0", 5), ("5层", 5), ("5F", 5), ("-1", -1), ("B1", -1), ("地下2层", -2)],
)
def test_floors(raw, floor):
    assert parse_floor(raw) == floor


def test_template_files_read_cleanly():
    assert template_csv().decode("utf-8-sig").splitlines()[0].split(",") == list(HEADINGS.values()) == HEADER
    for filename, content in (("t.xlsx", template_xlsx()), ("t.csv", template_csv())):
        result = parse(content, filename)
        assert result.ok, found(result)
        assert len(result.rows) == 4 and len(result.owners) == 3


# --- Every problem, with its row and column -------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "expected"), [case[1:] for case in PROBLEM_CASES], ids=[c[0] for c in PROBLEM_CASES])
def test_each_problem_has_its_row_and_column(rows, expected):
    result = parse(csv_bytes(rows))
    assert found(result) == expected
    assert result.rows == [] and result.owners == {}
    assert result.problems[0].message()  # every code has a reason


def test_every_problem_is_collected_not_just_the_first():
    rows = [
        *edited(ROWS, 1, area="-1", floor="x", phone="123")[:2],
        ["3", "5", "502", "5", "89.5", "重复", "13500000000", "", ""],
        ["", "5", "", "", "", "", "", "", "?"],
    ]
    assert found(parse(csv_bytes(rows))) == [
        (3, "楼层", "floor_not_whole"),
        (3, "建筑面积", "area_not_positive"),
        (3, "手机号", "phone_invalid"),
        (4, "房号", "room_twice"),
        (5, "楼栋", "required"),
        (5, "房号", "required"),
        (5, "楼层", "required"),
        (5, "建筑面积", "required"),
        (5, "业主", "required"),
        (5, "开发商持有", "flag_unknown"),
    ]


def test_room_listed_twice_points_at_the_first_row():
    rows = [*ROWS, ["3", "5", "402", "4", "89.5", "张伟", "13812345678", "", ""]]
    (problem,) = parse(csv_bytes(rows)).problems
    assert problem.message() == "Room 3-5-402 is listed twice: it is already in row 4."


def test_columns_are_named_as_in_the_file():
    header = ["Building", "Entrance", "Room", "Floor", "Area", "Owner", "Phone", "ID number", "Developer held"]
    result = parse(csv_bytes(edited(ROWS, 0, area="?"), header=header))
    assert found(result) == [(2, "Area", "area_not_number")]


def test_empty_rows_are_skipped_and_do_not_count_as_problems():
    rows = [ROWS[0], ["", "", "", "", "", "", "", "", ""], ROWS[1]]
    result = parse(csv_bytes(rows))
    assert result.ok and [row.row for row in result.rows] == [2, 4]


def test_every_reason_formats():
    params = {"known": "k", "columns": "c", "other": "o", "max": 3, "room": "3-5-502", "first_row": 2}
    # The file limits shared with every import (core.spreadsheet).
    params |= {"size": "2,048", "limit": 100, "part": "xl/worksheets/sheet1.xml", "ratio": 1000, "count": 5000}
    params |= {"length": 5000}
    for code, text in MESSAGES.items():
        assert text % params, code


# --- Owners --------------------------------------------------------------------------------------------------------


def test_same_name_different_phones_are_two_owners():
    rows = [ROWS[0], edited(ROWS, 1, owner="张伟")[1]]
    result = parse(csv_bytes(rows))
    assert result.ok
    assert len(result.owners) == 2


def test_same_phone_on_two_rows_is_one_owner():
    result = parse(csv_bytes(ROWS))
    keys = {row.code: row.owner_key for row in result.rows}
    assert keys["3-5-502"] == keys["3-5-402"] == ("phone", "13812345678")


def test_id_numbers_are_hashed_never_kept():
    result = parse(csv_bytes(ROWS))
    owner = result.rows[3]
    assert owner.owner_key[0] == "id" and len(owner.id_hash) == 64
    assert ID_A not in repr(result)


def test_a_row_without_id_joins_the_owner_with_that_phone_and_name():
    rows = [edited(ROWS, 0, id_number=ID_B)[0], ROWS[2]]
    result = parse(csv_bytes(rows))
    assert result.ok
    assert result.rows[0].owner_key == result.rows[1].owner_key == ("id", result.rows[0].id_hash)


def test_developer_rows_need_no_phone_and_share_one_owner():
    rows = [ROWS[4], ["3", "5", "301", "3", "76.3", "某某置业", "", "", "是"]]
    result = parse(csv_bytes(rows))
    assert result.ok
    assert {row.owner_key for row in result.rows} == {("developer", "")}
    assert result.owners[("developer", "")].name == "某某置业有限公司"  # the first developer row names it
