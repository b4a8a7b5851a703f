"""The secretary's paper ballots of a meeting: finding a household of the meeting's electorate, and the XLSX sheet of
whole ballots (its template, reading and checking it, then recording every head's ballot or none).

The sheet is read with the spreadsheet helpers every import shares (core.spreadsheet: zip-bomb and size limits) and
the paper-ballot import's cell readers and matcher (voting.paper_import); each head's ballot is then recorded by THE
whole-ballot writer, meetings.ballots.meeting_ballot_cast, with the batch's one scan as its evidence.
"""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.utils.translation import gettext as _
from openpyxl import Workbook

from community.models import Household
from community.search import parse_household_query
from community.selectors import household_search
from config.xlsx import append, cell, table_sheet, workbook_bytes
from core import spreadsheet
from core.spreadsheet import LIMITS, CellError, Header, Limits, UnreadableFile, blank, heading_fields, read_cells, word
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.models import AgendaItem, ElectionBallot, Meeting, MeetingElector
from meetings.selectors import Row, agenda_rows
from voting import paper_import
from voting.models import Channel, Choice
from voting.paper_import import HouseholdRef, location_key, match_rows, parse_choice, parse_household
from voting.services import discard_file

# --- Finding a household ----------------------------------------------------------------------------------------

_ROSTER_ORDER = (
    "household__entrance__building__sort_key",
    "household__entrance__sort_key",
    "-household__floor",
    "household__room_sort_key",
    "pk",
)


def _with_flats(electors):
    """Owner joined, the owner's flats in the meeting's electorate counted (`head_flats`), in roster order."""
    flats = (
        MeetingElector.objects.filter(meeting=OuterRef("meeting"), head=OuterRef("head"))
        .order_by()
        .values("head")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        electors.select_related("owner")
        .annotate(head_flats=Subquery(flats, output_field=IntegerField()))
        .order_by(*_ROSTER_ORDER)
    )


def elector_search(meeting: Meeting, text: str, *, full_phones: bool, limit: int = 20) -> tuple[list, bool]:
    """The meeting's electors matching the secretary's search box ("3-5-502", an owner's name, phone digits), at most
    `limit`, in roster order; and whether households of the community match that are outside the meeting's
    electorate. As voting.selectors.electorate_search, over MeetingElector rows. Two queries at most."""
    query = parse_household_query(text)
    if query.is_empty:
        return [], False
    households = household_search(meeting.community, query, full_phones=full_phones)
    found = list(
        _with_flats(MeetingElector.objects.filter(meeting=meeting, household__in=households.values("pk")))[:limit]
    )
    return found, not found and households.exists()


def paper_elector(meeting: Meeting, household_id: int | None) -> MeetingElector | None:
    if household_id is None:
        return None
    return _with_flats(MeetingElector.objects.filter(meeting=meeting, household_id=household_id)).first()


# --- The sheet's columns ----------------------------------------------------------------------------------------

HOUSEHOLD, OWNER = "房屋", "业主"
# A candidate's cell: a mark for agreeing, or one saying no; an empty cell says nothing.
AGREE_MARKS = frozenset({"✓", "✔", "√", "☑", "1", "v", "y", "yes", "是", "同意", "agree"})
NO_MARKS = frozenset({"0", "×", "✗", "✘", "x", "n", "no", "否", "不同意", "disagree"})


@dataclass(frozen=True)
class Column:
    """One answer column of the sheet: a matter (its proposal) or a candidate of an election."""

    heading: str
    proposal_id: int | None = None
    election_id: int | None = None
    candidate_id: int | None = None

    @property
    def key(self) -> str:
        return f"m{self.proposal_id}" if self.proposal_id else f"c{self.candidate_id}"


def sheet_columns(rows: list[Row]) -> list[Column]:
    """The answer columns, in agenda order: "1. 电动车车库" for a matter, "3. 第二届业主委员会：王芳" per candidate."""
    columns = []
    for row in rows:
        if row.election is None:
            columns.append(Column(f"{row.number}. {row.item.proposal.title}", proposal_id=row.item.proposal_id))
            continue
        for candidate in row.election.candidates.all():
            heading = f"{row.number}. {row.election.title}：{candidate.name}"
            columns.append(Column(heading, election_id=row.election.pk, candidate_id=candidate.pk))
    return columns


