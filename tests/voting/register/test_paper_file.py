"""The paper ballot sheet parser and matcher (voting/paper_import.py): pure, no database."""

import codecs
import csv
import io

import openpyxl
import pytest

from voting.paper_import import HouseholdRef, location_key, match_rows, parse_ballots

HEADER = ["房屋", "表决意见", "方式", "受托人", "备注"]
ROWS = [
    ["3-5-502", "同意", "纸质", "", ""],
    ["3-5-501", "不同意", "", "", "本人签字"],
    ["3-5-402", "弃权", "委托", "李四", ""],
]


def csv_bytes(rows, encoding="utf-8", header=HEADER) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def problems_of(parsed):
    return [(p.row, p.column, p.code) for p in parsed.problems]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_csv_in_each_encoding(encoding):
    parsed = parse_ballots("ballots.csv", csv_bytes(ROWS, encoding))
    assert parsed.ok, problems_of(parsed)
    assert [(r.row, r.code, r.choice, r.channel, r.proxy_name) for r in parsed.rows] == [
        (2, "3-5-502", "agree", "paper", ""),
        (3, "3-5-501", "disagree", "paper", ""),
        (4, "3-5-402", "abstain", "proxy", "李四"),
    ]
    assert parsed.rows[1].note == "本人签字"


def test_csv_with_a_bom():
    data = codecs.BOM_UTF8 + csv_bytes(ROWS)
    parsed = parse_ballots("ballots.csv", data)
    assert parsed.ok and len(parsed.rows) == 3


def test_xlsx_with_english_headings_and_numbers_as_cells():
    rows = [["3-5-502", "Agree", "paper", None], ["3-5-501", "DISAGREE", "proxy", "Li Si"]]
    parsed = parse_ballots("ballots.xlsx", xlsx_bytes(rows, header=["household", "choice", "channel", "proxy_name"]))
    assert parsed.ok, problems_of(parsed)
    assert [(r.code, r.choice, r.channel) for r in parsed.rows] == [
        ("3-5-502", "agree", "paper"),
        ("3-5-501", "disagree", "proxy"),
    ]


def test_building_entrance_room_columns_instead_of_household():
    header = ["序号", "楼栋", "单元", "房号", "业主", "表决意见"]
    rows = [[1, "3号楼", "5单元", 502, "张三", "同意"], [2, 3, 5, "501室", "李四", "反对"]]
    parsed = parse_ballots("ballots.xlsx", xlsx_bytes(rows, header=header))
    assert parsed.ok, problems_of(parsed)
    assert [(r.location, r.choice) for r in parsed.rows] == [
        (("3", "5", "502"), "agree"),
        (("3", "5", "501"), "disagree"),
    ]
    assert parsed.ignored_columns == ["序号", "业主"]


def test_a_proxy_name_without_a_channel_means_proxy():
    parsed = parse_ballots("b.csv", csv_bytes([["3-5-502", "同意", "", "王五", ""]]))
    assert parsed.rows[0].channel == "proxy"


def test_every_problem_with_its_row_and_column():
    rows = [
        ["3-5-502", "同意", "", "", ""],  # row 2: fine
        ["", "同意", "", "", ""],  # row 3: no household
        ["三单元", "同意", "", "", ""],  # row 4: not a household
        ["3-5-501", "也许", "", "", ""],  # row 5: unknown choice
        ["3-5-402", "", "", "", ""],  # row 6: no choice
        ["3-5-401", "同意", "信鸽", "", ""],  # row 7: unknown channel
        ["3-5-302", "同意", "委托", "", ""],  # row 8: a proxy without a name
        ["3-5-301", "同意", "纸质", "赵六", ""],  # row 9: a name on a paper ballot
        [],  # row 10: empty, skipped but counted
        ["3号楼5单元502室", "不同意", "", "", ""],  # row 11: the same household as row 2
    ]
    parsed = parse_ballots("ballots.csv", csv_bytes(rows))
    assert problems_of(parsed) == [
        (3, "房屋", "household_empty"),
        (4, "房屋", "household_unreadable"),
        (5, "表决意见", "choice_unknown"),
        (6, "表决意见", "choice_empty"),
        (7, "方式", "channel_unknown"),
        (8, "受托人", "proxy_no_name"),
        (9, "方式", "proxy_on_paper"),
        (11, "房屋", "household_twice"),
    ]
    assert not parsed.ok and [r.row for r in parsed.rows] == [2]  # the readable rows, for the database check
    twice = parsed.problems[-1]
    assert twice.message() == "Household 3-5-502 is listed twice: it is already in row 2."


