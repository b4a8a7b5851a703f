"""Reading a spreadsheet of paper ballots (.xlsx or .csv) and matching it to a proposal's households, without Django.

Every problem carries the spreadsheet row (header = row 1) and the column heading as written in the file, so the
secretary can fix them all in one go. voting.paper_services feeds match_rows() with the households from the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from community.roster_file import building_name, entrance_name, room_name
from community.search import parse_household_query
from core import spreadsheet
from core.spreadsheet import (
    LIMITS,
    CellError,
    Header,
    Limits,
    UnreadableFile,
    blank,
    cell_text,
    data_rows,
    heading_fields,
    one_line,
    read_cells,
    sort_problems,
    word,
)

FIELDS = ("household", "building", "entrance", "room", "choice", "channel", "proxy_name", "note")
# The heading each field has in the template and in messages about a missing column.
HEADINGS = {
    "household": "房屋",
    "building": "楼栋",
    "entrance": "单元",
    "room": "房号",
    "choice": "表决意见",
    "channel": "方式",
    "proxy_name": "受托人",
    "note": "备注",
}
# Headings people write, compared after _heading_key(): lower case, no spaces, no "(...)" or "*".
_SYNONYMS = {
    "household": ("房屋", "房屋编号", "房屋号", "住户", "户", "household", "flat", "house", "home"),
    "building": ("楼栋", "楼号", "楼栋号", "栋号", "楼", "栋", "幢", "楼幢", "building", "bldg"),
    "entrance": ("单元", "单元号", "entrance", "unit", "stairwell"),
    "room": ("房号", "房间号", "室", "室号", "门牌号", "room", "roomno", "roomnumber"),
    "choice": ("表决意见", "意见", "表决", "表决结果", "选择", "choice", "vote", "opinion"),
    "channel": ("方式", "表决方式", "投票方式", "渠道", "channel", "method"),
    "proxy_name": ("受托人", "受托人姓名", "代理人", "proxy", "proxyname"),
    "note": ("备注", "说明", "note", "notes", "remark", "remarks", "comment"),
}
_HEADING_FIELD = heading_fields(_SYNONYMS)

AGREE, DISAGREE, ABSTAIN = "agree", "disagree", "abstain"
PAPER, PROXY = "paper", "proxy"
_CHOICES = {
    "同意": AGREE,
    "赞成": AGREE,
    "agree": AGREE,
    "不同意": DISAGREE,
    "反对": DISAGREE,
    "disagree": DISAGREE,
    "弃权": ABSTAIN,
    "abstain": ABSTAIN,
}
_CHANNELS = {
    "": PAPER,
    "纸质": PAPER,
    "纸质票": PAPER,
    "纸票": PAPER,
    "书面": PAPER,
    "paper": PAPER,
    "paperballot": PAPER,
    "委托": PROXY,
    "委托投票": PROXY,
    "代理": PROXY,
    "proxy": PROXY,
}
MAX_LENGTH = {"proxy_name": 60, "note": 200}

# Reasons, in English: the shared ones of every spreadsheet (core.spreadsheet) and the ballot sheet's. The Django
# side translates them (locale part parts/register.po) and fills in the params.
MESSAGES = {
    **spreadsheet.MESSAGES,
    "file_type": "Gongyi reads .xlsx and .csv files only. Save the ballot sheet as .xlsx (Excel or WPS) or .csv.",
    "file_no_rows": "The file has a header row but no ballots under it.",
    "header_no_household": "Add a column “房屋” (for example 3-5-502), or the three columns “楼栋”, “单元” and “房号”.",
    "header_no_choice": "Add a column “表决意见” with 同意, 不同意 or 弃权 on every row.",
    "household_empty": "This cell is empty; write the household, for example 3-5-502.",
    "household_unreadable": "Not a household: write building-entrance-room, for example 3-5-502.",
    "household_unknown": "There is no household %(household)s in this community.",
    "household_outside": "Household %(household)s is not in the electorate of this proposal.",
    "household_twice": "Household %(household)s is listed twice: it is already in row %(first_row)s.",
    "choice_empty": "This cell is empty; write 同意, 不同意 or 弃权.",
    "choice_unknown": "Not a choice: write 同意, 不同意 or 弃权 (or agree, disagree, abstain).",
    "channel_unknown": "Not a channel: write 纸质 or 委托 (or paper, proxy); an empty cell means paper.",
    "proxy_no_name": "A proxy ballot needs the name of the proxy (column “受托人”).",
    "proxy_on_paper": "A proxy is named but the channel is paper: write 委托, or leave the name out.",
    "owner_split": "%(household)s and %(other)s (row %(first_row)s) have the same owner but different choices: an owner with several flats counts as one head and has one choice.",  # noqa: E501
}


class Problem(spreadsheet.Problem):
    """One thing to fix in a ballot sheet: row (None: the whole file), column heading, reason."""

    messages = MESSAGES


@dataclass(frozen=True, slots=True)
class BallotRow:
    """A checked row: the household as written (building, entrance, room), the choice and the channel."""

    row: int
    location: tuple[str, str, str]
    column: str  # the heading of the household column, for problems found later against the database
    choice: str
    channel: str
    proxy_name: str
    note: str

    @property
    def code(self) -> str:
        return "-".join(self.location)


@dataclass
class ParsedBallots:
    """Every row that could be read, and the problems of the others. Write nothing unless `ok`; the readable rows
    are kept so that checking them against the database can report its problems in the same preview."""

    rows: list[BallotRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- Cells ------------------------------------------------------------------------------------------------------


_SEPARATORS = re.compile(r"[\s\-/\\_,，、.·#—－]+")


def parse_household(value) -> tuple[str, str, str]:
    """ "3-5-502", "3/5/502", "3 5 502", "3号楼5单元502室", "A座-2-301" → (building, entrance, room) as written."""
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    if not text:
        raise CellError("household_empty")
    parts = [part for part in _SEPARATORS.split(text) if part]
    if len(parts) == 3:
        building, entrance, room = parts
    else:
        query = parse_household_query(text)
        if not (query.building and query.entrance and query.room):
            raise CellError("household_unreadable")
        building, entrance, room = query.building, query.entrance, query.room
    location = (building_name(building), entrance_name(entrance), room_name(room))
    if not all(location):
        raise CellError("household_unreadable")
    return location


def _key_part(text: str) -> str:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    # "03" and "3" are the same building; the database keeps "3".
    return re.sub(r"\d+", lambda match: str(int(match.group())), text)


def location_key(building: str, entrance: str, room: str) -> tuple[str, str, str]:
    """The key a household is matched on, for a file's row and for the roster alike.

    "3号楼"/"3"/"03" are one building and "A座"/"A" one too; rooms keep their leading zeros ("0502" may be how a
    building numbers its doors) but not their case.
    """
    return (
        _key_part(building_name(building)).removesuffix("座"),
        _key_part(entrance_name(entrance)),
        re.sub(r"\s+", "", unicodedata.normalize("NFKC", room_name(room))).upper(),
    )


def parse_choice(value) -> str:
    text = word(value)
    if not text:
        raise CellError("choice_empty")
    if text not in _CHOICES:
        raise CellError("choice_unknown")
    return _CHOICES[text]


def parse_channel(value) -> str:
    text = word(value)
    if text not in _CHANNELS:
        raise CellError("channel_unknown")
    return _CHANNELS[text]


# --- The whole file ---------------------------------------------------------------------------------------------


class _Header(Header):
    """Which column holds which field; the problems of the header row itself."""

    def __init__(self, number: int, values: tuple):
        # A ballot sheet often has a 序号, the owner's name or a signature column: not ours to read.
        super().__init__(number, values, _HEADING_FIELD, Problem)
        self.ignored = self.unknown
        self.split = "household" not in self.columns
        if self.split and not all(name in self.columns for name in ("building", "entrance", "room")):
            self.problems.append(Problem(number, "", "header_no_household"))
        if "choice" not in self.columns:
            self.problems.append(Problem(number, "", "header_no_choice"))

    def label(self, name: str, default: str = "") -> str:
        return super().label(name, default or HEADINGS[name])


def parse_ballots(filename: str, content: bytes, limits: Limits = LIMITS) -> ParsedBallots:
    """Read and check every row; collect every problem. A file refused as a whole (wrong kind, damaged, past
    `limits`) says so first and keeps no row."""
    result = ParsedBallots()
    try:
        _parse_into(result, read_cells(filename, content, limits))
    except UnreadableFile as exc:
        result.rows.clear()
        result.problems.insert(0, Problem.of(exc))
    sort_problems(result.problems)
    return result


def _parse_into(result: ParsedBallots, cells: Iterator[tuple[int, tuple]]) -> None:
    header: _Header | None = None
    first_row: dict[tuple[str, str, str], int] = {}
    for number, values in data_rows(cells):
        if header is None:
            header = _Header(number, values)
            result.problems.extend(header.problems)
            result.ignored_columns = header.ignored
            if header.problems:
                return  # without the columns, every row would repeat the same problem
            continue
        row = _parse_row(number, values, header, result.problems)
        if row is None:
            continue
        key = location_key(*row.location)
        if key in first_row:
            params = (("household", row.code), ("first_row", first_row[key]))
            result.problems.append(Problem(number, row.column, "household_twice", params))
            continue
        first_row[key] = number
        result.rows.append(row)
    if header is None:
        raise UnreadableFile("file_empty")
    if not result.rows and not result.problems:
        result.problems.append(Problem(None, "", "file_no_rows"))


def _parse_row(number: int, values: tuple, header: _Header, problems: list[Problem]) -> BallotRow | None:
    """One data row → a BallotRow, or None after appending every problem of the row."""
    found: list[Problem] = []
    location = None
    if header.split:
        column = header.label("building")
        parts = []
        for name, parse in (("building", building_name), ("entrance", entrance_name), ("room", room_name)):
            value = header.cell(values, name)
            try:
                text = parse(cell_text(value))
            except CellError as exc:
                found.append(Problem(number, header.label(name), exc.code, exc.params))
                continue
            if not text:
                found.append(Problem(number, header.label(name), "household_empty"))
            parts.append(text)
        if not found:
            location = (parts[0], parts[1], parts[2])
    else:
        column = header.label("household")
        try:
            location = parse_household(header.cell(values, "household"))
        except CellError as exc:
            found.append(Problem(number, column, exc.code, exc.params))

    choice = channel = ""
    try:
        choice = parse_choice(header.cell(values, "choice"))
    except CellError as exc:
        found.append(Problem(number, header.label("choice"), exc.code, exc.params))
    channel_given = not blank(header.cell(values, "channel"))
    try:
        channel = parse_channel(header.cell(values, "channel"))
    except CellError as exc:
        found.append(Problem(number, header.label("channel"), exc.code, exc.params))

    texts = {}
    for name in ("proxy_name", "note"):
        try:
            texts[name] = one_line(header.cell(values, name))
        except CellError:
            texts[name] = ""  # a date in a name or note column is odd but harmless; it is not read
        if len(texts[name]) > MAX_LENGTH[name]:
            found.append(Problem(number, header.label(name), "too_long", (("max", MAX_LENGTH[name]),)))
    if channel == PAPER and texts["proxy_name"]:
        if channel_given:
            found.append(Problem(number, header.label("channel"), "proxy_on_paper"))
        else:
            channel = PROXY  # a proxy's name with no channel written can only mean a proxy ballot
    if channel == PROXY and not texts["proxy_name"]:
        found.append(Problem(number, header.label("proxy_name"), "proxy_no_name"))

    if found or location is None:
        problems.extend(found)
        return None
    return BallotRow(
        row=number,
        location=location,
        column=column,
        choice=choice,
        channel=channel,
        proxy_name=texts["proxy_name"],
        note=texts["note"],
    )


# --- Matching the rows to the proposal's households --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HouseholdRef:
    """A household of the community as the matcher needs it; `head` is None outside the proposal's electorate."""

    id: int
    label: str
    head: str | None