def template_xlsx(meeting: Meeting) -> bytes:
    """The sheet to fill in: one row per household of the meeting's electorate (label, owner), one column per matter
    and per candidate; a second sheet says how to fill it in."""
    rows = agenda_rows(meeting)
    columns = sheet_columns(rows)
    workbook = Workbook(write_only=True)
    widths = [(HOUSEHOLD, 14), (OWNER, 16), *((column.heading, 14) for column in columns)]
    sheet = table_sheet(workbook, _("Paper ballots"), widths)
    electors = MeetingElector.objects.filter(meeting=meeting).select_related("owner").order_by(*_ROSTER_ORDER)
    for elector in electors.iterator(chunk_size=2000):
        append(sheet, [elector.label, elector.owner.name])
    notes = workbook.create_sheet(_("How to fill it in")[:31])
    notes.column_dimensions["A"].width = 90
    lines = [
        meeting.title,
        _("One row per household. For each matter write 同意, 不同意 or 弃权; empty if the ballot left it blank."),
        _("For each candidate write ✓ or 1 when the household agrees with them; leave the cell empty otherwise."),
        *(
            _("%(election)s: at most %(seats)s candidates; a ballot choosing more is recorded as invalid.")
            % {"election": row.election.title, "seats": row.election.seats}
            for row in rows
            if row.election
        ),
        _("Leave the whole row empty for a household whose paper ballot was not returned: it is not recorded."),
        _("An owner with several flats has one ballot: fill in one of the flats, or all of them the same."),
    ]
    for line in lines:
        append(notes, [cell(notes, line, wrap=True)])
    return workbook_bytes(workbook)


# --- Reading the sheet ------------------------------------------------------------------------------------------

MESSAGES = {
    **paper_import.MESSAGES,
    "file_no_rows": "The sheet has no filled-in ballot: every row under the headings is empty.",
    "header_no_household": "Add a column “房屋” with the household, for example 3-5-502, as in the template.",
    "header_missing": "The column “%(heading)s” is missing: download the template again and copy the answers into it.",
    "household_outside": "Household %(household)s is not in the electorate of this meeting.",
    "mark_unknown": "Not a mark: write ✓ or 1 for a candidate the household agrees with, or leave the cell empty.",
    "owner_split": "%(household)s and %(other)s (row %(first_row)s) have the same owner but different answers: an owner with several flats counts as one head and has one ballot.",  # noqa: E501
}


class Problem(spreadsheet.Problem):
    """One thing to fix in a meeting's ballot sheet: row (None: the whole file), column heading, reason."""

    messages = MESSAGES


@dataclass(frozen=True)
class SheetRow:
    """A returned ballot as the sheet writes it: a choice per matter ("" blank) and the candidates marked per
    election (an election with no cell filled is absent: left blank)."""

    row: int
    location: tuple[str, str, str]
    column: str
    matters: tuple[tuple[int, str], ...]
    elections: tuple[tuple[int, frozenset[int]], ...]

    @property
    def code(self) -> str:
        return "-".join(self.location)

    @property
    def choice(self):
        """What an owner's flats must agree on (voting.paper_import.match_rows compares it): the whole ballot."""
        return self.matters, self.elections

    @property
    def answers(self) -> Answers:
        return Answers(dict(self.matters), dict(self.elections))


@dataclass
class ParsedSheet:
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    empty_rows: int = 0  # households listed with nothing filled in: no paper ballot returned


def parse_sheet(filename: str, content: bytes, columns: list[Column], limits: Limits = LIMITS) -> ParsedSheet:
    """Read and check every row against the meeting's answer columns; collect every problem. A file refused as a
    whole (wrong kind, damaged, a zip bomb, past `limits`) says so first and keeps no row."""
    result = ParsedSheet()
    try:
        _parse_into(result, read_cells(filename, content, limits), columns)
    except UnreadableFile as exc:
        result.rows.clear()
        result.problems.insert(0, Problem.of(exc))
    spreadsheet.sort_problems(result.problems)
    return result


