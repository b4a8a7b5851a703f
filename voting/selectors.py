"""The tally: one aggregate over the ballots against the frozen electorate, decided by the rule engine."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Collate
from django.utils.translation import gettext as _

from community.models import Entrance, Household, HouseholdBinding
from community.search import parse_household_query
from community.selectors import DEVELOPER_HEAD, household_search
from proposals.models import Proposal, State
from voting import engine
from voting.models import Ballot, BallotEvent, Channel, Choice, Elector
from voting.rules import Seat, cast_refusal

_ZERO = Decimal("0.00")


def exact_area(value) -> Decimal:
    """An aggregated area as an exact Decimal: SQLite sums decimals as floats (8420.89999999999)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _distinct_head(field: str = "head"):
    """The head column for COUNT(DISTINCT …). On PostgreSQL compared byte by byte (COLLATE "C"): the same groups
    (equal strings are equal bytes under any deterministic collation) without the locale's slow comparisons, which
    were most of the time of a tally at 50,000 households (bench/bench_tally.py)."""
    return Collate(field, "C") if connection.vendor == "postgresql" else field


def head_count(prefix: str = ""):
    """Heads among the ballots: a ballot of a single-flat head is a head of its own; only the few heads holding
    several flats need COUNT(DISTINCT head), which was most of a tally's time (bench_tally.py).

    For any rows with `id`, `head` and `shared_head` (voting's ballots, a meeting's election ballots and approvals),
    reached through `prefix` ("approvals__") from the model counted."""
    single, shared = Q(**{f"{prefix}shared_head": False}), Q(**{f"{prefix}shared_head": True})
    return Count(f"{prefix}id", filter=single) + Count(_distinct_head(f"{prefix}head"), distinct=True, filter=shared)


# A tally is a pure function of the proposal's ballots, which change only with its chain head (ballot_seq) and
# freeze with its state: cached under both, so a burst of readers runs the aggregate once per ballot, not per reader.
TALLY_CACHE_SECONDS = 3600


def _tally_row(proposal: Proposal) -> dict:
    """The counts of the proposal's ballots in ONE query (so the version and the counts come from one snapshot),
    grouped by choice like the bare aggregate it is measured against (bench/bench_tally.py): five aggregates for the
    ORM to build instead of sixteen filtered ones. Those taking part are summed by tally_groups."""
    row = {"version": 0}
    for choice in Choice.values:
        row.update({f"{choice}_households": 0, f"{choice}_heads": 0, f"{choice}_area": _ZERO})
    counts = (
        Ballot.objects.filter(proposal_id=proposal.pk)
        .values("choice")
        .annotate(version=Max("seq"), households=Count("id"), heads=head_count(), area=Sum("area"))
        .order_by()
    )
    for each in counts:
        choice = each["choice"]
        row[f"{choice}_households"], row[f"{choice}_heads"] = each["households"], each["heads"]
        row[f"{choice}_area"] = exact_area(each["area"])
        row["version"] = max(row["version"], each["version"] or 0)
    return row


def _tally_counts(proposal: Proposal, *, cached: bool = True) -> tuple[int, dict[str, engine.Count]]:
    """(version, counts per group). Cached by the proposal's id, ballot sequence and state as the database has them
    now (one primary-key read; the caller's object may predate the last ballot), unless `cached` is False: the audit
    reads the table itself, since a change made behind the writer's back leaves the sequence as it was."""
    row = None
    if cached:
        seq, state = Proposal.objects.filter(pk=proposal.pk).values_list("ballot_seq", "state").get()
        key = f"voting:tally:{proposal.pk}:{seq}:{state}"
        row = cache.get(key)
    if row is None:
        row = _tally_row(proposal)
        if cached:
            cache.set(key, row, TALLY_CACHE_SECONDS)
    choices = {
        choice: engine.Count(row[f"{choice}_households"], row[f"{choice}_heads"], exact_area(row[f"{choice}_area"]))
        for choice in Choice.values
    }
    return row["version"] or 0, tally_groups(proposal, choices)


NOBODY = engine.Count(0, 0, _ZERO)


