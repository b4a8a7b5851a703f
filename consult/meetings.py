"""Negotiation meetings (协商会议) of the six kinds of parties: recording them (the writes) and the parties'
current positions on a proposal (the read the proposal page and, later, the resolution share)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consult.models import Meeting, MeetingParty, PartyKind, Position
from core.dates import check_datetime
from proposals.models import Proposal, State

# Once voting has closed the resolution lists the positions, so they must stay as they were.
MEETING_STATES = {State.DRAFT, State.CONSULTATION, State.VOTING}
KIND_ORDER = {kind: index for index, kind in enumerate(PartyKind.values)}


@dataclass(frozen=True)
class PartyInput:
    """One party at the table, as entered: its kind, name and position (with conditions when conditional)."""

    kind: str
    name: str
    position: str
    conditions: str = ""


@dataclass(frozen=True)
class PartyPosition:
    """A party's current position on a proposal: the one it took at the latest meeting it attended."""

    kind: str
    kind_label: str
    name: str
    position: str
    position_label: str
    conditions: str
    meeting_id: int
    held_at: datetime


# --- Reads ----------------------------------------------------------------------------------------------------


def can_change(proposal: Proposal) -> bool:
    return proposal.state in MEETING_STATES


def parties_of(meeting: Meeting) -> list[MeetingParty]:
    return sorted(meeting.parties.all(), key=_party_order)


def meetings_of(proposal: Proposal) -> list[Meeting]:
    """The proposal's meetings, latest first, each with its parties (two queries)."""
    meetings = list(Meeting.objects.filter(proposal=proposal).order_by("-held_at", "-pk").prefetch_related("parties"))
    for meeting in meetings:
        meeting.party_list = sorted(meeting.parties.all(), key=_party_order)
    return meetings


def party_positions(proposal: Proposal) -> list[PartyPosition]:
    """For each party (kind, name) the position it took at its latest meeting, in the order of the six kinds.

    One query: a proposal has a handful of meetings, so picking the latest per party in Python is cheaper and
    portable (PostgreSQL's DISTINCT ON has no SQLite counterpart).
    """
    rows = (
        MeetingParty.objects.filter(meeting__proposal_id=proposal.pk)
        .select_related("meeting")
        .order_by("-meeting__held_at", "-meeting_id", "pk")
    )
    latest: dict[tuple[str, str], MeetingParty] = {}
    for party in rows:
        latest.setdefault((party.kind, party.name), party)
    return [
        PartyPosition(
            kind=party.kind,
            kind_label=party.get_kind_display(),
            name=party.name,
            position=party.position,
            position_label=party.get_position_display(),
            conditions=party.conditions,
            meeting_id=party.meeting_id,
            held_at=party.meeting.held_at,
        )
        for party in sorted(latest.values(), key=_party_order)
    ]


def _party_order(party) -> tuple[int, str]:
    return KIND_ORDER.get(party.kind, len(KIND_ORDER)), party.name


# --- Checks and writes ----------------------------------------------------------------------------------------


def check_party(party: PartyInput) -> PartyInput:
    """The party as stored (trimmed), or a ValidationError saying what is missing."""
    name, conditions = party.name.strip(), party.conditions.strip()
    if party.kind not in PartyKind.values:
        raise ValidationError(_("Choose the kind of party."))
    if not name:
        raise ValidationError(_("Give the name of the party (e.g. the property company's name)."))
    if party.position not in Position.values:
        raise ValidationError(_("Choose the position of %(name)s.") % {"name": name})
    if party.position == Position.CONDITIONAL and not conditions:
        raise ValidationError(_("Write the conditions of %(name)s: it supports with conditions.") % {"name": name})
    if party.position != Position.CONDITIONAL and conditions:
        raise ValidationError(
            _("Conditions go with “support with conditions” only; change the position of %(name)s or clear them.")
            % {"name": name}
        )
    return PartyInput(kind=party.kind, name=name, position=party.position, conditions=conditions)


def check_parties(parties: Sequence[PartyInput]) -> list[PartyInput]:
    checked = [check_party(party) for party in parties]
    if not checked:
        raise ValidationError(_("Add at least one party that took part in the meeting."))
    seen = set()
    for party in checked:
        if (party.kind, party.name) in seen:
            raise ValidationError(_("%(name)s is listed twice.") % {"name": party.name})
        seen.add((party.kind, party.name))
    return checked


def _check_state(proposal: Proposal) -> None:
    if not can_change(proposal):
        raise ValidationError(
            _("Meetings can no longer be recorded or changed: the proposal is %(state)s.")
            % {"state": proposal.get_state_display()}
        )


def _check_place(place: str) -> str:
    place = (place or "").strip()
    if not place:
        raise ValidationError(_("Give the place of the meeting."))
    return place


@transaction.atomic
def meeting_create(
    *,
    proposal: Proposal,
    by,
    held_at: datetime,
    place: str,
    minutes: str = "",
    decisions: str = "",
    parties: Sequence[PartyInput],
) -> Meeting:
    """Record a meeting and the parties' positions. Caller holds consult.manage_meetings on the proposal."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _check_state(proposal)
    check_datetime(held_at)
    checked = check_parties(parties)
    meeting = Meeting.objects.create(
        proposal=proposal,
        held_at=held_at,
        place=_check_place(place),
        minutes=minutes.strip(),
        decisions=decisions.strip(),
        created_by=by,
    )
    MeetingParty.objects.bulk_create(MeetingParty(meeting=meeting, **vars(party)) for party in checked)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by,
    held_at: datetime,
    place: str,
    minutes: str = "",
    decisions: str = "",
    parties: Sequence[PartyInput],
) -> Meeting:
    """Correct a meeting's record; its parties are replaced by `parties`. Caller holds consult.manage_meetings."""
    proposal = Proposal.objects.select_for_update().get(pk=meeting.proposal_id)
    _check_state(proposal)
    check_datetime(held_at)
    checked = check_parties(parties)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.held_at, meeting.place = held_at, _check_place(place)
    meeting.minutes, meeting.decisions = minutes.strip(), decisions.strip()
    meeting.save(update_fields=["held_at", "place", "minutes", "decisions"])
    meeting.parties.all().delete()
    MeetingParty.objects.bulk_create(MeetingParty(meeting=meeting, **vars(party)) for party in checked)
    return meeting
