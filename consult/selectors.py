"""Reads of canvassing shared by the pages, the live board socket and the exports.

Every read here runs a constant number of queries whatever the community's size: the latest visit of each
household comes from one window-function query, never one query per household.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import FirstValue, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import Entrance, Household, Role
from consult.models import Assignment, DemandTag, Visit
from core.identity import mask_phone
from proposals import rules as proposal_rules
from proposals.models import Proposal, State
from proposals.selectors import scope_households
from voting.models import Ballot, Elector

# Canvassing happens while the proposal is discussed and while it is voted on (for households yet to vote).
CANVASS_STATES = frozenset({State.CONSULTATION, State.VOTING})
# From the opening of the vote the electorate is frozen (voting.Elector) and ballots exist.
ELECTORATE_STATES = frozenset({State.VOTING, State.CLOSED, State.PUBLISHED})

# One letter per household on the board: compact enough for 30,000 households in one message.
SUPPORT, OPPOSE, UNDECIDED, CONDITIONAL, NOBODY_HOME, REFUSED, NOT_VISITED = "s", "o", "u", "c", "n", "r", ""
STATUSES = (SUPPORT, CONDITIONAL, UNDECIDED, OPPOSE, REFUSED, NOBODY_HOME, NOT_VISITED)
_STANCE_CODE = {
    Visit.Stance.SUPPORT: SUPPORT,
    Visit.Stance.OPPOSE: OPPOSE,
    Visit.Stance.UNDECIDED: UNDECIDED,
    Visit.Stance.CONDITIONAL: CONDITIONAL,
}
REVISIT_LIMIT = 500
# The model's "met" shares its msgid with the tally's "met" (a threshold reached); this one is a door.
OUTCOME_LABELS = {
    Visit.Outcome.MET: pgettext_lazy("visit outcome", "met"),
    Visit.Outcome.NOBODY_HOME: _("nobody home"),
    Visit.Outcome.REFUSED: _("refused to talk"),
}


def status_code(outcome: str, met_stance: str) -> str:
    """A household's board status from its latest visit's outcome and the stance of its latest visit that met someone.

    Nobody at home says nothing about what the household thinks, so an earlier stance still stands; a refusal
    after a conversation does say something, so it wins.
    """
    if not outcome:
        return NOT_VISITED
    if outcome == Visit.Outcome.REFUSED:
        return REFUSED
    if met_stance:
        return _STANCE_CODE.get(met_stance, UNDECIDED)
    if outcome == Visit.Outcome.MET:
        return UNDECIDED
    return NOBODY_HOME


def user_name(display_name: str, username: str) -> str:
    return display_name or username


# --- Who canvasses what -------------------------------------------------------------------------------------


def canvass_households(proposal: Proposal):
    """The households canvassing is about: the frozen electorate once voting opened, the live scope before."""
    if proposal.state in ELECTORATE_STATES:
        return Household.objects.filter(pk__in=Elector.objects.filter(proposal=proposal).values("household_id"))
    return scope_households(proposal)


def assigned_entrance_ids(proposal: Proposal, user) -> frozenset[int]:
    """The entrances `user` is assigned to on this proposal (a building assignment gives all its entrances)."""
    if not user or not user.is_authenticated:
        return frozenset()
    mine = Assignment.objects.filter(proposal=proposal, canvasser=user)
    return frozenset(
        Entrance.objects.filter(
            Q(building_id__in=mine.filter(building__isnull=False).values("building_id"))
            | Q(pk__in=mine.filter(entrance__isnull=False).values("entrance_id"))
        ).values_list("pk", flat=True)
    )


def is_assigned_to(proposal: Proposal, user, household: Household) -> bool:
    return Assignment.objects.filter(
        Q(building_id=household.entrance.building_id) | Q(entrance_id=household.entrance_id),
        proposal=proposal,
        canvasser=user,
    ).exists()


def assignment_list(proposal: Proposal) -> list[Assignment]:
    return list(
        Assignment.objects.filter(proposal=proposal)
        .select_related("canvasser", "building", "entrance__building")
        .order_by("canvasser__display_name", "canvasser__username", "building__sort_key", "entrance__sort_key", "pk")
    )


@dataclass
class CanvasserChoice:
    id: int
    name: str
    roles: list[str]

    @property
    def roles_display(self) -> str:
        return " / ".join(str(Role.Kind(kind).label) for kind in self.roles)


def canvasser_choices(community) -> list[CanvasserChoice]:
    """Everybody holding a role in the community: canvassers first, then party and committee volunteers."""
    order = {kind: index for index, kind in enumerate(Role.Kind.values)}
    order[Role.Kind.CANVASSER] = -1
    people: dict[int, CanvasserChoice] = {}
    rows = Role.objects.filter(community=community).values_list(
        "user_id", "user__display_name", "user__username", "kind"
    )
    for user_id, display_name, username, kind in rows:
        person = people.setdefault(user_id, CanvasserChoice(user_id, user_name(display_name, username), []))
        person.roles.append(kind)
    for person in people.values():
        person.roles.sort(key=lambda kind: order.get(kind, 99))
    return sorted(people.values(), key=lambda p: (order.get(p.roles[0], 99), p.name, p.id))


def canvass_entrances(proposal: Proposal, entrance_ids: frozenset[int] | None = None) -> list[Entrance]:
    """The entrances with households in the canvassing scope (only `entrance_ids` if given), in roster order."""
    households = canvass_households(proposal)
    if entrance_ids is not None:
        households = households.filter(entrance_id__in=sorted(entrance_ids))
    return list(
        Entrance.objects.filter(pk__in=households.values("entrance_id"))
        .select_related("building")
        .order_by("building__sort_key", "sort_key")
    )


def demand_tags(community) -> list[DemandTag]:
    return list(DemandTag.objects.filter(community=community).order_by("name"))


# --- The latest visit of each household ---------------------------------------------------------------------


def latest_visits(proposal: Proposal, households=None):
    """One row per visited household: its latest visit, annotated with `met_stance`, the stance of its latest
    visit that met someone ("" if none did). One query; `households` (a queryset) narrows it."""
    visits = Visit.objects.filter(proposal=proposal).order_by()
    if households is not None:
        visits = visits.filter(household__in=households)
    newest_first = [F("visited_at").desc(), F("pk").desc()]
    met_first = Case(When(outcome=Visit.Outcome.MET, then=Value(1)), default=Value(0), output_field=IntegerField())
    return visits.annotate(
        rn=Window(RowNumber(), partition_by=[F("household_id")], order_by=newest_first),
        met_stance=Window(
            FirstValue("stance"), partition_by=[F("household_id")], order_by=[met_first.desc(), *newest_first]
        ),
    ).filter(rn=1)


def voted_household_ids(proposal: Proposal, households=None) -> set[int]:
    """Households with a ballot (only from the opening of the vote). Never which way they voted."""
    if proposal.state not in ELECTORATE_STATES:
        return set()

    ballots = Ballot.objects.filter(proposal=proposal)
    if households is not None:
        ballots = ballots.filter(household__in=households)
    return set(ballots.values_list("household_id", flat=True))


# --- The walk list ------------------------------------------------------------------------------------------


@dataclass
class LastVisit:
    outcome: str
    outcome_label: str
    stance_label: str
    status: str
    at: datetime
    by: str
    follow_up_on: date | None

    @property
    def badge(self) -> str:
        """The room's badge: the stance that stands, or what happened at the door."""
        return self.stance_label or self.outcome_label

    @property
    def line(self) -> str:
        """ "19:30 · 高桂兰" (or "11-26 · 高桂兰" before today), led by the outcome when the badge shows an earlier
        stance instead."""
        parts = []
        if self.outcome != Visit.Outcome.MET and self.stance_label:
            parts.append(self.outcome_label)
        at = timezone.localtime(self.at)
        # Today's visits by the time, older ones by the day: short enough for a room tile on a phone.
        parts += [at.strftime("%H:%M" if at.date() == timezone.localdate() else "%m-%d"), self.by]
        if self.follow_up_on:
            parts.append(_("follow up %(day)s") % {"day": self.follow_up_on.strftime("%m-%d")})
        return " · ".join(parts)