def tally_groups(proposal: Proposal, choices: dict[str, engine.Count]) -> dict[str, engine.Count]:
    """The engine's groups of a proposal from the counts per choice of its ballots (a choice missing: nobody):
    the frozen electorate, and those taking part as the sum over the choices — every flat of a head carries the
    head's one choice (ballots_write), so a head is counted under one choice only."""
    groups = {
        engine.ELECTORATE: engine.Count(
            proposal.electorate_households, proposal.electorate_heads, proposal.electorate_area or _ZERO
        )
    }
    for choice in Choice.values:
        groups[choice] = choices.get(choice, NOBODY)
    groups[engine.PARTICIPATED] = engine.Count(
        sum(groups[c].households for c in Choice.values),
        sum(groups[c].heads for c in Choice.values),
        sum((groups[c].area for c in Choice.values), _ZERO),
    )
    return groups


def tally_outcome(proposal: Proposal, *, cached: bool = True) -> engine.Outcome:
    return engine.decide(engine.RULES[proposal.rule], _tally_counts(proposal, cached=cached)[1])


def count_json(count: engine.Count) -> dict:
    return {"households": count.households, "heads": count.heads, "area": f"{Decimal(count.area):.2f}"}


def _ratio_json(value) -> str:
    return f"{value.numerator}/{value.denominator}"


def _percent(value) -> str:
    return f"{(Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(Decimal('0.1'))}"


def tally_json(proposal: Proposal) -> dict:
    """The tally as served by tally.json and the WebSocket: totals only, never who voted how. Two queries at most."""
    version, groups = _tally_counts(proposal)
    return tally_dict(proposal, version, groups)


def tally_dict(proposal: Proposal, version: int, groups: dict[str, engine.Count]) -> dict:
    """tally_json's dict for the proposal's counts (tally_groups) at `version`: one shape for the proposal's own tally
    and each matter of a meeting's (meetings.tally). No query."""
    outcome = engine.decide(engine.RULES[proposal.rule], groups)
    needed = outcome.needed
    status = proposal.voting_status()
    return {
        "proposal": proposal.pk,
        # Once the window has ended no ballot can change the result: it reads as closed before the scheduled job
        # has closed the proposal (with this same tally).
        "state": State.CLOSED if status == Proposal.ENDED else proposal.state,
        "rule": proposal.rule,
        "version": version,
        "open": status == Proposal.OPEN,
        "closes_at": proposal.voting_closes_at.isoformat() if proposal.voting_closes_at else None,
        "electorate": count_json(outcome.electorate),
        "participated": count_json(outcome.participated),
        "agree": count_json(outcome.agree),
        "disagree": count_json(outcome.disagree),
        "abstain": count_json(outcome.abstain),
        "passed": proposal.passed if proposal.state in (State.CLOSED, State.PUBLISHED) else outcome.passed,
        "needed": {
            "households": needed.households,
            "heads": needed.heads,
            "area": None if needed.area is None else f"{needed.area:.2f}",
        },
        "checks": [
            {
                "group": check.condition.group,
                "of": check.condition.of,
                "dimension": check.condition.dimension,
                "op": check.condition.op,
                "threshold": _ratio_json(check.condition.ratio),
                "value": _ratio_json(check.value),
                "percent": _percent(check.value),
                "met": check.met,
            }
            for check in outcome.checks
        ],
    }


def tally_recount(proposal: Proposal) -> engine.Outcome:
    """The tally recounted voter by voter through the pure engine: what tests and verify_ballots compare against."""
    electors = list(proposal.electors.values_list("household_id", "area", "head"))
    voters = [engine.Voter(key=str(h), area=area, owner=head) for h, area, head in electors]
    choices = {str(h): c for h, c in Ballot.objects.filter(proposal=proposal).values_list("household_id", "choice")}
    return engine.evaluate(engine.RULES[proposal.rule], voters, choices)


# --- What one household's account sees of a proposal (the household pages) ---


# Why a ballot is refused, by Proposal.voting_status(): the writer's words, which the pages repeat before it.
_WINDOW_REFUSALS = {
    Proposal.NOT_OPEN: lambda: _("Voting on this proposal is not open."),
    Proposal.NOT_YET: lambda: _("Voting on this proposal has not opened yet."),
    Proposal.ENDED: lambda: _("Voting on this proposal has closed."),
}


def window_refusal(proposal: Proposal, now=None) -> str:
    """Why a ballot cast at `now` would be refused by the voting window, or "" while it is open."""
    refusal = _WINDOW_REFUSALS.get(proposal.voting_status(now))
    return refusal() if refusal else ""


