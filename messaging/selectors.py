"""Reads of the messaging app: what may be texted about now (`open_for_texts`), who a batch reaches (`recipients`),
how much of the month's budget is spent and left (`month_budget`) and whether a planned batch may go out
(`plan_refusal`), and the time a text may go out (quiet hours)."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sms import Template
from community.models import Household, HouseholdBinding, Representative
from consult.models import Visit
from meetings.models import AgendaItem, ElectionBallot, Meeting, MeetingElector, MeetingState
from messaging.models import Batch, Message, MessageStatus, OptOut, Policy
from proposals.models import Electorate, Proposal, State
from voting.models import Ballot, Elector

# No texts from 21:00 to 08:00, Beijing time: what is queued then waits until the morning.
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)


@dataclass(frozen=True)
class Audience:
    """Which households of the subject's electorate a batch is for."""

    not_voted: bool = False
    not_reached: bool = False  # and not met by a canvasser (a visit that met someone)
    building_id: int | None = None
    entrance_id: int | None = None

    def as_json(self) -> dict:
        return {
            "not_voted": self.not_voted,
            "not_reached": self.not_reached,
            "building": self.building_id,
            "entrance": self.entrance_id,
        }


@dataclass(frozen=True)
class Recipient:
    phone: str
    household_id: int  # the first of the phone's households in walking order
    household_ids: tuple[int, ...]


@dataclass
class Recipients:
    recipients: list[Recipient] = field(default_factory=list)
    households: int = 0  # chosen households reached (with a phone, not opted out)
    opted_out: int = 0
    without_phone: int = 0


@dataclass
class Plan:
    """A batch as it would be made (messaging.services.batch_plan): the template, each phone's parameters and what it
    costs."""

    template: Template
    chosen: Recipients
    params: list[dict[str, str]]
    parts: list[int]
    estimated_cost: Decimal
    sample: str  # the text of the first message, with the signature, as the phone shows it


def policy_of(community) -> Policy:
    """The community's policy, or the defaults (unsaved) when the committee never changed them."""
    return Policy.objects.filter(community=community).first() or Policy(community=community)


def open_for_texts(
    now: datetime, *, community=None, subject: Proposal | Meeting | None = None
) -> list[tuple[Proposal | Meeting, list[str]]]:
    """What may be texted about at `now`, each with the kinds of batch it may have: a proposal while its voting is
    open (a reminder, or the notice that voting opened); a meeting from its notice until its voting closes (its
    notice, and reminders once it votes). Of every community, or of one; or only `subject`, if it is open. Proposals,
    then meetings, the soonest to close first. Two queries; one for a subject."""
    # Whether a proposal's voting is open is Proposal.voting_status's reading, as the committee's action bar reads
    # it: the query only narrows to the voting state, where not yet open and ended-but-not-closed are few.
    proposals = Proposal.objects.filter(state=State.VOTING)
    meetings = Meeting.objects.before_close(now)
    if community is not None:
        proposals, meetings = proposals.filter(community=community), meetings.filter(community=community)
    if isinstance(subject, Proposal):
        proposals, meetings = proposals.filter(pk=subject.pk), meetings.none()
    elif isinstance(subject, Meeting):
        proposals, meetings = proposals.none(), meetings.filter(pk=subject.pk)
    texts: list[tuple[Proposal | Meeting, list[str]]] = [
        (proposal, [Batch.Kind.REMINDER, Batch.Kind.OPENED])
        for proposal in proposals.select_related("community").order_by("voting_closes_at", "pk")
        if proposal.voting_status(now) == Proposal.OPEN
    ]
    for meeting in meetings.select_related("community").order_by("voting_closes_at", "pk"):
        voting = meeting.state == MeetingState.VOTING
        texts.append((meeting, [Batch.Kind.REMINDER, Batch.Kind.MEETING] if voting else [Batch.Kind.MEETING]))
    return texts


def kinds_open(subject: Proposal | Meeting, now: datetime) -> list[str]:
    """The kinds of batch that may be sent about a subject at `now` (open_for_texts); none when it is not open. One
    query."""
    return next((kinds for _open, kinds in open_for_texts(now, subject=subject)), [])