_LATEST_FIELDS = (
    "outcome",
    "met_stance",
    "visited_at",
    "follow_up_on",
    "canvasser__display_name",
    "canvasser__username",
)


def _last_visit(outcome, met_stance, at, follow_up_on, display_name, username) -> LastVisit:
    status = status_code(outcome, met_stance)
    return LastVisit(
        outcome=outcome,
        outcome_label=str(OUTCOME_LABELS.get(outcome, outcome)),
        # The stance that stands (perhaps from an earlier visit), unless the latest visit was a refusal.
        stance_label=str(Visit.Stance(met_stance).label) if met_stance and status not in (REFUSED, NOBODY_HOME) else "",
        status=status,
        at=at,
        by=user_name(display_name, username),
        follow_up_on=follow_up_on,
    )


@dataclass
class WalkRoom:
    id: int
    room: str
    code: str
    owner: str
    phone: str  # always masked: the canvasser never sees the full number
    voted: bool
    last: LastVisit | None

    @property
    def status(self) -> str:
        return self.last.status if self.last else NOT_VISITED


@dataclass
class WalkFloor:
    floor: int
    rooms: list[WalkRoom] = field(default_factory=list)


def walk_floors(proposal: Proposal, entrance: Entrance) -> list[WalkFloor]:
    """The entrance's households in the canvassing scope, floors top to bottom, each with its last visit. 3 queries."""
    households = canvass_households(proposal).filter(entrance=entrance)
    rows = households.order_by("-floor", "room_sort_key").values_list(
        "pk", "floor", "room", "owner__name", "owner__phone"
    )
    latest = {
        row[0]: _last_visit(*row[1:])
        for row in latest_visits(proposal, households).values_list("household_id", *_LATEST_FIELDS)
    }
    voted = voted_household_ids(proposal, households)
    floors: list[WalkFloor] = []
    prefix = f"{entrance.building.name}-{entrance.name}-"
    for pk, floor, room, owner, phone in rows:
        if not floors or floors[-1].floor != floor:
            floors.append(WalkFloor(floor))
        floors[-1].rooms.append(
            WalkRoom(
                id=pk,
                room=room,
                code=prefix + room,
                owner=owner,
                phone=mask_phone(phone) if phone else "",
                voted=pk in voted,
                last=latest.get(pk),
            )
        )
    return floors


