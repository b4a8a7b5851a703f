"""Every write to a meeting: create it, build its agenda (matters and elections, candidates), publish its notice.

Each service locks the meeting row first, so two committee members editing at once cannot both take position n or
publish a notice while the other adds an item. Everything but the notice is refused once the notice is published:
the agenda and the candidates households read are the ones they will vote on.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import Building, Community, Household, Representative
from core.dates import check_datetime
from core.uploads import image_reencoded, stored_file_delete_on_commit
from costs.models import CostPlan
from meetings.models import (
    DEFAULT_NOTICE_DAYS,
    AgendaItem,
    BlankCountsAs,
    Candidate,
    Election,
    Meeting,
    MeetingSettings,
    MeetingState,
    Organiser,
)
from proposals.models import Electorate, Proposal, RuleCode, Scope, State
from proposals.services import rule_for
from voting import engine

# A proposal may join a meeting's agenda while it is still being prepared: not once its own vote has opened.
AGENDA_PROPOSAL_STATES = (State.DRAFT, State.CONSULTATION)
MAX_SEATS = 99
# A candidate's photo: enough for a face on the notice board and a phone; larger images are scaled down.
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 480


def minimum_notice_days(community: Community) -> int:
    """The community's minimum notice in days (物业管理条例 第十四条: 15 unless its rules say more)."""
    days = MeetingSettings.objects.filter(community=community).values_list("minimum_notice_days", flat=True).first()
    return DEFAULT_NOTICE_DAYS if days is None else days


def meeting_settings_set(*, community: Community, minimum_notice_days: int) -> MeetingSettings:
    """Set the community's minimum notice. Caller holds meetings.add_meeting for the community."""
    if not 1 <= minimum_notice_days <= 90:
        raise ValidationError(_("The minimum notice is between 1 and 90 days."))
    settings, _created = MeetingSettings.objects.update_or_create(
        community=community, defaults={"minimum_notice_days": minimum_notice_days}
    )
    return settings


def _frozen() -> ValidationError:
    return ValidationError(
        _("The notice of this meeting is published: its agenda and candidates can no longer be changed.")
    )


def _locked_draft(meeting: Meeting) -> Meeting:
    """The meeting row, locked; ValidationError unless it is still a draft."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.state != MeetingState.DRAFT:
        raise _frozen()
    return locked


def _check_fields(
    *,
    community: Community,
    title: str,
    organiser: str,
    building: Building | None,
    voting_opens_at: datetime,
    voting_closes_at: datetime,
    blank_counts_as: str,
    now: datetime,
    electorate: str = Electorate.OWNERS,
) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Enter the meeting's title."))
    if len(title) > 120:
        raise ValidationError(_("The title is at most 120 characters."))
    if organiser not in Organiser.values:
        raise ValidationError(_("Choose who organises the meeting."))
    if blank_counts_as not in BlankCountsAs.values:
        raise ValidationError(_("Choose how a matter left blank counts."))
    if electorate not in Electorate.values:
        raise ValidationError(_("Choose who votes: the owners or the residents' representatives."))
    if building is not None and building.community_id != community.pk:
        raise ValidationError(_("The building must be one of this community's buildings."))
    if voting_opens_at is None or voting_closes_at is None:
        raise ValidationError(_("Enter when voting opens and when it closes."))
    check_datetime(voting_opens_at)
    check_datetime(voting_closes_at)
    if voting_opens_at <= now:
        raise ValidationError(_("Voting must open in the future."))
    if voting_closes_at <= voting_opens_at:
        raise ValidationError(_("Voting must close after it opens."))
    return title


@transaction.atomic
def meeting_create(
    *,
    community: Community,
    by,
    title: str,
    organiser: str,
    voting_opens_at: datetime,
    voting_closes_at: datetime,
    building: Building | None = None,
    blank_counts_as: str = BlankCountsAs.ABSTENTION,
    electorate: str | None = None,
) -> Meeting:
    """Create a draft meeting, voted by the owners unless `electorate` says the residents' representatives. Caller
    holds meetings.add_meeting for the community."""
    electorate = electorate or Electorate.OWNERS
    title = _check_fields(
        community=community,
        title=title,
        organiser=organiser,
        building=building,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
        blank_counts_as=blank_counts_as,
        now=timezone.now(),
        electorate=electorate,
    )
    return Meeting.objects.create(
        community=community,
        title=title,
        organiser=organiser,
        building=building,
        electorate=electorate,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
        blank_counts_as=blank_counts_as,
        created_by=by,
    )


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by,
    title: str,
    organiser: str,
    voting_opens_at: datetime,
    voting_closes_at: datetime,
    building: Building | None = None,
    blank_counts_as: str = BlankCountsAs.ABSTENTION,
    electorate: str | None = None,
) -> Meeting:
    """Change a draft meeting's title, organiser, electorate, window or blank rule. Caller holds
    meetings.manage_meeting. A building's meeting keeps only matters and candidates within its building. Who votes
    (owners or representatives; None keeps it) changes only while the agenda is empty: every matter and election
    on it is decided under a rule for those voters."""
    meeting = _locked_draft(meeting)
    electorate = meeting.electorate if electorate is None else electorate
    title = _check_fields(
        community=meeting.community,
        title=title,
        organiser=organiser,
        building=building,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
        blank_counts_as=blank_counts_as,
        now=timezone.now(),
        electorate=electorate,
    )
    if electorate != meeting.electorate and meeting.items.exists():
        raise ValidationError(
            _(
                "Who votes can change only while the agenda is empty: each matter and election is decided under a"
                " rule for its voters. Take them off the agenda first."
            )
        )
    meeting.electorate = electorate
    meeting.building = building
    if building is not None:
        outside = [
            item.proposal.title
            for item in meeting.items.filter(kind=AgendaItem.Kind.MATTER).select_related("proposal")
            if not proposal_fits(meeting=meeting, proposal=item.proposal)
        ]
        if (
            Candidate.objects.filter(election__item__meeting=meeting, household__isnull=False)
            .exclude(household__entrance__building=building)
            .exists()
        ):
            outside.append(_("a candidate's flat"))
        if outside:
            raise ValidationError(
                _("These reach beyond the building: %(items)s. Take them off the agenda first.")
                % {"items": "、".join(outside)}
            )
    meeting.title = title
    meeting.organiser = organiser
    meeting.voting_opens_at = voting_opens_at
    meeting.voting_closes_at = voting_closes_at
    meeting.blank_counts_as = blank_counts_as
    meeting.save()
    return meeting


def default_rule(electorate: str) -> str:
    """The rule an election is decided by unless the committee picks another: 第278条's ordinary rule for the
    owners (electing the committee is its item 3), the assembly's own for the representatives."""
    return RuleCode.REPRESENTATIVES if electorate == Electorate.REPRESENTATIVES else RuleCode.CIVIL_CODE_ORDINARY


