"""Reading a roster spreadsheet (.xlsx or .csv) into checked rows, without Django.

Every problem is collected with its spreadsheet row number (header = row 1) and the column heading as
written in the file, so a secretary can fix them all in one go. Raw ID numbers are hashed here and go no further.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

import openpyxl
from openpyxl.styles import Font

from core import spreadsheet
from core.identity import hash_id_number, normalize_id_number, normalize_phone
from core.spreadsheet import (
    LIMITS,
    CellError,
    Header,
    Limits,
    UnreadableFile,
    blank,
    cell_text,
    column_letter,
    data_rows,
    heading_fields,
    one_line,
    plain,
    read_cells,
    sort_problems,
)

# The fields of a roster row, in the order of the template.
FIELDS = ("building", "entrance", "room", "floor", "area", "owner", "phone", "id_number", "developer_held")
REQUIRED = ("building", "entrance", "room", "floor", "area", "owner")
# The heading each field has in the template (and in messages about a column that is missing).
HEADINGS = {
    "building": "楼栋",
    "entrance": "单元",
    "room": "房号",
    "floor": "楼层",
    "area": "建筑面积",
    "owner": "业主",
    "phone": "手机号",
    "id_number": "证件号",
    "developer_held": "开发商持有",
}
# Headings people actually write. Compared after _heading_key(): lower case, no spaces, no "(m²)" or "*".
_SYNONYMS = {
    "building": ("楼栋", "楼号", "楼栋号", "栋号", "楼", "栋", "幢", "楼幢", "幢号", "building", "bldg", "buildingno"),
    "entrance": ("单元", "单元号", "entrance", "unit", "stairwell", "entranceno", "unitno"),
    "room": ("房号", "房间号", "室", "室号", "房间", "门牌号", "户号", "room", "roomno", "roomnumber"),
    "floor": ("楼层", "层", "所在楼层", "层数", "floor", "floorno"),
    "area": ("建筑面积", "面积", "房屋面积", "产权面积", "area", "floorarea", "grossarea"),
    "owner": ("业主", "业主姓名", "姓名", "产权人", "业主名称", "owner", "name", "ownername"),
    "phone": ("手机号", "手机", "手机号码", "电话", "联系电话", "电话号码", "联系方式", "phone", "mobile", "phoneno"),
    "id_number": ("证件号", "证件号码", "身份证号", "身份证", "身份证号码", "id", "idnumber", "idno"),
    "developer_held": ("开发商持有", "开发商", "developerheld", "developer"),
}
_HEADING_FIELD = heading_fields(_SYNONYMS)
KNOWN_HEADINGS = "、".join(f"{HEADINGS[name]}/{name}" for name in FIELDS)

# Reasons, in English: the shared ones of every spreadsheet and the roster's. The Django side translates them
# (locale parts/import.po) and fills in the params.
MESSAGES = {
    **spreadsheet.MESSAGES,
    "file_type": "Gongyi reads .xlsx and .csv files only. Save the roster as .xlsx (Excel or WPS) or .csv.",
    "file_no_rows": "The file has a header row but no households under it.",
    "header_unknown": "Unknown column heading. Known headings: %(known)s.",
    "header_missing": "Required columns are missing: %(columns)s.",
    "header_no_identity": "Add a column “手机号” (mobile number) or “证件号” (ID number): owners are never matched on their name alone.",  # noqa: E501
    "header_blank": "This column has values but no heading in row 1.",
    "required": "This cell is empty; it is required.",
    "area_not_number": "Not an area in square metres (for example 89.5 or 89.5㎡).",
    "area_not_positive": "The area must be greater than 0.",
    "area_decimals": "The area has more than 2 decimal places. Give it as registered, for example 89.57.",
    "area_too_large": "This area is too large for one household.",
    "floor_not_whole": "The floor must be a whole number (for example 5, or -1 for a basement).",
    "floor_range": "The floor must be between -5 and 200, and not 0.",
    "phone_invalid": "Not a mainland mobile number (11 digits starting with 1).",
    "id_check_digit": "The last character (the check digit) of this resident ID number is wrong.",
    "id_invalid": "Not an ID number (an 18-character resident ID, or 5 to 20 letters and digits for another document).",
    "no_identity": "Give a mobile number or an ID number: owners are never matched on their name alone.",
    "room_twice": "Room %(room)s is listed twice: it is already in row %(first_row)s.",
    "id_two_names": "The same ID number is given for “%(other)s” in row %(first_row)s.",
    "phone_two_names": "The same mobile number is given for “%(other)s” in row %(first_row)s, and neither row has an ID number. Add the ID numbers to tell the two owners apart.",  # noqa: E501
    "flag_unknown": "Not understood. Write 是 or 否 (also yes/no, 1/0); an empty cell means no.",
}

MAX_LENGTH = {"building": 30, "entrance": 30, "room": 20, "owner": 100}
MIN_FLOOR, MAX_FLOOR = -5, 200
MAX_AREA = Decimal("99999999.99")  # what Household.area (10 digits, 2 places) holds
_CENT = Decimal("0.01")


class Problem(spreadsheet.Problem):
    """One thing to fix in a roster file: row (None: the whole file), column heading, reason."""

    messages = MESSAGES


@dataclass(frozen=True, slots=True)
class RosterRow:
    """A checked row. owner_key says who owns it: ("id", hash), ("phone", number) or ("developer", "")."""

    row: int
    building: str
    entrance: str
    room: str
    floor: int
    area: Decimal
    owner: str
    phone: str
    id_hash: str
    developer_held: bool
    owner_key: tuple[str, str]

    @property
    def code(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}"


@dataclass
class OwnerSpec:
    """An owner as the file describes them: the name on their first row, the first phone given."""

    key: tuple[str, str]
    name: str
    phone: str
    id_hash: str
    first_row: int


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    owners: dict[tuple[str, str], OwnerSpec] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- Cells ------------------------------------------------------------------------------------------------------


_SPACES = re.compile(r"\s+")


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _chinese_number(text: str) -> int | None:
    """一 … 九十九 as written on doors ("十二号楼"); None when it is not such a number."""
    if not text or any(char not in _CN_DIGITS and char != "十" for char in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


_BUILDING = re.compile(r"^第?(\d+|[零〇一二两三四五六七八九十]+)(号楼|号栋|号幢|号|栋|幢|楼)?$")
_ENTRANCE = re.compile(r"^第?(\d+|[零〇一二两三四五六七八九十]+)(单元|号单元|门)?$")


def _numbered(text: str, pattern: re.Pattern) -> str:
    match = pattern.match(text)
    if not match:
        return text
    number = match.group(1)
    value = int(number) if number.isdigit() else _chinese_number(number)
    return text if value is None else str(value)


def building_name(value) -> str:
    """ "3", "3号楼", "3栋", "3幢", "三号楼" → "3"; a name like "A座" stays as given."""
    return _numbered(plain(value), _BUILDING)


def entrance_name(value) -> str:
    """ "5", "5单元", "五单元" → "5"."""
    return _numbered(plain(value), _ENTRANCE)


def room_name(value) -> str:
    """ "502", "502室" → "502"; "0502" stays "0502" (leading zeros may be how the building numbers doors)."""
    text = plain(value)
    for suffix in ("室", "号房", "号"):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


_AREA_UNITS = ("平方米", "平米", "平方", "sqm", "m2")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_area(value) -> Decimal:
    """89.5, "89.5㎡", "89.50 m2", "89.5平方米" → Decimal("89.50"); never rounds away a third decimal."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = cell_text(value)
    else:
        text = plain(value).lower()
        for unit in _AREA_UNITS:
            if text.endswith(unit):
                text = text[: -len(unit)]
                break
    if not _NUMBER.match(text):
        raise CellError("area_not_number")
    try:
        area = Decimal(text)
    except InvalidOperation as exc:
        raise CellError("area_not_number") from exc
    if area <= 0:
        raise CellError("area_not_positive")
    if area != area.quantize(_CENT):
        raise CellError("area_decimals")
    if area > MAX_AREA:
        raise CellError("area_too_large")
    return area.quantize(_CENT)


