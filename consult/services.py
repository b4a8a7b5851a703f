"""Every write of canvassing: assignments, demand tags and door-to-door visits (idempotent, for offline phones).

The live board is told after each change commits (consult.live), never from a signal.
"""

import re
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Building, Community, Entrance, Household, Role
from consult import live
from consult.models import Assignment, DemandTag, Visit
from consult.selectors import CANVASS_STATES, ELECTORATE_STATES, canvass_households, is_assigned_to
from core.dates import check_date
from core.params import int_param
from proposals.models import Proposal
from voting.models import Ballot

# A phone's clock may be a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
DEMANDS_MAX_LENGTH = 2000
TAG_NAME_MAX_LENGTH = 20
# crypto.randomUUID() or walk.js's fallback; the no-JS form uses uuid4 too. Nothing else is accepted.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class CanvassError(ValidationError):
    """Canvassing input that cannot be recorded; the message says why, in the user's language."""


class KeyConflict(CanvassError):
    """An idempotency key already used for another visit (another household, proposal or canvasser)."""


def _check_canvassing(proposal: Proposal) -> None:
    # A vote whose window has ended is over for canvassers too, before the scheduled job has closed it.
    if proposal.voting_status() == Proposal.ENDED:
        raise CanvassError(_("Voting on this proposal has closed."))
    if proposal.state not in CANVASS_STATES:
        raise CanvassError(
            _("Canvassing is possible only while the proposal is in consultation or voting; it is %(state)s.")
            % {"state": proposal.get_state_display()}
        )


# --- Assignments --------------------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *, proposal: Proposal, canvasser, by, building: Building | None = None, entrance: Entrance | None = None
) -> Assignment:
    """Give `canvasser` a building or an entrance to visit. Caller holds consult.manage_canvassing."""
    _check_canvassing(proposal)
    if (building is None) == (entrance is None):
        raise CanvassError(_("Choose one building or one entrance."))
    community_id = building.community_id if building is not None else entrance.building.community_id
    if community_id != proposal.community_id:
        raise CanvassError(_("Choose a building or entrance of this community."))
    if not Role.objects.filter(user=canvasser, community_id=proposal.community_id).exists():
        raise CanvassError(
            _("%(name)s has no role in this community; only canvassers, volunteers and members can be assigned.")
            % {"name": canvasser}
        )
    households = canvass_households(proposal)
    in_scope = households.filter(entrance__building=building) if building else households.filter(entrance=entrance)
    if not in_scope.exists():
        raise CanvassError(_("No household there is in the scope of this proposal."))
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                proposal=proposal, canvasser=canvasser, building=building, entrance=entrance, assigned_by=by
            )
    except IntegrityError:
        raise CanvassError(
            _("%(name)s is already assigned to %(place)s.") % {"name": canvasser, "place": building or entrance}
        ) from None
    live.board_changed_on_commit(proposal.pk)
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: Assignment, by) -> None:
    """Take an assignment back; the visits already recorded stay. Caller holds consult.manage_canvassing."""
    proposal_id = assignment.proposal_id
    assignment.delete()
    live.board_changed_on_commit(proposal_id)


# --- Demand tags --------------------------------------------------------------------------------------------


def demand_tag_create(*, community: Community, name: str, by) -> DemandTag:
    """Add a tag for residents' demands. Caller holds consult.manage_canvassing on one of the community's proposals."""
    name = " ".join((name or "").split())
    if not name:
        raise CanvassError(_("Enter a name for the tag."))
    if len(name) > TAG_NAME_MAX_LENGTH:
        raise CanvassError(_("A tag is at most %(n)s characters long.") % {"n": TAG_NAME_MAX_LENGTH})
    try:
        with transaction.atomic():
            return DemandTag.objects.create(community=community, name=name)
    except IntegrityError:
        raise CanvassError(_("The tag “%(name)s” exists already.") % {"name": name}) from None


@transaction.atomic
def demand_tag_remove(*, tag: DemandTag, by) -> None:
    """Remove a tag no visit uses: the demands summary is built on the tags recorded at the door."""
    used = tag.visits.count()
    if used:
        raise CanvassError(
            _("The tag “%(name)s” is used by %(n)s visits and cannot be removed.") % {"name": tag.name, "n": used}
        )
    tag.delete()


# --- Visits -------------------------------------------------------------------------------------------------


