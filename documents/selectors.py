"""Reads behind the printed documents: the register annex rows, the join slips, the walk sheets.

Each is a constant number of queries whatever the community's size; large ones stream with iterator().
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, Entrance, Household, JoinCode
from consult.models import Assignment, Visit
from consult.selectors import Helper, committee_helper, entrance_helpers
from core.dates import local_minute
from core.identity import mask_phone
from documents.annex import AnnexRow
from documents.slips import Slip
from proposals.models import Proposal
from proposals.selectors import scope_households
from voting.models import Channel, Choice, Elector

_STREAM = 5000


def place_label(building: str, entrance: str, room: str) -> str:
    """ "3号楼5单元502" as the roster says it (a lettered building such as "A座" keeps its name)."""
    building_label = f"{building}号楼" if building.isdigit() else building
    entrance_label = f"{entrance}单元" if entrance.isdigit() else entrance
    return f"{building_label}{entrance_label}{room}"


# --- The per-household register annex -------------------------------------------------------------------


def annex_rows(proposal: Proposal, *, shares: dict | None = None) -> list[AnnexRow]:
    """Every household of the frozen electorate with its ballot or "not voted", by building, entrance, floor, room;
    the last column is the ballot's time, or with `shares` (household id → amount) the household's share.

    One query (the ballot is a LEFT JOIN), streamed: 30,000 electors are a few MB of tuples.
    """
    choices = {value: str(label) for value, label in Choice.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    not_voted = _("not voted")
    rows = (
        Elector.objects.filter(proposal=proposal)
        .order_by(
            "household__entrance__building__sort_key",
            "household__entrance__sort_key",
            "household__floor",
            "household__room_sort_key",
            "household_id",
        )
        .values_list(
            "household_id",
            "household__entrance__building__name",
            "household__entrance__name",
            "household__room",
            "owner__name",
            "area",
            "ballot__choice",
            "ballot__channel",
            "ballot__cast_at",
        )
    )

    def last(household_id, cast_at) -> str:
        if shares is None:
            return local_minute(cast_at)
        share = shares.get(household_id)
        return f"{share:,.2f}" if share is not None else "—"

    return [
        AnnexRow(
            place=place_label(building, entrance, room),
            owner=owner,
            area=f"{area:.2f}",
            choice=choices.get(choice, not_voted) if choice else not_voted,
            channel=channels.get(channel, "") if channel else "",
            at=last(household_id, cast_at),
        )
        for household_id, building, entrance, room, owner, area, choice, channel, cast_at in rows.iterator(
            chunk_size=_STREAM
        )
    ]


def electorate_size(proposal: Proposal) -> int:
    return Elector.objects.filter(proposal=proposal).count()


# --- Join slips -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlipScope:
    """Which households get slips: an entrance, a building, or (both None) the whole community."""

    community: Community
    building_id: int | None = None
    entrance_id: int | None = None

    def households(self):
        households = Household.objects.of(self.community)
        if self.entrance_id is not None:
            return households.filter(entrance_id=self.entrance_id)
        if self.building_id is not None:
            return households.filter(entrance__building_id=self.building_id)
        return households

    @property
    def params(self) -> dict:
        return {key: value for key, value in (("building", self.building_id), ("entrance", self.entrance_id)) if value}


def usable_codes():
    now = timezone.now()
    return JoinCode.objects.filter(revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=now)


def households_without_code(scope: SlipScope):
    return scope.households().filter(~Exists(usable_codes().filter(household=OuterRef("pk"))))


def slip_helpers(community: Community, entrance_ids) -> tuple[dict[int, Helper], Helper | None]:
    """Whom each entrance's slips name for help: the canvasser assigned to the entrance (or its building) on a
    proposal being canvassed, else the committee member who joined the committee first — each only with a phone.
    The roster has no standing "building head", so the assignments of the proposals in progress stand for one."""
    return entrance_helpers(community, entrance_ids), committee_helper(community)


def slip_rows(scope: SlipScope, *, join_url) -> list[Slip]:
    """One slip per household of the scope that has a usable code (the newest), in roster order, each naming whom
    to ask for help (slip_helpers). Five queries at most.

    `join_url(code)` is the absolute URL the QR code carries.
    """
    households = list(
        scope.households()
        .in_order()
        .values_list("pk", "entrance__building__name", "entrance__name", "room", "entrance_id")
        .iterator(chunk_size=_STREAM)
    )
    helpers, committee = slip_helpers(scope.community, {row[4] for row in households})
    codes: dict[int, JoinCode] = {}
    for code in (
        usable_codes()
        .filter(household__in=scope.households())
        .order_by("household_id", "created_at", "pk")
        .only("household_id", "code", "expires_at")
        .iterator(chunk_size=_STREAM)
    ):
        codes[code.household_id] = code  # the newest wins
    slips = []
    for pk, building, entrance, room, entrance_id in households:
        code = codes.get(pk)
        if code is None:
            continue
        helper, kind = helpers.get(entrance_id), "canvasser"
        if helper is None:
            helper, kind = committee, "committee"
        slips.append(
            Slip(
                place=place_label(building, entrance, room),
                code=code.display,
                url=join_url(code.code),
                expires=timezone.localtime(code.expires_at).date().isoformat(),
                helper=kind if helper else "",
                helper_name=helper.name if helper else "",
                helper_phone=helper.phone if helper else "",
            )
        )
    return slips


# --- Walk sheets ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkRow:
    floor: int
    place: str
    room: str
    owner: str
    phone: str
    last_visit: str
    last_visit_on: date | None


def walk_sheet_entrances(proposal: Proposal, user):
    """The entrances of the proposal's scope this user may print a walk sheet for: all of them for the committee,
    the assigned ones (or those of an assigned building) for a canvasser."""
    entrances = Entrance.objects.filter(
        pk__in=scope_households(proposal).values("entrance_id"), building__community=proposal.community
    )
    if not user.has_perm("consult.manage_canvassing", proposal):
        mine = Assignment.objects.filter(proposal=proposal, canvasser=user)
        entrances = entrances.filter(
            Q(pk__in=mine.filter(entrance__isnull=False).values("entrance_id"))
            | Q(building_id__in=mine.filter(building__isnull=False).values("building_id"))
        )
    return entrances.select_related("building").order_by("building__sort_key", "sort_key")


def walk_rows(proposal: Proposal, entrance: Entrance) -> list[WalkRow]:
    """The households of `entrance` in the proposal's scope, top floor first, with the last visit. Two queries."""
    households = list(
        scope_households(proposal)
        .filter(entrance=entrance)
        .select_related("owner", "entrance__building")
        .order_by("-floor", "room_sort_key", "pk")
    )
    last: dict[int, Visit] = {}
    for visit in Visit.objects.filter(proposal=proposal, household__in=[h.pk for h in households]).order_by(
        "household_id", "visited_at", "pk"
    ):
        last[visit.household_id] = visit  # the latest wins
    rows = []
    for household in households:
        visit = last.get(household.pk)
        if visit is None:
            seen = ""
        elif visit.stance:
            seen = visit.get_stance_display()
        else:
            seen = visit.get_outcome_display()
        rows.append(
            WalkRow(
                floor=household.floor,
                place=str(household),
                room=household.room,
                owner=household.owner.name,
                phone=mask_phone(household.owner.phone) if household.owner.phone else "",
                last_visit=str(seen),
                last_visit_on=timezone.localtime(visit.visited_at).date() if visit else None,
            )
        )
    return rows
