"""Reads shared by the meeting pages: a meeting's agenda in order with everything the notice prints, in a fixed
number of queries however long the agenda is."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from meetings.models import AgendaItem, Candidate, Meeting, MeetingState
from proposals.models import Proposal, State
from voting import engine


@dataclass(frozen=True)
class Row:
    """One agenda item as the notice prints it: a matter (its proposal and rule) or an election."""

    number: int
    item: AgendaItem
    rule_label: str
    rule_text: str

    @property
    def election(self):
        return self.item.election if self.item.kind == AgendaItem.Kind.ELECTION else None


def agenda_rows(meeting: Meeting) -> list[Row]:
    """The agenda in order: two queries for the items (with proposal and election) and their candidates."""
    items = meeting.items.select_related("proposal", "election").prefetch_related(
        Prefetch(
            "election__candidates",
            queryset=Candidate.objects.select_related("household__entrance__building").order_by("position"),
        )
    )
    rows = []
    for number, item in enumerate(items, start=1):
        code = item.proposal.rule if item.proposal_id else item.election.rule
        rule = engine.RULES[code]
        rows.append(Row(number=number, item=item, rule_label=_(rule.label), rule_text=_(rule.description)))
    return rows


def proposals_for_agenda(meeting: Meeting) -> list[Proposal]:
    """The community's proposals that can still become matters: being prepared and on no meeting's agenda."""
    return list(
        Proposal.objects.of(meeting.community)
        .filter(state__in=(State.DRAFT, State.CONSULTATION))
        .exclude(pk__in=AgendaItem.objects.filter(proposal__isnull=False).values("proposal"))
        .order_by("-number")
    )


def meeting_deciding(proposal: Proposal) -> Meeting | None:
    """The meeting whose published notice lists `proposal` as a matter: the meeting decides it, so it is not put to
    a vote of its own. None while it is on no agenda, or only on a draft's. One query."""
    item = (
        AgendaItem.objects.filter(proposal=proposal)
        .exclude(meeting__state=MeetingState.DRAFT)
        .select_related("meeting")
        .first()
    )
    return item.meeting if item else None