def visit_summary(visit: Visit) -> dict:
    """What the walk list shows of a room after a visit was sent (the JSON answer to the phone): the room's latest
    visit, which is not this one when an older visit arrives late from an offline phone. One query."""
    row = (
        latest_visits(visit.proposal, Household.objects.filter(pk=visit.household_id))
        .values_list(*_LATEST_FIELDS)
        .first()
    )
    last = _last_visit(*row)
    return {
        "id": visit.pk,
        "household": visit.household_id,
        "status": last.status,
        "badge": last.badge,
        "last": last.line,
    }


def household_status(proposal: Proposal, household_id: int) -> str:
    row = (
        latest_visits(proposal, Household.objects.filter(pk=household_id)).values_list("outcome", "met_stance").first()
    )
    return status_code(*row) if row else NOT_VISITED


def revisit_due(status: str, follow_up_on: date | None, today: date) -> bool:
    """Worth another knock: nobody was home, or the day agreed for a return visit has come (or passed)."""
    return status == NOBODY_HOME or bool(follow_up_on and follow_up_on <= today)


# --- The building board -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardView:
    """What one watcher may see: everything (entrance_ids None) or the entrances assigned to them; one building
    or all. Hashable, so the live hub computes each distinct view once per push."""

    entrance_ids: frozenset[int] | None = None
    building_id: int | None = None


