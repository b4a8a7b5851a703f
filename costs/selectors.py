"""Reads of cost plans: each household's share (live before voting, frozen from then on), bills and collection.

Every function here costs a constant number of queries whatever the size of the community: the shares of
3,000 (or 50,000) households are split in Python from one query's rows.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import astuple, dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.utils.translation import gettext as _

from community.models import Household, natural_sort_key
from costs.engine import Part, split
from costs.models import (
    Beneficiary,
    Bill,
    BillStatus,
    CostMethod,
    CostPlan,
    FloorCoefficient,
    PaymentInstructions,
    Share,
    Sharers,
)
from proposals.models import Proposal
from proposals.selectors import scope_households
from voting.models import Elector

ZERO = Decimal("0.00")
# Live shares are recomputed when anything they depend on changes (see _live_key); this only bounds the
# life of entries nobody asks for any more.
LIVE_SHARES_SECONDS = 600
FLOOR_METHODS = {CostMethod.FLOOR, CostMethod.FLOOR_AREA}


@dataclass
class ShareRow:
    """One household's line of the share table."""

    household_id: int
    building: str
    entrance: str
    room: str
    floor: int
    area: Decimal
    weight: Decimal
    amount: Decimal = ZERO
    position: int = 0

    @property
    def code(self) -> str:
        """ "3-5-502", as people say it and the roster search takes it."""
        return f"{self.building}-{self.entrance}-{self.room}"


@dataclass
class Shares:
    """The shares of a plan: `rows` in split order; `error` says why the amount cannot be shared (then no amounts)."""

    plan: CostPlan
    rows: list[ShareRow] = field(default_factory=list)
    frozen: bool = False
    error: str = ""

    @property
    def by_household(self) -> dict[int, ShareRow]:
        return {row.household_id: row for row in self.rows}

    @property
    def shared(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)


def plan_for(proposal: Proposal) -> CostPlan | None:
    return CostPlan.objects.filter(proposal_id=proposal.pk).first()


def coefficients_of(plan: CostPlan) -> dict[int, Decimal]:
    return dict(FloorCoefficient.objects.filter(plan=plan).values_list("floor", "coefficient"))


def active_beneficiaries(plan: CostPlan):
    return Beneficiary.objects.filter(plan=plan, withdrawn_at__isnull=True)


def beneficiaries_listed(plan: CostPlan, *, limit: int) -> tuple[list[Beneficiary], int]:
    """The first `limit` active sign-ups in roster order, and how many there are."""
    signed_up = active_beneficiaries(plan)
    listed = signed_up.select_related("household__entrance__building").order_by(
        "household__entrance__building__sort_key", "household__entrance__sort_key", "household__floor", "pk"
    )
    return list(listed[:limit]), signed_up.count()


def sign_up_totals(plan: CostPlan) -> tuple[int, Decimal]:
    """How many households signed up, and their numbers added up (one query)."""
    row = active_beneficiaries(plan).aggregate(n=Count("pk"), w=Sum("weight"))
    return row["n"], _money(row["w"])


def _sorted(rows: list[ShareRow]) -> list[ShareRow]:
    """Building, entrance, floor, room — in Python's order, not the database's collation, so that PostgreSQL and
    SQLite hand the leftover fen to the same households. Names repeat, so each is keyed once."""
    key = functools.lru_cache(maxsize=None)(natural_sort_key)
    rows.sort(key=lambda row: (key(row.building), key(row.entrance), row.floor, key(row.room), row.household_id))
    for position, row in enumerate(rows):
        row.position = position
    return rows


def _live_source(proposal: Proposal, plan: CostPlan, electorate: bool):
    """(queryset, household id field, prefix to the household) of the households that share the cost: the scope
    as it stands or (from the lock) the frozen electorate; only the active beneficiaries if the plan says so."""
    if electorate:
        source, id_field, prefix = Elector.objects.filter(proposal_id=proposal.pk), "household_id", "household__"
    else:
        source, id_field, prefix = scope_households(proposal), "id", ""
    if plan.sharers == Sharers.BENEFICIARIES:
        source = source.filter(**{f"{id_field}__in": active_beneficiaries(plan).values("household_id")})
    return source.order_by(), id_field, prefix


def _live_rows(proposal: Proposal, plan: CostPlan, electorate: bool) -> list[ShareRow]:
    """The sharing households with their area (the electorate's, once frozen), floor and weight, in split order."""
    source, id_field, prefix = _live_source(proposal, plan, electorate)
    weights: dict[int, Decimal] = {}
    if plan.sharers == Sharers.BENEFICIARIES:
        weights = dict(active_beneficiaries(plan).values_list("household_id", "weight"))
    values = source.values_list(
        id_field,
        f"{prefix}entrance__building__name",
        f"{prefix}entrance__name",
        f"{prefix}room",
        f"{prefix}floor",
        "area",
    )
    return _sorted(
        [
            ShareRow(
                household_id=household_id,
                building=building,
                entrance=entrance,
                room=room,
                floor=floor,
                area=area,
                weight=Decimal(weights.get(household_id, 1)),
            )
            for household_id, building, entrance, room, floor, area in values.iterator(chunk_size=5000)
        ]
    )