def _next_position(meeting: Meeting) -> int:
    return (meeting.items.aggregate(n=Max("position"))["n"] or 0) + 1


def _scope_buildings(proposal: Proposal) -> set[int] | None:
    """The ids of the buildings the proposal's scope touches; None for the whole community."""
    if proposal.scope == Scope.COMMUNITY:
        return None
    if proposal.scope == Scope.BUILDINGS:
        return set(proposal.scope_buildings.values_list("pk", flat=True))
    if proposal.scope == Scope.ENTRANCES:
        return set(proposal.scope_entrances.values_list("building_id", flat=True))
    return set(proposal.scope_households.values_list("entrance__building_id", flat=True))


def proposal_fits(*, meeting: Meeting, proposal: Proposal) -> bool:
    """Whether the proposal's scope lies within the meeting's electorate: any scope for a community meeting, a
    scope inside the building for a building's meeting (its households are the only ones voting)."""
    if meeting.building_id is None:
        return True
    buildings = _scope_buildings(proposal)
    return buildings is not None and buildings == {meeting.building_id}


@transaction.atomic
def agenda_matter_add(*, meeting: Meeting, by, proposal: Proposal) -> AgendaItem:
    """Put a proposal on the agenda as a matter, decided under its own rule. Caller holds meetings.manage_meeting."""
    meeting = _locked_draft(meeting)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.community_id != meeting.community_id:
        raise ValidationError(_("Only this community's proposals can be matters of its meeting."))
    if proposal.state not in AGENDA_PROPOSAL_STATES:
        raise ValidationError(
            _("Only a draft or a proposal in consultation can become a matter; this one is %(state)s.")
            % {"state": proposal.get_state_display()}
        )
    if not proposal_fits(meeting=meeting, proposal=proposal):
        raise ValidationError(_("This proposal's scope reaches beyond the building whose owners this meeting is for."))
    if AgendaItem.objects.filter(proposal=proposal).exists():
        raise ValidationError(_("This proposal is already on a meeting's agenda."))
    _matter_electorate_set(meeting=meeting, proposal=proposal)
    try:
        with transaction.atomic():
            return AgendaItem.objects.create(
                meeting=meeting, position=_next_position(meeting), kind=AgendaItem.Kind.MATTER, proposal=proposal
            )
    except IntegrityError as error:
        raise ValidationError(_("This proposal is already on a meeting's agenda.")) from error