def board_view_for(proposal: Proposal, user, building_id: int | None = None) -> BoardView:
    """The committee and the secretary see the whole board; a canvasser only the entrances assigned to them."""
    staff = proposal_rules.is_committee(user, proposal) or proposal_rules.is_secretary(user, proposal)
    return BoardView(None if staff else assigned_entrance_ids(proposal, user), building_id)


def _board_households(proposal: Proposal, view: BoardView):
    households = canvass_households(proposal)
    if view.entrance_ids is not None:
        households = households.filter(entrance_id__in=sorted(view.entrance_ids))
    if view.building_id is not None:
        households = households.filter(entrance__building_id=view.building_id)
    return households


def _entrance_label(name: str) -> str:
    return f"{name}单元" if name.isdigit() else name


def _building_label(name: str) -> str:
    return f"{name}号楼" if name.isdigit() else name


def board_json(proposal: Proposal, view: BoardView = BoardView()) -> dict:
    """The board as served by board.json and the socket, in 6 queries whatever the size.

    Per household only [room, status] (plus 1 when it has voted): no names, no ids, never a ballot's choice.
    `version` grows with every visit and every ballot, so a client drops an older message.
    """
    version = board_version(proposal)
    households = _board_households(proposal, view)
    rows = households.order_by(
        "entrance__building__sort_key", "entrance__sort_key", "-floor", "room_sort_key"
    ).values_list(
        "pk", "entrance_id", "entrance__name", "entrance__building_id", "entrance__building__name", "floor", "room"
    )
    latest = {
        household_id: (status_code(outcome, met_stance), follow_up_on)
        for household_id, outcome, met_stance, follow_up_on in latest_visits(proposal, households).values_list(
            "household_id", "outcome", "met_stance", "follow_up_on"
        )
    }
    voted = voted_household_ids(proposal, households)
    today = timezone.localdate()

    buildings: list[dict] = []
    entrances: dict[int, dict] = {}
    counts: Counter = Counter()
    revisit: list[list] = []
    for pk, entrance_id, entrance_name, building_id, building_name, floor, room in rows:
        entrance = entrances.get(entrance_id)
        if entrance is None:
            if not buildings or buildings[-1]["id"] != building_id:
                buildings.append({"id": building_id, "label": _building_label(building_name), "entrances": []})
            entrance = entrances[entrance_id] = {
                "id": entrance_id,
                "label": _entrance_label(entrance_name),
                "total": 0,
                "visited": 0,
                "floors": [],
            }
            buildings[-1]["entrances"].append(entrance)
        status, follow_up_on = latest.get(pk, (NOT_VISITED, None))
        cell = [room, status]
        has_voted = pk in voted
        if has_voted:
            cell.append(1)
            counts["voted"] += 1
        if not entrance["floors"] or entrance["floors"][-1][0] != floor:
            entrance["floors"].append([floor, []])
        entrance["floors"][-1][1].append(cell)
        entrance["total"] += 1
        counts[status] += 1
        if status != NOT_VISITED:
            entrance["visited"] += 1
        # A household that voted needs no more visits.
        if not has_voted and revisit_due(status, follow_up_on, today):
            counts["revisit"] += 1
            if len(revisit) < REVISIT_LIMIT:
                code = f"{building_name}-{entrance_name}-{room}"
                revisit.append([code, follow_up_on.isoformat() if follow_up_on else None])

    total = sum(entrance["total"] for entrance in entrances.values())
    return {
        "proposal": proposal.pk,
        "version": version,
        "state": proposal.state,
        "canvassing": proposal.state in CANVASS_STATES,
        "voting": proposal.state in ELECTORATE_STATES,
        "today": today.isoformat(),
        "buildings": buildings,
        "counts": {
            "total": total,
            "visited": total - counts[NOT_VISITED],
            "voted": counts["voted"],
            **{status or "-": counts[status] for status in STATUSES},
        },
        "canvassers": _canvasser_stats(proposal, households, entrances, buildings),
        "revisit": revisit,
        "revisit_total": counts["revisit"],
    }