def _same_visit(visit: Visit, proposal: Proposal, household: Household, canvasser) -> Visit:
    """The visit an idempotency key was used for, if it is the same door and canvasser; else refuse."""
    if visit.proposal_id != proposal.pk or visit.household_id != household.pk or visit.canvasser_id != canvasser.pk:
        raise KeyConflict(_("This visit's key was already used for another visit; nothing was recorded."))
    return visit


def visit_record(
    *,
    proposal: Proposal,
    household: Household,
    canvasser,
    outcome: str,
    stance: str = "",
    demands: str = "",
    tag_ids=(),
    follow_up_on: date | None = None,
    visited_at: datetime | None = None,
    idempotency_key: str,
) -> tuple[Visit, bool]:
    """Record one knock on one door; (visit, created). The same key again returns the first visit and writes nothing.

    Caller holds consult.canvass; this checks the household is in the canvasser's assignment (PermissionDenied)
    and in the proposal's scope, and every field (CanvassError).
    """
    key = (idempotency_key or "").strip()
    if not IDEMPOTENCY_KEY.match(key):
        raise CanvassError(_("The visit has no valid key; reload the page and record it again."))
    existing = Visit.objects.filter(idempotency_key=key).first()
    if existing is not None:
        # A phone resending what the server already has: the answer is the visit, and nothing is written.
        return _same_visit(existing, proposal, household, canvasser), False

    _check_canvassing(proposal)
    if household.entrance.building.community_id != proposal.community_id:
        raise CanvassError(_("This household is not in the scope of this proposal."))
    if not is_assigned_to(proposal, canvasser, household):
        raise PermissionDenied(_("You are not assigned to this household's building or entrance."))
    if not canvass_households(proposal).filter(pk=household.pk).exists():
        raise CanvassError(_("This household is not in the scope of this proposal."))

    now = timezone.now()
    visited_at = visited_at or now
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at > now + CLOCK_SKEW:
        raise CanvassError(_("The time of the visit is in the future; check the phone's clock."))
    if visited_at < proposal.created_at:
        raise CanvassError(_("The time of the visit is before the proposal existed; check the phone's clock."))

    if outcome not in Visit.Outcome.values:
        raise CanvassError(_("Choose what happened at the door: met, nobody home or refused to talk."))
    stance = stance or ""
    if outcome == Visit.Outcome.MET and stance not in Visit.Stance.values:
        raise CanvassError(_("Choose the household's stance: support, oppose, undecided or conditional support."))
    if outcome != Visit.Outcome.MET and stance:
        raise CanvassError(_("A stance can only be recorded when somebody was met."))
    demands = (demands or "").strip()
    if len(demands) > DEMANDS_MAX_LENGTH:
        raise CanvassError(_("The demands are at most %(n)s characters long.") % {"n": DEMANDS_MAX_LENGTH})
    tag_ids = [int_param(t) for t in tag_ids or ()]
    if None in tag_ids:
        raise CanvassError(_("One of the tags does not exist (any more); reload the page."))
    tag_ids = sorted(set(tag_ids))
    tags = list(DemandTag.objects.filter(community_id=proposal.community_id, pk__in=tag_ids))
    if len(tags) != len(tag_ids):
        raise CanvassError(_("One of the tags does not exist (any more); reload the page."))
    try:
        check_date(follow_up_on)
    except ValidationError as error:
        raise CanvassError(error.messages) from None
    if follow_up_on is not None and follow_up_on < timezone.localdate(visited_at):
        raise CanvassError(_("The follow-up date is before the visit."))
    _check_not_voted(proposal, household, visited_at)

    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                proposal=proposal,
                household=household,
                canvasser=canvasser,
                outcome=outcome,
                stance=stance if outcome == Visit.Outcome.MET else "",
                demands=demands,
                follow_up_on=follow_up_on,
                visited_at=visited_at,
                idempotency_key=key,
            )
            if tags:
                visit.tags.set(tags)
            live.board_changed_on_commit(proposal.pk)
    except IntegrityError:
        # The same key sent twice at once (a retry racing the first send): the other request recorded it.
        existing = Visit.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _same_visit(existing, proposal, household, canvasser), False
    return visit, True


def _check_not_voted(proposal: Proposal, household: Household, visited_at: datetime) -> None:
    """A household that has voted needs no visit — but a visit made before it voted, sent late from an offline
    phone, is still worth keeping."""
    if proposal.state not in ELECTORATE_STATES:
        return

    cast_at = Ballot.objects.filter(proposal=proposal, household=household).values_list("cast_at", flat=True).first()
    if cast_at is not None and visited_at >= cast_at:
        raise CanvassError(_("This household has already voted; it needs no visit."))