def _matter_electorate_set(*, meeting: Meeting, proposal: Proposal) -> None:
    """A matter is voted by its meeting's voters. On a representatives' meeting its proposal freezes the
    representatives and is decided by the assembly's rule (a secretary adding a matter there means exactly that);
    the assembly shares no costs among owners, so a proposal with a cost plan is refused. Caller holds both locks."""
    if meeting.electorate == Electorate.REPRESENTATIVES:
        if CostPlan.objects.filter(proposal=proposal).exists():
            raise ValidationError(
                _(
                    "This proposal has a cost plan: its costs are shared among the owners, so the owners decide it,"
                    " not the residents' representatives."
                )
            )
        proposal.electorate, proposal.rule = Electorate.REPRESENTATIVES, RuleCode.REPRESENTATIVES
    elif engine.RULES[proposal.rule].voters != engine.OWNERS:
        # Left over from a representatives' meeting it was taken off: the owners decide by the law's rule.
        proposal.electorate, proposal.rule = Electorate.OWNERS, rule_for(category=proposal.category)
    else:
        return
    proposal.save(update_fields=["electorate", "rule", "updated_at"])


@transaction.atomic
def agenda_election_add(
    *, meeting: Meeting, by, title: str, seats: int, alternates: int = 0, rule: str = ""
) -> Election:
    """Add an election to the agenda, each candidate decided by `rule` (blank: the ordinary rule for owners, the
    assembly's for representatives). Caller holds meetings.manage_meeting."""
    meeting = _locked_draft(meeting)
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Enter what the election is for, such as the owners' committee."))
    if len(title) > 120:
        raise ValidationError(_("The title is at most 120 characters."))
    if not 1 <= seats <= MAX_SEATS:
        raise ValidationError(_("An election has between 1 and %(max)d seats.") % {"max": MAX_SEATS})
    if not 0 <= alternates <= MAX_SEATS:
        raise ValidationError(_("An election has between 0 and %(max)d alternates.") % {"max": MAX_SEATS})
    rule = rule or default_rule(meeting.electorate)
    if rule not in RuleCode.values or engine.RULES[rule].voters != meeting.electorate:
        raise ValidationError(_("Choose the rule each candidate is decided by."))
    item = AgendaItem.objects.create(meeting=meeting, position=_next_position(meeting), kind=AgendaItem.Kind.ELECTION)
    return Election.objects.create(item=item, title=title, seats=seats, alternates=alternates, rule=rule)


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by) -> None:
    """Take a matter or an election (with its candidates) off the agenda. Caller holds meetings.manage_meeting.
    A representatives' matter goes back to the owners, decided by the rule the law gives its matter."""
    meeting = _locked_draft(item.meeting)
    proposal = item.proposal
    item.delete()
    if proposal is not None and meeting.electorate == Electorate.REPRESENTATIVES:
        proposal.electorate, proposal.rule = Electorate.OWNERS, rule_for(category=proposal.category)
        proposal.save(update_fields=["electorate", "rule", "updated_at"])


@transaction.atomic
def agenda_move(*, item: AgendaItem, by, up: bool) -> None:
    """Swap an item with the one before it (up) or after it. Caller holds meetings.manage_meeting."""
    meeting = _locked_draft(item.meeting)
    item = AgendaItem.objects.get(pk=item.pk)
    neighbours = (
        meeting.items.filter(position__lt=item.position) if up else meeting.items.filter(position__gt=item.position)
    )
    neighbour = neighbours.order_by("-position" if up else "position").first()
    if neighbour is None:
        return  # already first (or last): nothing to move
    # Positions are unique per meeting: park one item at 0 (never a real position) while the other takes its place.
    mine, theirs = item.position, neighbour.position
    AgendaItem.objects.filter(pk=item.pk).update(position=0)
    AgendaItem.objects.filter(pk=neighbour.pk).update(position=mine)
    AgendaItem.objects.filter(pk=item.pk).update(position=theirs)