def board_version(proposal: Proposal) -> int:
    """The newest visit's id plus the ballot log's length, read fresh in one query: both only grow."""
    last_visit = Visit.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal").annotate(n=Max("pk"))
    row = (
        Proposal.objects.filter(pk=proposal.pk)
        .annotate(last_visit=Subquery(last_visit.values("n")))
        .values_list("ballot_seq", "last_visit")
        .first()
    )
    return sum(value or 0 for value in row or ())


def _canvasser_stats(proposal: Proposal, households, entrances: dict, buildings: list[dict]) -> list[dict]:
    """Per canvasser: visits, households visited and households reached (met), and what they are assigned in
    the part of the board shown. 2 queries."""
    building_ids = {building["id"] for building in buildings}
    stats: dict[int, dict] = {}
    assignments = Assignment.objects.filter(proposal=proposal).select_related(
        "canvasser", "building", "entrance__building"
    )
    for assignment in assignments.order_by("pk"):
        if assignment.building_id not in building_ids and assignment.entrance_id not in entrances:
            continue
        entry = stats.setdefault(
            assignment.canvasser_id,
            {"name": str(assignment.canvasser), "areas": [], "visits": 0, "households": 0, "reached": 0},
        )
        entry["areas"].append(str(assignment.building or assignment.entrance))
    rows = (
        Visit.objects.filter(proposal=proposal, household__in=households)
        .order_by()
        .values("canvasser_id", "canvasser__display_name", "canvasser__username")
        .annotate(
            visits=Count("pk"),
            households=Count("household_id", distinct=True),
            reached=Count("household_id", distinct=True, filter=Q(outcome=Visit.Outcome.MET)),
        )
    )
    for row in rows:
        entry = stats.setdefault(
            row["canvasser_id"],
            {"name": user_name(row["canvasser__display_name"], row["canvasser__username"]), "areas": []},
        )
        entry.update(visits=row["visits"], households=row["households"], reached=row["reached"])
    return sorted(stats.values(), key=lambda entry: (-entry.get("visits", 0), entry["name"]))


def board_buildings(proposal: Proposal, view: BoardView) -> list[tuple[int, str]]:
    """(id, label) of the buildings on the board, for the building chooser. One query."""
    households = _board_households(proposal, BoardView(view.entrance_ids, None))
    rows = (
        households.order_by("entrance__building__sort_key")
        .values_list("entrance__building_id", "entrance__building__name")
        .distinct()
    )
    return [(pk, _building_label(name)) for pk, name in rows]


# --- The demands summary ------------------------------------------------------------------------------------


@dataclass
class DemandEntry:
    code: str
    sort_key: tuple
    text: str
    stance: str
    visited_at: datetime
    by: str
    tags: list[str]


@dataclass
class DemandGroup:
    tag: str  # "" for demands without a tag
    entries: list[DemandEntry] = field(default_factory=list)

    @property
    def households(self) -> int:
        return len(self.entries)


@dataclass
class DemandsSummary:
    groups: list[DemandGroup]
    households: int  # households that raised anything
    entries: list[DemandEntry]