def seated_electors(proposal: Proposal, user, *, household_ids, developer_flats: bool = False):
    """The electors of `household_ids` (and, with `developer_flats`, every developer flat when `user` is the account
    designated for the developer) with what voting.rules.Seat needs, their ballot and their location. One query."""
    electors = Elector.objects.filter(proposal_id=proposal.pk)
    wanted = Q(household_id__in=list(household_ids))
    if developer_flats:
        wanted |= Q(head=DEVELOPER_HEAD, proposal__community__developer_voter_id=user.pk)
    flats = (
        Elector.objects.filter(proposal_id=OuterRef("proposal_id"), head=OuterRef("head"))
        .order_by()
        .values("head")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        electors.filter(wanted)
        .select_related("ballot__recorded_by", "household__entrance__building")
        .annotate(
            relation=Subquery(
                HouseholdBinding.objects.filter(user_id=user.pk, household_id=OuterRef("household_id")).values(
                    "relation"
                )[:1]
            ),
            head_flats=Subquery(flats, output_field=IntegerField()),
            owns_head=Exists(
                Elector.objects.filter(
                    proposal_id=OuterRef("proposal_id"),
                    head=OuterRef("head"),
                    household__bindings__user_id=user.pk,
                    household__bindings__relation=HouseholdBinding.Relation.OWNER,
                )
            ),
            developer_voter=F("proposal__community__developer_voter_id"),
        )
        .order_by(
            "household__entrance__building__sort_key",
            "household__entrance__sort_key",
            "-household__floor",
            "household__room_sort_key",
        )
    )


def seat_of(elector: Elector, user) -> Seat:
    """The Seat of `user` for an elector read by seated_electors()."""
    return Seat(
        user_id=user.pk,
        household_id=elector.household_id,
        head=elector.head,
        flats=elector.head_flats or 0,
        relation=elector.relation or "",
        owns_head=bool(elector.owns_head),
        designated=elector.developer_voter is not None and elector.developer_voter == user.pk,
    )


@dataclass
class MyHousehold:
    """One household the user is bound to (or votes for), as the proposal sees it: in the electorate or not, and
    whether this account casts its ballot.

    `same_head` lists the other households of the same head in the electorate when this account casts the head's
    ballot (one choice covers them all); it stays empty otherwise, so a member never sees the owner's other flats.
    `refusal` says why this account does not cast this flat's ballot (voting.rules.cast_refusal); the ballot of a
    flat this account does not cast is not shown either (its receipt would name the owner's other flats).
    """

    household: Household
    elector: Elector | None = None
    ballot: Ballot | None = None
    same_head: list[Household] = field(default_factory=list)
    seat: Seat | None = None
    refusal: str = ""

    @property
    def in_scope(self) -> bool:
        return self.elector is not None


def my_households(proposal: Proposal, user) -> list[MyHousehold]:
    """The user's households in the proposal's community with their elector, ballot and same-head flats, plus the
    developer's flats in the electorate when the user is the account designated for them.

    Three queries at most, whatever the size of the community.
    """
    if not user.is_authenticated:
        return []
    households = list(Household.objects.bound_to(user, proposal.community_id))
    if not households and proposal.community.developer_voter_id != user.pk:
        return []
    electors = {
        elector.household_id: elector
        for elector in seated_electors(proposal, user, household_ids=[h.pk for h in households], developer_flats=True)
    }
    bound = {h.pk for h in households}
    households += [e.household for e in electors.values() if e.household_id not in bound]
    mine = []
    for household in households:
        item = MyHousehold(household=household)
        elector = electors.get(household.pk)
        if elector is not None:
            item.elector, item.seat = elector, seat_of(elector, user)
            item.refusal = cast_refusal(item.seat)
            if not item.refusal:
                item.ballot = getattr(elector, "ballot", None)
        mine.append(item)
    heads = {item.elector.head for item in mine if item.elector and not item.refusal}
    if heads:
        others = (
            Elector.objects.filter(proposal_id=proposal.pk, head__in=heads)
            .select_related("household__entrance__building")
            .order_by(
                "household__entrance__building__sort_key", "household__entrance__sort_key", "household__room_sort_key"
            )
        )
        by_head: dict[str, list[Household]] = {}
        for other in others:
            by_head.setdefault(other.head, []).append(other.household)
        for item in mine:
            if item.elector and not item.refusal:
                item.same_head = [h for h in by_head.get(item.elector.head, []) if h.pk != item.household.pk]
    return mine


