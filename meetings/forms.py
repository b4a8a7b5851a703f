"""The committee's meeting forms: a meeting, a matter, an election, a candidate. Services check the rules; the
forms turn typed text into values (a flat code into a household, a datetime-local into a moment)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.models import Building
from core.dates import check_datetime
from core.params import MAX_ID
from meetings.ballots import Answers
from meetings.models import BlankCountsAs, Organiser
from meetings.services import MAX_SEATS, default_rule
from proposals.forms import households_from_codes, split_household_codes
from proposals.models import Electorate, rules_for
from voting.models import Choice

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_FORMATS = [DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M"]
WHOLE_COMMUNITY = ""


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    organiser = forms.ChoiceField(label=_("Organiser"), choices=Organiser.choices)
    electorate = forms.ChoiceField(label=_("Who votes"), required=False)
    # Meeting.electorate: the owners (业主大会会议) or the residents' representatives (居民代表会议).
    voters = forms.ChoiceField(
        label=_("Voting body"),
        required=False,
        choices=[
            (Electorate.OWNERS, _("The owners: one vote per owner, counted by heads and area")),
            (Electorate.REPRESENTATIVES, _("The residents' representatives: one representative, one vote")),
        ],
        initial=Electorate.OWNERS,
        widget=forms.RadioSelect,
        help_text=_("A residents' representatives' assembly (居民代表会议) decides each matter by its own rule."),
    )
    voting_opens_at = forms.DateTimeField(
        label=_("Voting opens at"),
        input_formats=DATETIME_FORMATS,
        validators=[check_datetime],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
    )
    voting_closes_at = forms.DateTimeField(
        label=_("Voting closes at"),
        input_formats=DATETIME_FORMATS,
        validators=[check_datetime],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
    )
    blank_counts_as = forms.ChoiceField(
        label=_("A matter left blank on a returned ballot counts as"),
        choices=BlankCountsAs.choices,
        initial=BlankCountsAs.ABSTENTION,
        widget=forms.RadioSelect,
        help_text=_("As the community's rules of procedure say; it is printed on the ballot."),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.buildings = {str(b.pk): b for b in Building.objects.filter(community=community).order_by("sort_key")}
        self.fields["electorate"].choices = [(WHOLE_COMMUNITY, _("The whole community"))] + [
            (pk, str(building)) for pk, building in self.buildings.items()
        ]

    @staticmethod
    def initial_of(meeting) -> dict:
        return {
            "title": meeting.title,
            "organiser": meeting.organiser,
            "electorate": str(meeting.building_id or WHOLE_COMMUNITY),
            "voters": meeting.electorate,
            "voting_opens_at": timezone.localtime(meeting.voting_opens_at),
            "voting_closes_at": timezone.localtime(meeting.voting_closes_at),
            "blank_counts_as": meeting.blank_counts_as,
        }

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "organiser": data["organiser"],
            "building": self.buildings.get(data["electorate"]),
            # Not posted (an older form): the service keeps what is saved, owners for a new meeting.
            "electorate": data["voters"] or None,
            "voting_opens_at": data["voting_opens_at"],
            "voting_closes_at": data["voting_closes_at"],
            "blank_counts_as": data["blank_counts_as"],
        }


class MatterForm(forms.Form):
    proposal = forms.TypedChoiceField(label=_("Proposal"), coerce=int)

    def __init__(self, *args, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = {p.pk: p for p in proposals}
        self.fields["proposal"].choices = [(p.pk, f"#{p.number} {p.title}") for p in proposals]


class ElectionForm(forms.Form):
    title = forms.CharField(label=_("Election of"), max_length=120, initial=_("The owners' committee"))
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=MAX_SEATS)
    alternates = forms.IntegerField(label=_("Alternates"), min_value=0, max_value=MAX_SEATS, initial=0)
    rule = forms.ChoiceField(label=_("Each candidate is elected under"))

    def __init__(self, *args, electorate: str = Electorate.OWNERS, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the rules that count this meeting's voters (proposals.models.rules_for).
        self.fields["rule"].choices = rules_for(electorate)
        self.fields["rule"].initial = default_rule(electorate)


class CandidateForm(forms.Form):
    name = forms.CharField(label=_("Candidate's name"), max_length=60)
    flat = forms.CharField(
        label=_("Flat"), max_length=40, required=False, help_text=_("Building-entrance-room such as 3-5-502.")
    )
    statement = forms.CharField(
        label=_("Short statement"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    party_member = forms.BooleanField(label=_("Member of the Communist Party"), required=False)
    show_party = forms.BooleanField(label=_("The candidate agrees to show the membership"), required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community

    def clean_flat(self):
        text = self.cleaned_data.get("flat", "").strip()
        if not text:
            return None
        codes = split_household_codes(text)
        households, unknown = households_from_codes(self.community, codes)
        if unknown or len(households) != 1:
            raise forms.ValidationError(_("%(code)s is not a household of this community.") % {"code": text})
        return households[0]


class NoticeSettingsForm(forms.Form):
    minimum_notice_days = forms.IntegerField(
        label=_("Minimum notice (days)"),
        min_value=1,
        max_value=90,
        help_text=_("Property Management Regulations, Article 14: 15 days, unless the rules of procedure say more."),
    )


class MeetingBallotForm(forms.Form):
    """A household's whole ballot: `m<proposal id>` a choice per matter ("" left blank), `e<election id>` the
    candidates agreed with. The phone never sends more candidates than seats; this refuses it all the same."""

    household = forms.IntegerField(min_value=1, max_value=MAX_ID)
    confirm = forms.BooleanField(required=False)

    def __init__(self, rows, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            if row.election is None:
                self.fields[f"m{row.item.proposal_id}"] = forms.ChoiceField(
                    choices=[("", _("left blank")), *Choice.choices], required=False
                )
            else:
                self.fields[f"e{row.election.pk}"] = forms.TypedMultipleChoiceField(
                    choices=[(str(c.pk), c.name) for c in row.election.candidates.all()], coerce=int, required=False
                )

    def clean(self):
        data = super().clean()
        for row in self.rows:
            election = row.election
            if election is not None and len(data.get(f"e{election.pk}") or ()) > election.seats:
                self.add_error(
                    f"e{election.pk}",
                    ngettext(
                        "Choose at most %(seats)d candidate in “%(title)s”.",
                        "Choose at most %(seats)d candidates in “%(title)s”.",
                        election.seats,
                    )
                    % {"seats": election.seats, "title": election.title},
                )
        return data

    def answers(self) -> Answers:
        """The answers for meetings.ballots.meeting_ballot_cast (an election with no one chosen is left blank)."""
        matters, elections = {}, {}
        for row in self.rows:
            if row.election is None:
                if choice := self.cleaned_data.get(f"m{row.item.proposal_id}"):
                    matters[row.item.proposal_id] = choice
            elif chosen := self.cleaned_data.get(f"e{row.election.pk}"):
                elections[row.election.pk] = frozenset(chosen)
        return Answers(matters, elections)