def demands_summary(proposal: Proposal, *, building_id: int | None = None) -> DemandsSummary:
    """What households asked for: each household's latest visit that recorded demands (text or tags), grouped by
    tag, with the number of households per tag. A later knock with nobody home does not erase what was said.
    3 queries."""
    households = canvass_households(proposal)
    if building_id is not None:
        households = households.filter(entrance__building_id=building_id)
    through = Visit.tags.through
    with_demands = Visit.objects.filter(proposal=proposal, household__in=households).filter(
        ~Q(demands="") | Q(pk__in=through.objects.filter(visit__proposal=proposal).values("visit_id"))
    )
    newest_first = [F("visited_at").desc(), F("pk").desc()]
    rows = (
        with_demands.order_by()
        .annotate(rn=Window(RowNumber(), partition_by=[F("household_id")], order_by=newest_first))
        .filter(rn=1)
        .values_list(
            "pk",
            "household__entrance__building__name",
            "household__entrance__building__sort_key",
            "household__entrance__name",
            "household__entrance__sort_key",
            "household__floor",
            "household__room",
            "household__room_sort_key",
            "demands",
            "stance",
            "visited_at",
            "canvasser__display_name",
            "canvasser__username",
        )
    )
    tags_of: dict[int, list[int]] = defaultdict(list)
    for visit_id, tag_id in through.objects.filter(visit__proposal=proposal).values_list("visit_id", "demandtag_id"):
        tags_of[visit_id].append(tag_id)
    names = dict(DemandTag.objects.filter(community_id=proposal.community_id).values_list("pk", "name"))
    stances = dict(Visit.Stance.choices)

    groups: dict[str, DemandGroup] = {}
    entries: list[DemandEntry] = []
    for row in rows:
        visit_id, b_name, b_key, e_name, e_key, floor, room, room_key, text, stance, at, display_name, username = row
        tag_names = sorted(names[t] for t in tags_of.get(visit_id, ()) if t in names)
        entry = DemandEntry(
            code=f"{b_name}-{e_name}-{room}",
            sort_key=(b_key, e_key, floor, room_key),
            text=text,
            stance=str(stances.get(stance, "")),
            visited_at=at,
            by=user_name(display_name, username),
            tags=tag_names,
        )
        entries.append(entry)
        for name in tag_names or [""]:
            groups.setdefault(name, DemandGroup(name)).entries.append(entry)
    entries.sort(key=lambda e: e.sort_key)
    for group in groups.values():
        group.entries.sort(key=lambda e: e.sort_key)
    # Most raised first; the untagged ones last.
    ordered = sorted(groups.values(), key=lambda g: (g.tag == "", -g.households, g.tag))
    return DemandsSummary(groups=ordered, households=len(entries), entries=entries)


# --- After the vote: stances against ballots ----------------------------------------------------------------

NO_BALLOT = "none"
OUTCOME_ROWS = (SUPPORT, CONDITIONAL, UNDECIDED, OPPOSE, REFUSED, NOBODY_HOME, NOT_VISITED)


@dataclass
class CrossTable:
    label: str
    cells: dict[tuple[str, str], int] = field(default_factory=Counter)

    def add(self, status: str, choice: str) -> None:
        self.cells[(status, choice)] += 1

    def count(self, status: str, choice: str | None = None) -> int:
        if choice is None:
            return sum(n for (s, _c), n in self.cells.items() if s == status)
        return self.cells.get((status, choice), 0)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def grid(self, rows, columns) -> list[list[int]]:
        """The counts as rows × columns, each row ending with its total; then a last row of column totals."""
        out = [[self.count(r, c) for c in columns] + [self.count(r)] for r in rows]
        out.append([sum(self.count(r, c) for r in rows) for c in columns] + [self.total])
        return out

    @property
    def supporters_against(self) -> int:
        return self.count(SUPPORT, "disagree") + self.count(CONDITIONAL, "disagree")

    @property
    def undecided_agreed(self) -> int:
        return self.count(UNDECIDED, "agree")

    @property
    def never_reached(self) -> int:
        return self.count(NOT_VISITED) + self.count(NOBODY_HOME) + self.count(REFUSED)

    @property
    def never_reached_voted(self) -> int:
        return self.never_reached - sum(self.count(s, NO_BALLOT) for s in (NOT_VISITED, NOBODY_HOME, REFUSED))