_FLOOR = re.compile(r"^([+-]?\d+)(\.0+)?(层|楼|f)?$")
_BASEMENT = re.compile(r"^(b|地下|负)(\d+)(层|楼|f)?$")


def parse_floor(value) -> int:
    """5, 5.0, "5", "5层", "5F" → 5; "-1", "B1", "地下1层" → -1."""
    if isinstance(value, float) and not value.is_integer():
        raise CellError("floor_not_whole")
    text = plain(value).lower()
    match = _FLOOR.match(text)
    if match:
        floor = int(match.group(1))
    else:
        basement = _BASEMENT.match(text)
        if not basement:
            raise CellError("floor_not_whole")
        floor = -int(basement.group(2))
    if floor == 0 or not MIN_FLOOR <= floor <= MAX_FLOOR:
        raise CellError("floor_range")
    return floor


_YES = {"是", "yes", "y", "1", "true", "t", "√", "✓", "开发商持有", "开发商"}
_NO = {"", "否", "no", "n", "0", "false", "f", "×", "x", "-", "—"}


def parse_flag(value) -> bool:
    text = plain(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError("flag_unknown")


def parse_phone(value) -> str:
    text = cell_text(value)
    if not text:
        return ""
    try:
        return normalize_phone(unicodedata.normalize("NFKC", text))
    except ValueError as exc:
        raise CellError("phone_invalid") from exc


def parse_id_number(value) -> str:
    """The normalised ID number ("" when the cell is empty). The caller hashes it at once."""
    text = unicodedata.normalize("NFKC", cell_text(value))
    if not text:
        return ""
    try:
        return normalize_id_number(text)
    except ValueError as exc:
        compact = re.sub(r"\s", "", text)
        code = "id_check_digit" if len(compact) == 18 and compact[:17].isdigit() else "id_invalid"
        raise CellError(code) from exc


def owner_name(value) -> str:
    return one_line(value)


# --- The whole roster -------------------------------------------------------------------------------------------


def _same_name(a: str, b: str) -> bool:
    return a == b or _SPACES.sub("", a) == _SPACES.sub("", b)


class _Header(Header):
    """Which column holds which field; the problems of the header row itself (an unknown heading is one)."""

    def __init__(self, number: int, values: tuple):
        unknown = ("header_unknown", (("known", KNOWN_HEADINGS),))
        super().__init__(number, values, _HEADING_FIELD, Problem, unknown=unknown)
        missing = [name for name in REQUIRED if name not in self.columns]
        if missing:
            columns = "、".join(HEADINGS[name] for name in missing)
            self.problems.append(Problem(number, "", "header_missing", (("columns", columns),)))
        if "phone" not in self.columns and "id_number" not in self.columns:
            self.problems.append(Problem(number, "", "header_no_identity"))


def parse_roster(filename: str, content: bytes, *, id_hash_key: str, limits: Limits = LIMITS) -> ParsedRoster:
    """Read and check every row; collect every problem. `rows` is meaningful only when there are no problems.

    A file refused as a whole (wrong kind, damaged, past `limits`) says so first.
    """
    result = ParsedRoster()
    try:
        _parse_into(result, read_cells(filename, content, limits), id_hash_key)
    except UnreadableFile as exc:
        result.problems.insert(0, Problem.of(exc))
    if result.problems:
        result.rows.clear()
        result.owners.clear()
        sort_problems(result.problems)
    return result


def _parse_into(result: ParsedRoster, cells: Iterator[tuple[int, tuple]], id_hash_key: str) -> None:
    problems = result.problems
    header: _Header | None = None
    first_room: dict[tuple[str, str, str], int] = {}
    first_id: dict[str, tuple[int, str]] = {}
    phone_only: list[tuple[int, str, str]] = []  # (index in rows, phone, name) of rows with a phone and no ID
    blank_columns_reported: set[int] = set()
    for number, values in data_rows(cells):
        if header is None:
            header = _Header(number, values)
            problems.extend(header.problems)
            continue
        for index, value in enumerate(values):
            if index not in header.labels and index not in blank_columns_reported and not blank(value):
                blank_columns_reported.add(index)
                problems.append(Problem(header.row, column_letter(index), "header_blank"))
        row, location = _parse_row(number, values, header, problems, id_hash_key)
        if location is not None:
            if location in first_room:
                params = (("room", "-".join(location)), ("first_row", first_room[location]))
                problems.append(Problem(number, header.label("room"), "room_twice", params))
                continue
            first_room[location] = number
        if row is None:
            continue
        if row.id_hash and not row.developer_held:
            seen = first_id.setdefault(row.id_hash, (number, row.owner))
            if not _same_name(seen[1], row.owner):
                params = (("other", seen[1]), ("first_row", seen[0]))
                problems.append(Problem(number, header.label("owner"), "id_two_names", params))
                continue
        elif row.phone and not row.developer_held:
            phone_only.append((len(result.rows), row.phone, row.owner))
        result.rows.append(row)
    if header is None:
        raise UnreadableFile("file_empty")
    if not result.rows and not problems:
        raise UnreadableFile("file_no_rows")
    if not problems:
        _assign_owners(result, phone_only, header)


_CELL_PARSERS: dict[str, Callable] = {
    "building": building_name,
    "entrance": entrance_name,
    "room": room_name,
    "floor": parse_floor,
    "area": parse_area,
    "owner": owner_name,
    "phone": parse_phone,
    "id_number": parse_id_number,
    "developer_held": parse_flag,
}


def _parse_row(
    number: int, values: tuple, header: _Header, problems: list[Problem], key: str
) -> tuple[RosterRow | None, tuple[str, str, str] | None]:
    """One data row → (RosterRow or None after appending its problems, its (building, entrance, room) if readable).

    Every bad cell is reported, not just the first; the location lets the caller spot a room listed twice even
    when something else in the row is wrong too.
    """
    parsed: dict[str, object] = {}
    bad: set[str] = set()
    width = len(values)
    for name, index in header.columns.items():
        value = values[index] if index < width else None
        if blank(value):
            if name in REQUIRED:
                problems.append(Problem(number, header.labels[index], "required"))
                bad.add(name)
            continue
        try:
            parsed[name] = _CELL_PARSERS[name](value)
        except CellError as exc:
            problems.append(Problem(number, header.labels[index], exc.code, exc.params))
            bad.add(name)
            continue
        if name in MAX_LENGTH and len(parsed[name]) > MAX_LENGTH[name]:
            problems.append(Problem(number, header.labels[index], "too_long", (("max", MAX_LENGTH[name]),)))
            bad.add(name)
    developer_held = bool(parsed.get("developer_held", False))
    phone = parsed.get("phone", "")
    id_number = parsed.get("id_number", "")
    identity_columns = [name for name in ("phone", "id_number") if name in header.columns]
    if (
        identity_columns
        and not developer_held
        and "developer_held" not in bad
        and not phone
        and not id_number
        and not bad.intersection(identity_columns)
    ):
        problems.append(Problem(number, header.label(identity_columns[0]), "no_identity"))
        bad.add("phone")
    location = None
    if all(name in parsed and name not in bad for name in ("building", "entrance", "room")):
        location = (parsed["building"], parsed["entrance"], parsed["room"])
    if bad or not identity_columns or any(name not in header.columns for name in REQUIRED):
        return None, location
    id_hash = hash_id_number(id_number, key) if id_number else ""
    if developer_held:
        owner_key = ("developer", "")
    elif id_hash:
        owner_key = ("id", id_hash)
    else:
        owner_key = ("phone", phone)
    row = RosterRow(
        row=number,
        building=parsed["building"],
        entrance=parsed["entrance"],
        room=parsed["room"],
        floor=parsed["floor"],
        area=parsed["area"],
        owner=parsed["owner"],
        phone=phone,
        id_hash=id_hash,
        developer_held=developer_held,
        owner_key=owner_key,
    )
    return row, location


def _assign_owners(result: ParsedRoster, phone_only: list[tuple[int, str, str]], header: _Header) -> None:
    """Group rows by owner. A row with a phone and no ID belongs to the ID owner with that phone and name, if any."""
    rows = result.rows
    id_owner_by_phone: dict[str, list[RosterRow]] = {}
    for row in rows:
        if row.owner_key[0] == "id" and row.phone:
            id_owner_by_phone.setdefault(row.phone, []).append(row)
    first_phone: dict[str, tuple[int, str]] = {}
    for index, phone, name in phone_only:
        row = rows[index]
        same_person = {r.owner_key for r in id_owner_by_phone.get(phone, ()) if _same_name(r.owner, name)}
        if len(same_person) == 1:
            rows[index] = _with_key(row, same_person.pop())
            continue
        seen = first_phone.setdefault(phone, (row.row, name))
        if not _same_name(seen[1], name):
            params = (("other", seen[1]), ("first_row", seen[0]))
            result.problems.append(Problem(row.row, header.label("owner"), "phone_two_names", params))
    if result.problems:
        return
    owners = result.owners
    for row in rows:
        spec = owners.get(row.owner_key)
        if row.developer_held:
            # The developer is named by its first row; phones on such rows may be a buyer's, so none is kept.
            if spec is None:
                owners[row.owner_key] = OwnerSpec(row.owner_key, row.owner, "", "", row.row)
        elif spec is None:
            owners[row.owner_key] = OwnerSpec(row.owner_key, row.owner, row.phone, row.id_hash, row.row)
        elif not spec.phone and row.phone:
            spec.phone = row.phone


def _with_key(row: RosterRow, owner_key: tuple[str, str]) -> RosterRow:
    return replace(row, owner_key=owner_key)


# --- The template offered for download --------------------------------------------------------------------------

TEMPLATE_ROWS = (
    ("3", "5", "502", 5, "89.50", "张伟", "13812345678", "", "否"),
    ("3", "5", "501", 5, "76.30", "李娜", "13912345678", "", "否"),
    ("3", "5", "402", 4, "89.50", "张伟", "13812345678", "", "否"),
    ("3", "5", "401", 4, "76.30", "某某置业有限公司", "", "", "是"),
)


def template_csv() -> bytes:
    """The template as CSV in UTF-8 with a BOM, so that Excel on Windows opens it with the Chinese intact."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADINGS[name] for name in FIELDS])
    writer.writerows(TEMPLATE_ROWS)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The template as .xlsx, with the room, phone and ID columns formatted as text so Excel keeps "0502"."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    sheet.append([HEADINGS[name] for name in FIELDS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in TEMPLATE_ROWS:
        sheet.append([float(value) if index == 4 else value for index, value in enumerate(values)])
    for index, name in enumerate(FIELDS):
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = {"owner": 20, "phone": 16, "id_number": 22}.get(name, 11)
        if name in ("building", "entrance", "room", "phone", "id_number"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1, max_row=200):
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