def ballots_by_receipt(proposal: Proposal, receipt: str) -> list[Ballot]:
    """The ballots of this proposal recorded under `receipt` (one cast covers all flats of one head)."""
    return list(
        Ballot.objects.filter(proposal_id=proposal.pk, receipt=receipt)
        .select_related("household__entrance__building")
        .order_by("household_id")
    )


@dataclass(frozen=True)
class PastReceipt:
    """What a receipt code no ballot holds any more recorded for one flat, and when its choice changed after."""

    event: BallotEvent
    changed_at: object  # the moment of the flat's next log entry (datetime)


def receipt_history(proposal: Proposal, receipt: str) -> list[PastReceipt]:
    """The flats whose log entries once gave them `receipt`, with the choice then and when it changed later (for a
    code that ballots_by_receipt no longer finds). Two queries; codes written before the log kept them find none."""
    events = list(
        BallotEvent.objects.filter(proposal_id=proposal.pk, receipt=receipt, undoes=None)
        .select_related("household__entrance__building")
        .order_by("household_id", "seq")
    )
    first = {}
    for event in events:
        first.setdefault(event.household_id, event)
    last_seq = max((event.seq for event in events), default=0)
    later = {}
    for household_id, at in (
        BallotEvent.objects.filter(proposal_id=proposal.pk, household_id__in=list(first), seq__gt=last_seq)
        .order_by("seq")
        .values_list("household_id", "at")
    ):
        later.setdefault(household_id, at)
    return [PastReceipt(event, later.get(household_id)) for household_id, event in first.items()]


# --- The committee's register: who voted how, household by household ---------------------------------------------

REGISTER_STATUS_NONE = "none"
REGISTER_STATUS_VOTED = "voted"
REGISTER_STATUSES = (REGISTER_STATUS_NONE, REGISTER_STATUS_VOTED, *Choice.values)


@dataclass(frozen=True)
class RegisterFilters:
    """What the register is narrowed to: a building or an entrance (ids), a channel, a status (REGISTER_STATUSES)."""

    building: int | None = None
    entrance: int | None = None
    channel: str = ""
    status: str = ""

    @classmethod
    def from_query(cls, params) -> "RegisterFilters":
        """From GET parameters; a value that is not understood is left out rather than refused."""

        def number(name: str) -> int | None:
            value = params.get(name, "")
            return int(value) if value.isdigit() and len(value) < 12 else None

        channel = params.get("channel", "")
        status = params.get("status", "")
        return cls(
            building=number("building"),
            entrance=number("entrance"),
            channel=channel if channel in Channel.values else "",
            status=status if status in REGISTER_STATUSES else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.building or self.entrance or self.channel or self.status)


def register_electors(proposal: Proposal, filters: RegisterFilters):
    """The proposal's electors narrowed by `filters`, not yet ordered."""
    electors = Elector.objects.filter(proposal=proposal)
    if filters.building:
        electors = electors.filter(household__entrance__building_id=filters.building)
    if filters.entrance:
        electors = electors.filter(household__entrance_id=filters.entrance)
    if filters.channel:
        electors = electors.filter(ballot__channel=filters.channel)
    if filters.status == REGISTER_STATUS_NONE:
        electors = electors.filter(ballot__isnull=True)
    elif filters.status == REGISTER_STATUS_VOTED:
        electors = electors.filter(ballot__isnull=False)
    elif filters.status:
        electors = electors.filter(ballot__choice=filters.status)
    return electors


_REGISTER_ORDER = (
    "household__entrance__building__sort_key",
    "household__entrance__sort_key",
    "-household__floor",
    "household__room_sort_key",
    "pk",
)


def register_rows(electors):
    """A few rows (a search, one household): owner, ballot and recorder joined, the owner's flats in the electorate
    counted, in roster order (building, entrance, top floor first, room). For a page or an export of the whole
    register use register_page_rows() or register_export_rows(): the count per row would be computed for every
    row skipped by an OFFSET."""
    flats = (
        Elector.objects.filter(proposal=OuterRef("proposal"), head=OuterRef("head"))
        .order_by()
        .values("head")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        electors.select_related("owner", "ballot__recorded_by")
        .annotate(head_flats=Subquery(flats, output_field=IntegerField()))
        .order_by(*_REGISTER_ORDER)
    )