def _header(number: int, values: tuple, columns: list[Column]) -> Header:
    fields = heading_fields({"household": (HOUSEHOLD, "房屋编号", "household", "flat"), "owner": (OWNER, "owner")})
    fields |= heading_fields({column.key: (column.heading,) for column in columns})
    header = Header(number, values, fields, Problem)
    if "household" not in header.columns:
        header.problems.append(Problem(number, "", "header_no_household"))
    for column in columns:
        if column.key not in header.columns:
            header.problems.append(Problem(number, "", "header_missing", (("heading", column.heading),)))
    return header


def _parse_into(result: ParsedSheet, cells: Iterator[tuple[int, tuple]], columns: list[Column]) -> None:
    header = None
    for number, values in spreadsheet.data_rows(cells):
        if header is None:
            header = _header(number, values, columns)
            result.problems.extend(header.problems)
            result.ignored_columns = list(header.unknown)
            if header.problems:
                return
            continue
        if all(blank(header.cell(values, column.key)) for column in columns):
            result.empty_rows += 1  # a household whose paper was not returned
            continue
        row = _parse_row(number, values, header, columns, result.problems)
        if row is not None:
            result.rows.append(row)
    if header is None:
        raise UnreadableFile("file_empty")
    if not result.rows and not result.problems:
        result.problems.append(Problem(None, "", "file_no_rows"))


def _parse_row(number: int, values: tuple, header: Header, columns: list[Column], problems: list) -> SheetRow | None:
    found = []
    location = None
    column_label = header.label("household", HOUSEHOLD)
    try:
        location = parse_household(header.cell(values, "household"))
    except CellError as exc:
        found.append(Problem(number, column_label, exc.code, exc.params))
    matters: dict[int, str] = {}
    elections: dict[int, set[int]] = {}
    for column in columns:
        value = header.cell(values, column.key)
        label = header.label(column.key)
        if column.proposal_id:
            try:
                matters[column.proposal_id] = "" if blank(value) else parse_choice(value)
            except CellError as exc:
                found.append(Problem(number, label, exc.code, exc.params))
            continue
        if blank(value):
            continue
        mark = word(value)
        if mark in AGREE_MARKS:
            elections.setdefault(column.election_id, set()).add(column.candidate_id)
        elif mark in NO_MARKS:
            elections.setdefault(column.election_id, set())  # took part in that election
        else:
            found.append(Problem(number, label, "mark_unknown"))
    if found or location is None:
        problems.extend(found)
        return None
    return SheetRow(
        row=number,
        location=location,
        column=column_label,
        matters=tuple(sorted(matters.items())),
        elections=tuple(sorted((key, frozenset(chosen)) for key, chosen in elections.items())),
    )


# --- Checking it against the meeting, and recording it ----------------------------------------------------------


@dataclass
class SheetPlan:
    """What a sheet records, or its problems. Counts are households, an owner's other flats included."""

    problems: list[Problem] = field(default_factory=list)
    heads: list[tuple[int, Answers]] = field(default_factory=list)  # (a household of the head, its ballot)
    rows: int = 0
    households: int = 0
    other_flats: int = 0  # flats not filled in that take their owner's ballot
    invalid: int = 0  # households whose election ballot names more candidates than seats
    empty_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class SheetInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _household_refs(meeting: Meeting) -> tuple[dict, dict[str, int]]:
    """Every household of the community by location key (head None outside the meeting's electorate), and the
    number of flats of each head in it. Two queries."""
    electors = dict(
        (household_id, (head, label))
        for household_id, head, label in MeetingElector.objects.filter(meeting=meeting).values_list(
            "household_id", "head", "label"
        )
    )
    flats: dict[str, int] = {}
    for head, _label in electors.values():
        flats[head] = flats.get(head, 0) + 1
    refs = {}
    rows = (
        Household.objects.of(meeting.community_id)
        .order_by()
        .values_list("pk", "entrance__building__name", "entrance__name", "room")
    )
    for pk, building, entrance, room in rows.iterator(chunk_size=5000):
        head, label = electors.get(pk, (None, f"{building}-{entrance}-{room}"))
        refs[location_key(building, entrance, room)] = HouseholdRef(id=pk, label=label, head=head)
    return refs, flats


