"""Owners' meetings (业主大会会议): one notice, one voting window and an ordered agenda of matters and elections.

A matter is a proposal decided under its own rule; an election has seats, alternates and candidates. Once the
notice is published the agenda and the candidates are frozen: households read what they will vote on.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from community.models import Building, Community, Household
from core.dates import within_db_range
from proposals.models import Electorate, Proposal, RuleCode
from voting import engine
from voting.models import Channel

# 物业管理条例 第十四条: the notice of an owners' general meeting is given 15 days before it meets.
DEFAULT_NOTICE_DAYS = 15


class MeetingSettings(models.Model):
    """A community's meeting rules of procedure: the minimum notice in days. No row means the legal default."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="meeting_settings")
    minimum_notice_days = models.PositiveSmallIntegerField(_("minimum notice (days)"), default=DEFAULT_NOTICE_DAYS)

    class Meta:
        verbose_name = _("meeting settings")
        verbose_name_plural = _("meeting settings")

    def __str__(self) -> str:
        return f"{self.community}: {self.minimum_notice_days}"


class Organiser(models.TextChoices):
    COMMITTEE = "committee", _("Owners' committee")
    PREPARATORY = "preparatory", _("Preparatory group")
    RE_ELECTION = "re_election", _("Re-election group")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    SUBDISTRICT = "subdistrict", _("Subdistrict office")


class BlankCountsAs(models.TextChoices):
    ABSTENTION = "abstention", _("an abstention (the household took part)")
    ABSENT = "absent", _("not taking part")


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("draft")
    NOTICE = "notice", _("notice published")
    VOTING = "voting", _("voting")
    CLOSED = "closed", _("closed")


class MeetingQuerySet(models.QuerySet):
    def before_close(self, now):
        """Meetings published (their notice or their voting) whose voting has not closed at `now`, whether or not the
        scheduled job has closed them yet: while texts about them may go out (messaging's open_for_texts)."""
        return self.filter(state__in=[MeetingState.NOTICE, MeetingState.VOTING], voting_closes_at__gt=now)


class Meeting(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=120)
    organiser = models.CharField(_("organiser"), max_length=20, choices=Organiser.choices)
    # The electorate: the whole community, or one building for a building's own meeting.
    building = models.ForeignKey(
        Building, on_delete=models.RESTRICT, null=True, blank=True, related_name="+", verbose_name=_("building")
    )
    # Who votes: the owners, or the residents' representatives (居民代表会议) registered for those households.
    electorate = models.CharField(_("who votes"), max_length=16, choices=Electorate.choices, default=Electorate.OWNERS)
    voting_opens_at = models.DateTimeField(_("voting opens"))
    voting_closes_at = models.DateTimeField(_("voting closes"))
    blank_counts_as = models.CharField(
        _("a matter left blank counts as"),
        max_length=10,
        choices=BlankCountsAs.choices,
        default=BlankCountsAs.ABSTENTION,
    )
    state = models.CharField(_("state"), max_length=8, choices=MeetingState.choices, default=MeetingState.DRAFT)
    notice_published_at = models.DateTimeField(_("notice published"), null=True, blank=True)
    # The electorate frozen when voting opens (MeetingElector), as on a proposal.
    electorate_households = models.PositiveIntegerField(default=0, editable=False)
    electorate_heads = models.PositiveIntegerField(default=0, editable=False)
    electorate_area = models.DecimalField(max_digits=14, decimal_places=2, default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-voting_opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(voting_closes_at__gt=F("voting_opens_at")), name="meeting_window_order"),
            models.CheckConstraint(
                condition=within_db_range("voting_opens_at", nullable=False), name="meeting_opens_readable"
            ),
            models.CheckConstraint(
                condition=within_db_range("voting_closes_at", nullable=False), name="meeting_closes_readable"
            ),
            models.CheckConstraint(
                condition=Q(state=MeetingState.DRAFT) | Q(notice_published_at__isnull=False),
                name="meeting_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.state == MeetingState.DRAFT


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        MATTER = "matter", _("matter")
        ELECTION = "election", _("election")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # A matter is a proposal, decided under its own rule; a proposal is on one meeting's agenda at most. RESTRICT,
    # not PROTECT: deleting the community deletes both, deleting a proposal on an agenda alone is refused.
    proposal = models.ForeignKey(Proposal, on_delete=models.RESTRICT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_unique_position"),
            models.UniqueConstraint(fields=["proposal"], name="agenda_proposal_once"),
            models.CheckConstraint(
                condition=Q(kind="matter", proposal__isnull=False) | Q(kind="election", proposal__isnull=True),
                name="agenda_matter_has_proposal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}.{self.position} {self.kind}"


class Election(models.Model):
    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="election")
    title = models.CharField(_("title"), max_length=120)
    seats = models.PositiveSmallIntegerField(_("seats"))
    alternates = models.PositiveSmallIntegerField(_("alternates"), default=0)
    # Electing the committee is item 3 of 民法典 第278条: an ordinary matter, each candidate decided by that rule.
    rule = models.CharField(
        _("decision rule"), max_length=40, choices=RuleCode.choices, default=RuleCode.CIVIL_CODE_ORDINARY
    )
    # The head of the election's ballot log (meetings.models.ElectionEvent), as on a proposal.
    ballot_seq = models.PositiveIntegerField(default=0)
    ballot_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(seats__gte=1), name="election_seats_positive")]

    def __str__(self) -> str:
        return self.title

    @property
    def engine_rule(self) -> engine.Rule:
        return engine.RULES[self.rule]