@transaction.atomic
def candidate_add(
    *,
    election: Election,
    by,
    name: str,
    household: Household | None = None,
    statement: str = "",
    party_member: bool = False,
    show_party: bool = False,
    photo=None,
) -> Candidate:
    """Add a candidate at the end of the election's list, with an optional photo (an uploaded image, stored
    re-encoded). Caller holds meetings.manage_meeting."""
    meeting = _locked_draft(election.item.meeting)
    name = " ".join((name or "").split())
    statement = (statement or "").strip()
    if not name:
        raise ValidationError(_("Enter the candidate's name."))
    if len(name) > 60:
        raise ValidationError(_("The name is at most 60 characters."))
    if len(statement) > 300:
        raise ValidationError(_("The statement is at most 300 characters."))
    if household is not None:
        building = Household.objects.filter(pk=household.pk).values_list("entrance__building", flat=True).first()
        in_community = Building.objects.filter(pk=building, community=meeting.community_id).exists()
        if not in_community or (meeting.building_id is not None and building != meeting.building_id):
            raise ValidationError(_("The candidate's flat must be a household of this meeting's electorate."))
    if election.candidates.filter(name=name).exists():
        raise ValidationError(_("%(name)s is already a candidate in this election.") % {"name": name})
    png = (
        image_reencoded(
            photo,
            max_bytes=PHOTO_MAX_BYTES,
            max_side=PHOTO_MAX_SIDE,
            refusal=_("Only a photo (JPEG, PNG or WebP) of the candidate can be added."),
        )
        if photo
        else None
    )
    position = (election.candidates.aggregate(n=Max("position"))["n"] or 0) + 1
    candidate = Candidate(
        election=election,
        position=position,
        name=name,
        household=household,
        statement=statement,
        party_member=party_member,
        # Consent to show a membership there is none of means nothing: stored only with the membership.
        show_party=party_member and show_party,
    )
    if png:
        candidate.photo.save(f"candidate-{election.pk}-{position}.png", ContentFile(png), save=False)
    candidate.save()
    return candidate


@transaction.atomic
def candidate_remove(*, candidate: Candidate, by) -> None:
    """Remove a candidate from the list. Caller holds meetings.manage_meeting."""
    _locked_draft(candidate.election.item.meeting)
    photo = candidate.photo.name
    candidate.delete()
    stored_file_delete_on_commit(Candidate._meta.get_field("photo").storage, photo)


def publish_problems(meeting: Meeting, now: datetime) -> list[str]:
    """What stops the notice from being published, in words for the committee; empty when it can be."""
    problems = []
    days = minimum_notice_days(meeting.community)
    if meeting.voting_opens_at < now + timedelta(days=days):
        problems.append(
            ngettext(
                "Voting must open at least %(days)d day after the notice is published: move the opening later.",
                "Voting must open at least %(days)d days after the notice is published: move the opening later.",
                days,
            )
            % {"days": days}
        )
    if meeting.electorate == Electorate.REPRESENTATIVES:
        representatives = Representative.objects.of(meeting.community).active()
        if meeting.building_id is not None:
            representatives = representatives.filter(household__entrance__building=meeting.building_id)
        if not representatives.exists():
            problems.append(_("No residents' representatives are registered for this meeting: register them first."))
    items = list(meeting.items.select_related("proposal", "election"))
    if not items:
        problems.append(_("The agenda is empty: add at least one matter or election."))
    for item in items:
        if item.kind == AgendaItem.Kind.MATTER and item.proposal.state not in AGENDA_PROPOSAL_STATES:
            problems.append(
                _("%(title)s is %(state)s: take it off the agenda.")
                % {"title": item.proposal.title, "state": item.proposal.get_state_display()}
            )
        if item.kind == AgendaItem.Kind.ELECTION:
            election = item.election
            count = election.candidates.count()
            if count < election.seats:
                problems.append(
                    ngettext(
                        "%(title)s has %(count)d candidate for %(seats)d seats: add candidates.",
                        "%(title)s has %(count)d candidates for %(seats)d seats: add candidates.",
                        count,
                    )
                    % {"title": election.title, "count": count, "seats": election.seats}
                )
    return problems


@transaction.atomic
def meeting_publish_notice(*, meeting: Meeting, by, now: datetime | None = None) -> Meeting:
    """Publish the notice (会议通知) with the candidates' list; the agenda is frozen from then on.
    Caller holds meetings.manage_meeting."""
    meeting = _locked_draft(meeting)
    now = now or timezone.now()
    problems = publish_problems(meeting, now)
    if problems:
        raise ValidationError(problems)
    meeting.state = MeetingState.NOTICE
    meeting.notice_published_at = now
    meeting.save(update_fields=["state", "notice_published_at"])
    # From now on the meeting decides its matters: no vote of their own, no withdrawal (proposals.services).
    Proposal.objects.filter(pk__in=meeting.items.filter(proposal__isnull=False).values("proposal")).update(
        on_meeting_ballot=True
    )
    return meeting