def electorate_households(subject: Proposal | Meeting):
    """The households a subject's texts may go to: its frozen electorate once voting opened; before that (a
    meeting's notice), the households in its scope."""
    if isinstance(subject, Proposal):
        return Household.objects.filter(pk__in=Elector.objects.filter(proposal=subject).values("household_id"))
    if MeetingElector.objects.filter(meeting=subject).exists():
        return Household.objects.filter(pk__in=MeetingElector.objects.filter(meeting=subject).values("household_id"))
    households = Household.objects.of(subject.community)
    if subject.building_id:
        households = households.filter(entrance__building=subject.building)
    if subject.electorate == Electorate.REPRESENTATIVES:
        households = households.filter(pk__in=Representative.objects.active().values("household_id"))
    return households


def _matter_ids(subject: Proposal | Meeting):
    if isinstance(subject, Proposal):
        return [subject.pk]
    return AgendaItem.objects.filter(meeting=subject, proposal__isnull=False).values("proposal_id")


def voted_households(subject: Proposal | Meeting):
    """Ids of households with a ballot on the subject (a meeting: on any of its matters or elections)."""
    voted = Q(pk__in=Ballot.objects.filter(proposal_id__in=_matter_ids(subject)).values("household_id"))
    if isinstance(subject, Meeting):
        voted |= Q(pk__in=ElectionBallot.objects.filter(election__item__meeting=subject).values("household_id"))
    return voted


def chosen_households(subject: Proposal | Meeting, audience: Audience):
    households = electorate_households(subject)
    if audience.building_id:
        households = households.filter(entrance__building_id=audience.building_id)
    if audience.entrance_id:
        households = households.filter(entrance_id=audience.entrance_id)
    if audience.not_voted:
        households = households.exclude(voted_households(subject))
    if audience.not_reached:
        met = Visit.objects.filter(proposal_id__in=_matter_ids(subject), outcome=Visit.Outcome.MET)
        households = households.exclude(pk__in=met.values("household_id"))
    return households


def recipients(subject: Proposal | Meeting, audience: Audience, *, only=None, but=None) -> Recipients:
    """One recipient per phone: the roster's number of the owner, else the verified number of an account bound to
    the flat as its owner; for the residents' representatives, the representative's number. Opted-out households and
    households without a number are counted, not texted. `only` (household ids, a queryset) narrows the choice
    further; `but` (the same) leaves households out. One query."""
    if subject.electorate == Electorate.REPRESENTATIVES:
        phone_of = Representative.objects.active().filter(household=OuterRef("pk")).exclude(phone="")
        roster_phone = Value("")
    else:
        phone_of = HouseholdBinding.objects.filter(
            household=OuterRef("pk"), relation=HouseholdBinding.Relation.OWNER, user__phone_verified=True
        ).exclude(user__phone="")
        phone_of = phone_of.annotate(phone=F("user__phone"))
        roster_phone = F("owner__phone")
    households = chosen_households(subject, audience)
    if only is not None:
        households = households.filter(pk__in=only)
    if but is not None:
        households = households.exclude(pk__in=but)
    rows = (
        households.annotate(
            opted_out=Exists(OptOut.objects.filter(household=OuterRef("pk"))),
            roster_phone=roster_phone,
            account_phone=Subquery(phone_of.order_by("pk").values("phone")[:1]),
        )
        .order_by("entrance__building__sort_key", "entrance__sort_key", "-floor", "room_sort_key", "pk")
        .values_list("pk", "roster_phone", "account_phone", "opted_out")
    )
    result = Recipients()
    by_phone: dict[str, list[int]] = {}
    for household_id, roster_phone, account_phone, opted_out in rows:
        phone = roster_phone or account_phone or ""
        if opted_out:
            result.opted_out += 1
        elif not phone:
            result.without_phone += 1
        else:
            result.households += 1
            by_phone.setdefault(phone, []).append(household_id)
    result.recipients = [Recipient(phone, ids[0], tuple(ids)) for phone, ids in by_phone.items()]
    return result