@dataclass(frozen=True, slots=True)
class MatchedRow:
    row: BallotRow
    household: HouseholdRef


def match_rows(
    rows: list[BallotRow], households: Mapping[tuple[str, str, str], HouseholdRef]
) -> tuple[list[MatchedRow], list[Problem]]:
    """Each row's household (by location_key), with every problem: unknown, outside the electorate, listed twice,
    or one owner's flats with different choices."""
    matched: list[MatchedRow] = []
    problems: list[Problem] = []
    first_by_household: dict[int, int] = {}
    first_by_head: dict[str, MatchedRow] = {}
    for row in rows:
        ref = households.get(location_key(*row.location))
        if ref is None:
            problems.append(Problem(row.row, row.column, "household_unknown", (("household", row.code),)))
            continue
        if ref.head is None:
            problems.append(Problem(row.row, row.column, "household_outside", (("household", ref.label),)))
            continue
        if ref.id in first_by_household:
            params = (("household", ref.label), ("first_row", first_by_household[ref.id]))
            problems.append(Problem(row.row, row.column, "household_twice", params))
            continue
        first_by_household[ref.id] = row.row
        here = MatchedRow(row, ref)
        first = first_by_head.setdefault(ref.head, here)
        if first.row.choice != row.choice:
            params = (("household", ref.label), ("other", first.household.label), ("first_row", first.row.row))
            problems.append(Problem(row.row, row.column, "owner_split", params))
            continue
        matched.append(here)
    problems.sort(key=lambda problem: problem.row or 0)
    return matched, problems