class Candidate(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    position = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=60)
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("flat")
    )
    statement = models.CharField(_("statement"), max_length=300, blank=True)
    # A PNG re-encoded at upload (meetings.services.candidate_add), served only to those who may read the notice.
    photo = models.FileField(_("photo"), upload_to="candidates/%Y/", blank=True)
    party_member = models.BooleanField(_("member of the Communist Party"), default=False)
    # Party membership is printed only with the candidate's consent.
    show_party = models.BooleanField(_("the candidate agrees to show it"), default=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["election", "position"], name="candidate_unique_position"),
            models.UniqueConstraint(fields=["election", "name"], name="candidate_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def party_shown(self) -> bool:
        return self.party_member and self.show_party


# --- The meeting's ballot ---------------------------------------------------------------------------------------
# A household's ballot is its matters and its elections. Each matter is its proposal's ballot (voting.models, written
# by voting.services.ballots_write through the proposal's chain); each election's part is below: the approvals, one
# row per household like a proposal's ballot, with a hash-chained log of its own.


class MeetingElector(models.Model):
    """A household of the meeting's electorate (the elections'), frozen when voting opens with its area and head."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="electors")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey("community.Owner", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=60)
    area = models.DecimalField(max_digits=10, decimal_places=2)
    head = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "household"], name="meeting_elector_unique")]
        indexes = [models.Index(fields=["meeting", "head"], name="meeting_elector_head")]

    def __str__(self) -> str:
        return self.label


class ElectionBallot(models.Model):
    """One household's part of an election: the candidates it agrees with (Approval rows), or `invalid` when the
    paper named more than the seats (it took part and agreed with no one). Changing it updates this row."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="ballots")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    elector = models.ForeignKey(MeetingElector, on_delete=models.PROTECT, related_name="+")
    head = models.CharField(max_length=40)
    shared_head = models.BooleanField(default=False)
    area = models.DecimalField(max_digits=10, decimal_places=2)
    invalid = models.BooleanField(default=False)
    channel = models.CharField(max_length=6, choices=Channel.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proxy_name = models.CharField(max_length=60, blank=True)
    evidence = models.FileField(upload_to="ballots/%Y/%m/", blank=True)
    receipt = models.CharField(max_length=10, db_index=True)
    seq = models.PositiveIntegerField()
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["election", "household"], name="election_ballot_unique")]

    def __str__(self) -> str:
        return f"{self.election_id}/{self.household_id}"


class Approval(models.Model):
    """A household agrees with a candidate. Head and area copied from the ballot: a count is one aggregate."""

    ballot = models.ForeignKey(ElectionBallot, on_delete=models.CASCADE, related_name="approvals")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="approvals")
    head = models.CharField(max_length=40)
    shared_head = models.BooleanField(default=False)
    area = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "candidate"], name="approval_unique")]

    def __str__(self) -> str:
        return f"{self.ballot_id}→{self.candidate_id}"


class ElectionEvent(models.Model):
    """One change of one household's election ballot, hash-chained like voting.models.BallotEvent. `old` and `new`
    are the approvals as text (voting.chain.approvals_text): candidate ids in order, "!" for an invalid ballot, and
    `new` is "-" when an entry leaves the household without a ballot."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    old = models.CharField(max_length=400, blank=True)
    new = models.CharField(max_length=400, blank=True)
    channel = models.CharField(max_length=6, choices=Channel.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proxy_name = models.CharField(max_length=60, blank=True)
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    receipt = models.CharField(max_length=10, blank=True)
    evidence = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["election", "seq"]
        constraints = [models.UniqueConstraint(fields=["election", "seq"], name="election_event_unique_seq")]
        indexes = [models.Index(fields=["election", "receipt"], name="election_event_receipt")]

    def __str__(self) -> str:
        return f"{self.election_id}#{self.seq}"