def register_order(electors):
    """The electors' ids in roster order: what a page is cut from. Sorting ids only keeps the sort narrow."""
    return electors.order_by(*_REGISTER_ORDER).values_list("pk", flat=True)


def register_head_flats(proposal: Proposal, heads=None) -> dict[str, int]:
    """{head: number of flats in the electorate} for the heads with more than one flat (of `heads`, or all)."""
    electors = Elector.objects.filter(proposal=proposal)
    if heads is not None:
        electors = electors.filter(head__in=sorted(set(heads)))
    return dict(electors.order_by().values("head").annotate(n=Count("pk")).filter(n__gt=1).values_list("head", "n"))


def register_page_rows(proposal: Proposal, ids) -> list[Elector]:
    """The rows of one page (ids from register_order()), joined and in that order, with `head_flats`. Two queries."""
    ids = list(ids)
    by_id = {
        elector.pk: elector
        for elector in Elector.objects.filter(pk__in=ids).select_related("owner", "ballot__recorded_by")
    }
    rows = [by_id[pk] for pk in ids if pk in by_id]
    flats = register_head_flats(proposal, [row.head for row in rows]) if rows else {}
    for row in rows:
        row.head_flats = flats.get(row.head, 1)
    return rows


def register_export_rows(proposal: Proposal, electors):
    """Every row of a (filtered) register, joined and in roster order, with `head_flats`, read in chunks.
    Two queries, whatever the size."""
    flats = register_head_flats(proposal)
    rows = electors.select_related("owner", "ballot__recorded_by").order_by(*_REGISTER_ORDER)
    for row in rows.iterator(chunk_size=2000):
        row.head_flats = flats.get(row.head, 1)
        yield row


@dataclass(frozen=True)
class RegisterCount:
    households: int
    heads: int
    area: Decimal


@dataclass(frozen=True)
class RegisterTotals:
    """Totals of a (filtered) register: everyone, those with a ballot, those without, and per choice."""

    electorate: RegisterCount
    voted: RegisterCount
    not_voted: RegisterCount
    agree: RegisterCount
    disagree: RegisterCount
    abstain: RegisterCount


def register_totals(electors) -> RegisterTotals:
    """One aggregate query over the filtered electors."""
    groups = {
        "electorate": Q(),
        "voted": Q(ballot__isnull=False),
        "not_voted": Q(ballot__isnull=True),
        **{choice: Q(ballot__choice=choice) for choice in Choice.values},
    }
    aggregates = {}
    for name, only in groups.items():
        extra = {"filter": only} if only else {}
        aggregates[f"{name}_households"] = Count("id", **extra)
        aggregates[f"{name}_heads"] = Count("head", distinct=True, **extra)
        aggregates[f"{name}_area"] = Sum("area", **extra)
    row = electors.order_by().aggregate(**aggregates)
    cent = Decimal("0.01")
    return RegisterTotals(
        **{
            # SQLite sums decimals as floats; quantising gives both databases the same two places.
            name: RegisterCount(
                row[f"{name}_households"], row[f"{name}_heads"], Decimal(row[f"{name}_area"] or 0).quantize(cent)
            )
            for name in groups
        }
    )


def register_entrances(proposal: Proposal) -> list[Entrance]:
    """The entrances (with their building) that have households in the electorate, for the filters. One query."""
    return list(
        Entrance.objects.filter(
            pk__in=Elector.objects.filter(proposal=proposal).order_by().values("household__entrance_id")
        )
        .select_related("building")
        .order_by("building__sort_key", "sort_key")
    )


def electorate_search(proposal: Proposal, text: str, *, full_phones: bool, limit: int = 20) -> tuple[list, bool]:
    """The electors matching the secretary's search box ("3-5-502", "3-5", an owner's name, phone digits), at most
    `limit`, in roster order; and whether households of the community match that are outside the electorate.
    Two queries at most."""
    query = parse_household_query(text)
    if query.is_empty:
        return [], False
    households = household_search(proposal.community, query, full_phones=full_phones)
    found = list(
        register_rows(Elector.objects.filter(proposal=proposal, household__in=households.values("pk")))[:limit]
    )
    outside = not found and households.exists()
    return found, outside
