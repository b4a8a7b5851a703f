"""Voting: the frozen electorate, one ballot per household, and the hash-chained ballot log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models import Household, Owner
from proposals.models import Proposal


class Choice(models.TextChoices):
    AGREE = "agree", _("agree")
    DISAGREE = "disagree", _("disagree")
    ABSTAIN = "abstain", _("abstain")


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PAPER = "paper", _("paper ballot")
    PROXY = "proxy", _("proxy")


class Elector(models.Model):
    """A household of a proposal's electorate, frozen when voting opens: its area and head as they were."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="electors")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=60)
    area = models.DecimalField(max_digits=10, decimal_places=2)
    head = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "household"], name="elector_unique")]
        indexes = [models.Index(fields=["proposal", "head"], name="elector_head")]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    """The current choice of one household on one proposal. Changing it updates this row; the log keeps all."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ballots")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    elector = models.OneToOneField(Elector, on_delete=models.PROTECT, related_name="ballot")
    # Copied from the elector so a tally is one aggregate over this table.
    head = models.CharField(max_length=40)
    # True when the head holds several flats of the electorate: only those ballots need COUNT(DISTINCT head).
    shared_head = models.BooleanField(default=False)
    area = models.DecimalField(max_digits=10, decimal_places=2)
    choice = models.CharField(_("choice"), max_length=8, choices=Choice.choices)
    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proxy_name = models.CharField(_("proxy"), max_length=60, blank=True)
    evidence = models.FileField(_("signed ballot or authorisation"), upload_to="ballots/%Y/%m/", blank=True)
    receipt = models.CharField(max_length=10, db_index=True)
    seq = models.PositiveIntegerField()
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "household"], name="ballot_one_per_household"),
            models.CheckConstraint(condition=models.Q(choice__in=Choice.values), name="ballot_known_choice"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}/{self.household_id}: {self.choice}"


class BallotEvent(models.Model):
    """One change of one household's ballot. Each entry carries the hash of the one before (verify_ballots).

        `new_choice` is "" when an undone first entry leaves the household without a ballot (voting.services
        ballot_entry_undo); `undoes` is then the sequence number of the entry it reverses. `receipt` is the receipt code
        the household held after this entry, so an old code still says what it recorded once the choice changed, and
    `evidence` the stored file the ballot named then, so an undo gives the ballot before it back whole.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ballot_events")
    seq = models.PositiveIntegerField()
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    old_choice = models.CharField(max_length=8, blank=True)
    new_choice = models.CharField(max_length=8, choices=Choice.choices, blank=True)
    channel = models.CharField(max_length=6, choices=Channel.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proxy_name = models.CharField(max_length=60, blank=True)
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    receipt = models.CharField(max_length=10, blank=True)
    evidence = models.CharField(max_length=100, blank=True)
    undoes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["proposal", "seq"]
        constraints = [models.UniqueConstraint(fields=["proposal", "seq"], name="ballot_event_unique_seq")]
        indexes = [
            models.Index(fields=["proposal", "receipt"], name="ballot_event_receipt"),
            models.Index(fields=["proposal", "household", "seq"], name="ballot_event_household"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}#{self.seq}"