def canvass_outcome(proposal: Proposal) -> tuple[CrossTable, list[CrossTable]]:
    """(all buildings, per building): each elector's latest canvass status against its ballot ("none" if it did
    not vote). 3 queries."""
    electors = (
        Elector.objects.filter(proposal=proposal)
        .order_by("household__entrance__building__sort_key")
        .values_list("household_id", "household__entrance__building_id", "household__entrance__building__name")
    )
    statuses = {
        household_id: status_code(outcome, met_stance)
        for household_id, outcome, met_stance in latest_visits(proposal).values_list(
            "household_id", "outcome", "met_stance"
        )
    }
    choices = dict(Ballot.objects.filter(proposal=proposal).values_list("household_id", "choice"))
    total = CrossTable(label="")
    buildings: dict[int, CrossTable] = {}
    for household_id, building_id, building_name in electors:
        table = buildings.get(building_id)
        if table is None:
            table = buildings[building_id] = CrossTable(label=_building_label(building_name))
        status = statuses.get(household_id, NOT_VISITED)
        choice = choices.get(household_id, NO_BALLOT)
        table.add(status, choice)
        total.add(status, choice)
    return total, list(buildings.values())


# --- The canvasser's tasks (我的走访任务) ---------------------------------------------------------------------


@dataclass
class VisitTask:
    """A door still to knock on: never reached (not visited, or nobody home) or due for a return visit today."""

    id: int
    code: str
    room: str
    owner: str
    phone: str  # as this user may see it: in full to the committee (community.see_full_phones), else masked
    call: str  # the number for a tel: link, "" when this user may not see it in full
    last: LastVisit | None
    due: bool  # the day agreed for a return visit has come

    @property
    def reason(self) -> str:
        if self.last is None:
            return str(_("not visited yet"))
        if self.due:
            return str(_("return visit due"))
        return str(_("nobody home"))


@dataclass
class TaskEntrance:
    id: int
    label: str
    tasks: list[VisitTask] = field(default_factory=list)


@dataclass
class TaskProposal:
    proposal: Proposal
    full_phones: bool
    entrances: list[TaskEntrance] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(entrance.tasks) for entrance in self.entrances)


def canvassing_assignments(user) -> list[Assignment]:
    """The user's assignments on proposals being canvassed, oldest proposal first. One query."""
    if not user or not user.is_authenticated:
        return []
    return list(
        Assignment.objects.filter(canvasser=user, proposal__state__in=CANVASS_STATES)
        .select_related("proposal__community")
        .order_by("proposal__created_at", "proposal_id", "pk")
    )


def visit_tasks(user, *, today: date | None = None) -> list[TaskProposal]:
    """Per proposal being canvassed where `user` has assignments, the households of their entrances still to visit,
    grouped by entrance in roster order. Households that voted need no visit. 1 query, then per proposal 2 (3 while
    voting, one more per community for the phone rule) — never per household."""
    today = today or timezone.localdate()
    by_proposal: dict[int, list[Assignment]] = {}
    for assignment in canvassing_assignments(user):
        by_proposal.setdefault(assignment.proposal_id, []).append(assignment)
    out = []
    for assignments in by_proposal.values():
        proposal = assignments[0].proposal
        building_ids = sorted({a.building_id for a in assignments if a.building_id})
        entrance_ids = sorted({a.entrance_id for a in assignments if a.entrance_id})
        households = canvass_households(proposal).filter(
            Q(entrance__building_id__in=building_ids) | Q(entrance_id__in=entrance_ids)
        )
        out.append(_proposal_tasks(proposal, households, user, today))
    return out


def _proposal_tasks(proposal: Proposal, households, user, today: date) -> TaskProposal:
    full_phones = user.has_perm("community.see_full_phones", proposal.community)
    latest = {
        row[0]: _last_visit(*row[1:])
        for row in latest_visits(proposal, households).values_list("household_id", *_LATEST_FIELDS)
    }
    voted = voted_household_ids(proposal, households)
    rows = households.order_by("entrance__building__sort_key", "entrance__sort_key", "-floor", "room_sort_key")
    tasks = TaskProposal(proposal, full_phones)
    for pk, entrance_id, building, entrance, room, owner, phone in rows.values_list(
        "pk", "entrance_id", "entrance__building__name", "entrance__name", "room", "owner__name", "owner__phone"
    ):
        if pk in voted:
            continue
        last = latest.get(pk)
        due = bool(last and last.follow_up_on and last.follow_up_on <= today)
        if last is not None and not revisit_due(last.status, last.follow_up_on, today):
            continue
        if not tasks.entrances or tasks.entrances[-1].id != entrance_id:
            tasks.entrances.append(TaskEntrance(entrance_id, _building_label(building) + _entrance_label(entrance)))
        shown = phone if full_phones else (mask_phone(phone) if phone else "")
        tasks.entrances[-1].tasks.append(
            VisitTask(
                id=pk,
                code=f"{building}-{entrance}-{room}",
                room=room,
                owner=owner,
                phone=shown,
                call=phone if full_phones else "",
                last=last,
                due=due,
            )
        )
    return tasks