def test_header_problems():
    parsed = parse_ballots("b.csv", csv_bytes([["3", "同意"]], header=["楼栋", "意见"]))
    assert problems_of(parsed) == [(1, "", "header_no_household")]
    parsed = parse_ballots("b.csv", csv_bytes([["3-5-502", "同意"]], header=["房屋", "备注"]))
    assert problems_of(parsed) == [(1, "", "header_no_choice")]
    parsed = parse_ballots("b.csv", csv_bytes([["3-5-502", "同意", "同意"]], header=["房屋", "表决意见", "choice"]))
    assert problems_of(parsed) == [(1, "choice", "header_twice")]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("b.csv", b"", "file_empty"),
        ("b.csv", "房屋,表决意见\r\n".encode(), "file_no_rows"),
        ("b.pdf", b"%PDF-1.4", "file_type"),
        ("b.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "file_xls"),
        ("b.xlsx", b"PK\x03\x04broken", "file_damaged"),
    ],
)
def test_unreadable_files(name, content, code):
    parsed = parse_ballots(name, content)
    assert problems_of(parsed) == [(None, "", code)]


def test_a_date_from_excel_is_explained():
    import datetime

    parsed = parse_ballots("b.xlsx", xlsx_bytes([[datetime.datetime(2024, 3, 5), "同意"]], header=["房屋", "表决意见"]))
    assert problems_of(parsed) == [(2, "房屋", "looks_like_date")]


def test_location_keys_match_how_the_roster_writes_them():
    assert location_key("3号楼", "5单元", "502室") == location_key("3", "5", "502") == location_key("03", "05", "502")
    assert location_key("A座", "2", "301") == location_key("A", "2", "301")
    assert location_key("3", "5", "0502") != location_key("3", "5", "502")
    assert location_key("3", "5", "502a") == location_key("3", "5", "502A")


def test_match_rows_reports_unknown_outside_twice_and_split_owners():
    rows = parse_ballots(
        "b.csv",
        csv_bytes(
            [
                ["3-5-502", "同意", "", "", ""],  # 2: fine
                ["3-5-999", "同意", "", "", ""],  # 3: no such household
                ["4-1-101", "同意", "", "", ""],  # 4: outside the electorate
                ["3-5-501", "不同意", "", "", ""],  # 5: same owner as 3-5-502, other choice
                ["03-5-502", "同意", "", "", ""],  # 6: written differently, but 3-5-502 again — the parser catches it
            ]
        ),
    )
    assert problems_of(rows) == [(6, "房屋", "household_twice")]
    rows = parse_ballots(
        "b.csv",
        csv_bytes(
            [
                [*r[:2], "", "", ""]
                for r in (
                    ["3-5-502", "同意"],
                    ["3-5-999", "同意"],
                    ["4-1-101", "同意"],
                    ["3-5-501", "不同意"],
                    ["3-5-402", "同意"],
                )
            ]
        ),
    )
    households = {
        location_key("3", "5", "502"): HouseholdRef(1, "3-5-502", "owner-1"),
        location_key("3", "5", "501"): HouseholdRef(2, "3-5-501", "owner-1"),
        location_key("3", "5", "402"): HouseholdRef(3, "3-5-402", "owner-3"),
        location_key("4", "1", "101"): HouseholdRef(4, "4-1-101", None),
    }
    matched, problems = match_rows(rows.rows, households)
    assert [(p.row, p.column, p.code) for p in problems] == [
        (3, "房屋", "household_unknown"),
        (4, "房屋", "household_outside"),
        (5, "房屋", "owner_split"),
    ]
    assert problems[2].message() == (
        "3-5-501 and 3-5-502 (row 2) have the same owner but different choices: "
        "an owner with several flats counts as one head and has one choice."
    )
    assert [m.household.id for m in matched] == [1, 3]