def split_rows(plan: CostPlan, rows: list[ShareRow], coefficients: dict[int, Decimal] | None) -> str:
    """Fill in each row's amount (in place); return "" or why the amount cannot be shared among these rows."""
    amount = plan.to_share
    if not rows:
        return _("Nobody shares this cost yet.") if amount else ""
    parts = [Part(key=str(row.household_id), area=row.area, floor=row.floor, weight=row.weight) for row in rows]
    try:
        shares = split(amount, parts, plan.method, coefficients or None)
    except ValueError:
        # The other refusals of split() cannot happen here (amounts and weights are checked when entered).
        return _("The amount cannot be shared: every household sharing it counts zero (check the floor coefficients).")
    for row in rows:
        row.amount = shares[str(row.household_id)]
    return ""


def _row(share: Share) -> ShareRow:
    return ShareRow(
        household_id=share.household_id,
        building=share.building,
        entrance=share.entrance,
        room=share.room,
        floor=share.floor,
        area=share.area,
        weight=share.weight,
        amount=share.amount,
        position=share.position,
    )


def shares_compute(proposal: Proposal, *, plan: CostPlan | None = None) -> Shares | None:
    """Every sharing household's share of `proposal`'s plan, in split order (None without a plan).

    Before voting: from the scope and the sign-ups as they stand. From the lock on (voting opened): the
    shares frozen then (Share rows), so a roster edit cannot change them. About 4 queries either way.
    """
    plan = plan or plan_for(proposal)
    if plan is None:
        return None
    if plan.is_locked:
        rows = [_row(share) for share in Share.objects.filter(plan=plan).order_by("position").iterator(chunk_size=5000)]
        return Shares(plan=plan, rows=rows, frozen=True)
    # Before voting every household page would split the whole scope again (seconds at 50,000 households):
    # the result is cached under a fingerprint of everything it depends on, checked with one aggregate query.
    key = _live_key(proposal, plan)
    cached = cache.get(key)
    if cached is not None:
        rows, error = cached
        return Shares(plan=plan, rows=[ShareRow(*row) for row in rows], error=error)
    shares = shares_from_live(proposal, plan, electorate=False)
    cache.set(key, ([astuple(row) for row in shares.rows], shares.error), LIVE_SHARES_SECONDS)
    return shares


def _live_key(proposal: Proposal, plan: CostPlan) -> str:
    """The cache key of the live shares: the plan (every service that changes it, its items, coefficients or
    sign-ups, moves `updated_at`), the proposal's scope (`updated_at`), and a checksum of the sharing households'
    ids, areas, floors and entrances — weighted by id, so that two households swapping a value change it too."""
    source, id_field, prefix = _live_source(proposal, plan, electorate=False)
    ident = F(id_field)
    checksum = source.aggregate(
        n=Count(id_field),
        top=Max(id_field),
        area=Sum(ExpressionWrapper(F("area") * ident, output_field=DecimalField(max_digits=30, decimal_places=2))),
        floor=Sum(F(f"{prefix}floor") * ident),
        entrance=Sum(F(f"{prefix}entrance_id") * ident),
    )
    inputs = (
        plan.pk,
        plan.updated_at.isoformat(),
        str(plan.to_share),
        plan.method,
        plan.sharers,
        proposal.updated_at.isoformat() if proposal.updated_at else "",
        proposal.scope,
        sorted((name, str(value)) for name, value in checksum.items()),
    )
    return "costs:live-shares:" + hashlib.sha256(repr(inputs).encode()).hexdigest()


def shares_from_live(proposal: Proposal, plan: CostPlan, *, electorate: bool) -> Shares:
    """Split the plan's amount over the live scope (or the frozen electorate, when the lock freezes the shares)."""
    rows = _live_rows(proposal, plan, electorate)
    coefficients = coefficients_of(plan) if plan.method in FLOOR_METHODS else None
    return Shares(plan=plan, rows=rows, error=split_rows(plan, rows, coefficients))


def scope_floors(proposal: Proposal) -> list[int]:
    """The floors of the households in scope, for the coefficients table."""
    return sorted(set(scope_households(proposal).order_by().values_list("floor", flat=True).distinct()))


# --- What one household sees ----------------------------------------------------------------------------------


@dataclass
class MyShare:
    """One of the user's households on a proposal with a plan: in scope? signed up? its share, its bill."""

    household: Household
    in_scope: bool = False
    beneficiary: Beneficiary | None = None
    share: ShareRow | None = None
    bill: Bill | None = None

    @property
    def signed_up(self) -> bool:
        return self.beneficiary is not None and self.beneficiary.withdrawn_at is None