def sheet_plan(meeting: Meeting, parsed: ParsedSheet) -> SheetPlan:
    """Check a read sheet against the meeting's households, writing nothing: unknown households, households outside
    the electorate or listed twice, an owner's flats with different answers. Three queries."""
    plan = SheetPlan(empty_rows=parsed.empty_rows)
    if not parsed.rows:
        plan.problems = list(parsed.problems)
        return plan
    refs, flats = _household_refs(meeting)
    matched, found = match_rows(parsed.rows, refs)
    problems = [*parsed.problems, *(Problem(p.row, p.column, p.code, p.params) for p in found)]
    if problems:
        plan.problems = sorted(problems, key=lambda problem: problem.row or 0)
        return plan
    seats = dict(
        AgendaItem.objects.filter(meeting=meeting, election__isnull=False).values_list("election", "election__seats")
    )
    plan.rows = len(matched)
    listed: dict[str, int] = {}
    for m in matched:
        listed[m.household.head] = listed.get(m.household.head, 0) + 1
        if listed[m.household.head] > 1:
            continue  # the owner's ballot is recorded once, from the first flat listed (match_rows checked the rest)
        head_flats = flats[m.household.head]
        plan.heads.append((m.household.id, m.row.answers))
        plan.households += head_flats
        if any(len(chosen) > seats[election] for election, chosen in m.row.elections):
            plan.invalid += head_flats
    plan.other_flats = plan.households - plan.rows
    return plan


def meeting_paper_import(*, meeting: Meeting, parsed: ParsedSheet, by, evidence: ContentFile) -> SheetPlan:
    """Record every ballot of a read sheet, or none, with one scan (checked to be a PDF by the caller) as the
    evidence of all of them. Caller holds meetings.record_paper.

    One transaction: the meeting's row lock first, the sheet checked again under it, then each head's whole ballot
    through meeting_ballot_cast (paper channel). Raises SheetInvalid (with the problems) or VotingError (voting not
    open); then nothing is recorded and the stored scan is removed.
    """
    evidence_field = ElectionBallot._meta.get_field("evidence")
    stored = ""
    try:
        with transaction.atomic():
            locked = Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)
            plan = sheet_plan(locked, parsed)
            if plan.problems:
                raise SheetInvalid(plan.problems)
            name = evidence_field.generate_filename(None, f"batch-{secrets.token_hex(12)}.pdf")
            stored = evidence_field.storage.save(name, evidence)
            households = Household.objects.in_bulk([household_id for household_id, _answers in plan.heads])
            for household_id, answers in plan.heads:
                meeting_ballot_cast(
                    meeting=locked,
                    household=households[household_id],
                    answers=answers,
                    channel=Channel.PAPER,
                    by=by,
                    evidence=stored,
                )
    except Exception:
        discard_file(stored)
        raise
    return plan


def ballot_lines(rows: list[Row], ballot) -> list[tuple[int, str, str]]:
    """A household's recorded whole ballot (meetings.selectors.household_ballot) as (number, item, answer) lines."""
    choices = dict(Choice.choices)
    lines = []
    for row in rows:
        if row.election is None:
            choice = ballot.matters.get(row.item.proposal_id)
            lines.append((row.number, row.item.proposal.title, choices[choice] if choice else _("no ballot")))
            continue
        election = row.election
        chosen = ballot.elections.get(election.pk)
        if chosen is None:
            text = _("no ballot")
        elif election.pk in ballot.invalid:
            text = _("invalid: more candidates than seats")
        else:
            names = [c.name for c in election.candidates.all() if c.pk in chosen]
            text = "、".join(names) or _("agrees with no one")
        lines.append((row.number, election.title, text))
    return lines