def visit_task_count(user) -> int | None:
    """How many households the user still has to visit; None when they have no assignment being canvassed."""
    proposals = visit_tasks(user)
    return sum(p.total for p in proposals) if proposals else None


# --- Who canvasses a household's entrance (tap-to-call for households, the helpline on join slips) -----------


@dataclass(frozen=True)
class Helper:
    name: str
    phone: str


def _helper_rows(assignments):
    return assignments.order_by("-created_at", "-pk").values_list(
        "entrance_id", "building_id", "canvasser__display_name", "canvasser__username", "canvasser__phone"
    )


def household_canvassers(proposal: Proposal, user) -> list[Helper]:
    """Who canvasses the entrances of the user's own households in this proposal's scope (an entrance's or its
    building's assignment): name and phone only. Nothing for anybody not bound to such a household. One query."""
    if not user or not user.is_authenticated or proposal.state not in CANVASS_STATES:
        return []
    mine = canvass_households(proposal).filter(bindings__user=user)
    assignments = Assignment.objects.filter(proposal=proposal).filter(
        Q(entrance_id__in=mine.values("entrance_id")) | Q(building_id__in=mine.values("entrance__building_id"))
    )
    helpers: dict[tuple[str, str], Helper] = {}
    for _entrance, _building, display_name, username, phone in _helper_rows(assignments):
        helper = Helper(user_name(display_name, username), phone or "")
        helpers.setdefault((helper.name, helper.phone), helper)
    return list(helpers.values())


def entrance_helpers(community, entrance_ids) -> dict[int, Helper]:
    """Per entrance of `community`, the canvasser assigned to it (or to its building) on a proposal being canvassed
    who has a phone: an entrance's own assignment first, then the newest. One query (plus one for the buildings)."""
    assignments = Assignment.objects.filter(
        proposal__community=community, proposal__state__in=CANVASS_STATES, canvasser__phone__isnull=False
    ).exclude(canvasser__phone="")
    rows = list(_helper_rows(assignments))
    if not rows:
        return {}
    wanted = set(entrance_ids)
    entrances_of: dict[int, list[int]] = defaultdict(list)
    for pk, building_id in Entrance.objects.filter(pk__in=sorted(wanted), building__community=community).values_list(
        "pk", "building_id"
    ):
        entrances_of[building_id].append(pk)
    helpers: dict[int, Helper] = {}
    for entrance_id, _building, display_name, username, phone in rows:  # an entrance's own assignment wins
        if entrance_id in wanted:
            helpers.setdefault(entrance_id, Helper(user_name(display_name, username), phone))
    for _entrance, building_id, display_name, username, phone in rows:
        for entrance_id in entrances_of.get(building_id, ()):
            helpers.setdefault(entrance_id, Helper(user_name(display_name, username), phone))
    return helpers


def committee_helper(community) -> Helper | None:
    """The committee member who joined the community's committee first and has a phone. One query."""
    row = (
        Role.objects.filter(community=community, kind=Role.Kind.COMMITTEE, user__phone__isnull=False)
        .exclude(user__phone="")
        .order_by("created_at", "pk")
        .values_list("user__display_name", "user__username", "user__phone")
        .first()
    )
    return Helper(user_name(row[0], row[1]), row[2]) if row else None