def my_shares(proposal: Proposal, user, *, plan: CostPlan | None) -> list[MyShare]:
    """The user's households in the proposal's community with their share (and bill, once it passed).

    At most 6 queries whatever the size of the community; once voting opened, only the user's rows are read.
    """
    if plan is None or not user.is_authenticated:
        return []
    households = list(Household.objects.bound_to(user, proposal.community_id))
    if not households:
        return []
    ids = [h.pk for h in households]
    mine = {h.pk: MyShare(household=h) for h in households}
    if plan.sharers == Sharers.BENEFICIARIES:
        for beneficiary in Beneficiary.objects.filter(plan=plan, household_id__in=ids):
            mine[beneficiary.household_id].beneficiary = beneficiary
    if plan.is_locked:
        # Frozen: the electorate says who is in scope, the Share rows hold the shares (and the bills, once made).
        electors = Elector.objects.filter(proposal_id=proposal.pk, household_id__in=ids)
        for household_id in electors.values_list("household_id", flat=True):
            mine[household_id].in_scope = True
        for share in Share.objects.filter(plan=plan, household_id__in=ids):
            mine[share.household_id].share = _row(share)
        if plan.billed_at:
            for bill in Bill.objects.filter(proposal_id=proposal.pk, household_id__in=ids):
                mine[bill.household_id].bill = bill
        return list(mine.values())
    for household_id in scope_households(proposal).filter(pk__in=ids).values_list("pk", flat=True):
        mine[household_id].in_scope = True
    if any(item.in_scope for item in mine.values()):
        shares = shares_compute(proposal, plan=plan)
        by_household = shares.by_household if not shares.error else {}
        for household_id, item in mine.items():
            item.share = by_household.get(household_id)
    return list(mine.values())


# --- Bills and collection ---------------------------------------------------------------------------------------


@dataclass
class Collection:
    """Counts of a plan's bills by status, and sums exact to the fen: `sums["paid"]` is all the money received,
    `sums["unpaid"]` all that is still to pay (a paid bill that a re-split added to counts its rest here),
    `sums["waived"]` the waived bills."""

    counts: dict[str, int]
    sums: dict[str, Decimal]
    waived_not_resplit: Decimal

    @property
    def bills(self) -> int:
        return sum(self.counts.values())

    @property
    def due(self) -> Decimal:
        """Everything the bills ask for now, except waived amounts."""
        return self.sums[BillStatus.PAID] + self.sums[BillStatus.UNPAID]


def collection(proposal: Proposal) -> Collection:
    """One aggregate query over the proposal's bills."""
    aggregates = {f"n_{status}": Count("pk", filter=Q(status=status)) for status in BillStatus.values}
    aggregates["s_paid"] = Sum("paid_amount")
    aggregates["s_unpaid"] = Sum(F("amount") - F("paid_amount"), filter=Q(status=BillStatus.UNPAID))
    aggregates["s_waived"] = Sum("amount", filter=Q(status=BillStatus.WAIVED))
    aggregates["open_waived"] = Sum("amount", filter=Q(status=BillStatus.WAIVED, resplit__isnull=True))
    row = Bill.objects.filter(proposal_id=proposal.pk).aggregate(**aggregates)
    return Collection(
        counts={status: row[f"n_{status}"] for status in BillStatus.values},
        sums={status: _money(row[f"s_{status}"]) for status in BillStatus.values},
        waived_not_resplit=_money(row["open_waived"]),
    )


def _money(value) -> Decimal:
    # SQLite sums decimals as floats; every amount has two places, so rounding to the fen restores it exactly.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def bills_of(proposal: Proposal, *, status: str = "", building: str = "", entrance: str = ""):
    """The proposal's bills in share-table order, filtered (the page paginates it)."""
    bills = Bill.objects.filter(proposal_id=proposal.pk).select_related("recorded_by", "household__owner")
    if status:
        bills = bills.filter(status=status)
    if building:
        bills = bills.filter(household__entrance__building__name=building)
        if entrance:
            bills = bills.filter(household__entrance__name=entrance)
    return bills.order_by("position")


def payment_instructions_for(community) -> PaymentInstructions | None:
    """How the community's households pay, as the committee wrote it (None until it does)."""
    return PaymentInstructions.objects.filter(community_id=community.pk).first()


def bill_buildings(proposal: Proposal) -> list[tuple[str, list[str]]]:
    """The buildings and entrances that have bills, for the collection page's filter."""
    pairs = (
        Bill.objects.filter(proposal_id=proposal.pk)
        .order_by()
        .values_list("household__entrance__building__name", "household__entrance__name")
        .distinct()
    )
    return _group_entrances(pairs)


def _group_entrances(pairs) -> list[tuple[str, list[str]]]:
    grouped: dict[str, set[str]] = {}
    for building, entrance in pairs:
        grouped.setdefault(building, set()).add(entrance)
    buildings = sorted(grouped, key=natural_sort_key)
    return [(building, sorted(grouped[building], key=natural_sort_key)) for building in buildings]


def share_buildings(rows: list[ShareRow]) -> list[tuple[str, list[str]]]:
    return _group_entrances({(row.building, row.entrance) for row in rows})