def month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_spent(community, now: datetime | None = None) -> Decimal:
    """What the community's texts of this month cost or will cost: sent, delivered, sending and queued ones."""
    spent = (
        Message.objects.filter(batch__community=community, queued_at__gte=month_start(now or timezone.now()))
        .exclude(status=MessageStatus.FAILED)
        .aggregate(total=Sum("cost"))["total"]
    )
    return (spent or Decimal("0")).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class MonthBudget:
    """A community's budget for texts this month, and what its texts of the month cost or will cost."""

    budget: Decimal
    spent: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.budget - self.spent, Decimal("0.00"))  # shown as money: ¥0.00, not ¥0


def month_budget(community, now: datetime | None = None) -> MonthBudget:
    """The month's budget, spent and left, as every page shows it and as a batch is refused against. Two queries."""
    return MonthBudget(budget=policy_of(community).monthly_budget, spent=month_spent(community, now))


def plan_refusal(plan: Plan, *, kind: str, month: MonthBudget) -> str:
    """Why a batch as planned may not go out: it reaches nobody, or it would go over the month's budget; "" if it
    may. The preview shows it beside `month`; batch_create refuses (or keeps, for an automatic batch) on it."""
    if not plan.params:
        if kind == Batch.Kind.RESULT:
            return _(
                "No separate text of the result: every household with a mobile number gets its bill, which says so."
            )
        return _("No household to text: nobody chosen has a mobile number, or all opted out.")
    if plan.estimated_cost > month.left:
        return _(
            "This batch would cost about ¥%(estimate)s, and only ¥%(left)s of this month's ¥%(budget)s budget for "
            "text messages is left. Choose fewer households, or raise the budget."
        ) % {"estimate": plan.estimated_cost, "left": month.left, "budget": month.budget}
    return ""


def price_per_part() -> Decimal:
    return settings.SMS_PRICE_YUAN


def quiet_hours() -> tuple[str, str]:
    """The quiet hours as the pages write them, e.g. ("21:00", "08:00")."""
    return QUIET_FROM.strftime("%H:%M"), QUIET_UNTIL.strftime("%H:%M")


def allowed_from(moment: datetime) -> datetime:
    """The first moment at or after `moment` outside the quiet hours (Beijing time)."""
    local = timezone.localtime(moment)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return moment
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, QUIET_UNTIL), timezone.get_current_timezone())


def participation(subject: Proposal | Meeting) -> tuple[int, int]:
    """(households in the electorate, households that voted) of a subject: kept with a batch when it is made, and
    set beside it afterwards. Two queries."""
    households = electorate_households(subject)
    return households.count(), households.filter(voted_households(subject)).count()


def batch_counts(batch: Batch) -> dict[str, int]:
    """Messages of a batch by status. One query."""
    return batches_with_counts([batch])[0].counts


# --- The committee's pages ---------------------------------------------------------------------------------------


def failure_reasons(batch: Batch) -> list[tuple[str, int]]:
    """Why a batch's messages failed: (reason, how many), the most frequent first. One query."""
    rows = (
        batch.messages.filter(status=MessageStatus.FAILED)
        .order_by()
        .values("error_reason", "error_code")
        .annotate(n=Count("pk"))
    )
    reasons: dict[str, int] = {}
    for row in rows:
        reason = row["error_reason"] or row["error_code"] or "—"
        reasons[reason] = reasons.get(reason, 0) + row["n"]
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def batches_with_counts(batches) -> list[Batch]:
    """The batches (a queryset, perhaps sliced), each with `counts`: its messages by status. Two queries whatever the
    number of batches and messages."""
    batches = list(batches)
    counts = {batch.pk: dict.fromkeys(MessageStatus.values, 0) for batch in batches}
    rows = (
        Message.objects.filter(batch_id__in=list(counts))
        .order_by()
        .values("batch_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["batch_id"]][row["status"]] = row["n"]
    for batch in batches:
        batch.counts = counts[batch.pk]
    return batches
