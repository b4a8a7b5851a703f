"""The automatic texts, made by a scheduled job every minute (messaging.tasks): voting opened, a meeting's notice,
reminders before the close, the result and each household's bill. Each batch has a fixed key, so running the job
again, or twice at once, makes it once; only what happened in the last RECENT is texted, so deploying this (or a
worker back after a long stop) texts nobody about old news.

A vote of the residents' representatives texts the representatives (messaging.selectors.recipients), and has no
bills texted: a bill is the owner's, and the representative's number is not the owner's. A matter of an owners'
meeting gets its bills here, not a result of its own (the meeting's page has the results; one text per matter would
be as many texts as matters)."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from costs.models import Bill
from meetings.models import Meeting
from messaging import services  # the module, used when called: it imports messaging.tasks, which imports this
from messaging.models import Batch, Policy
from messaging.selectors import Audience, allowed_from, open_for_texts, policy_of
from proposals.models import Electorate, Proposal, State, Transition

logger = logging.getLogger("gongyi.sms")

RECENT = timedelta(hours=24)
NOT_VOTED = Audience(not_voted=True)


@dataclass(frozen=True)
class Due:
    subject: Proposal | Meeting
    kind: str
    audience: Audience = field(default_factory=Audience)  # everyone in the electorate
    days: int | None = None  # a reminder's slot: days before the close

    @property
    def key(self) -> str:
        return services.batch_key(self.kind, self.subject, *([f"{self.days}d"] if self.days is not None else []))


def reminder_slot(*, opens_at: datetime | None, closes_at: datetime, days: list[int], now: datetime) -> int | None:
    """The reminder due at `now`: the latest slot (fewest days before the close) whose time has come, provided it
    came after voting opened and a text queued now still goes out before the close (not held by the quiet hours
    past it). A slot overtaken by a later one is never sent: nobody wants "3 days left" with one day left."""
    if now >= closes_at or allowed_from(now) >= closes_at:
        return None
    come = [d for d in days if closes_at - timedelta(days=d) <= now]
    if not come:
        return None
    latest = min(come)
    if opens_at is not None and closes_at - timedelta(days=latest) <= opens_at:
        return None  # the slot fell before voting opened: the opening notice said as much
    return latest


def _closed_since(since: datetime, now: datetime):
    return Exists(Transition.objects.filter(proposal=OuterRef("pk"), to_state=State.CLOSED, at__gt=since, at__lte=now))


def batches_due(now: datetime) -> Iterator[Due]:
    """Every automatic batch due at `now`, made or not (the caller skips the keys that exist)."""
    since = now - RECENT
    policies: dict[int, Policy] = {}

    def policy(subject) -> Policy:
        if subject.community_id not in policies:
            policies[subject.community_id] = policy_of(subject.community)
        return policies[subject.community_id]

    for subject, kinds in open_for_texts(now):
        if isinstance(subject, Proposal) and subject.on_meeting_ballot:
            continue  # a matter of a meeting: the meeting's texts are its texts
        announced = subject.voting_opens_at if isinstance(subject, Proposal) else subject.notice_published_at
        if policy(subject).notify_on_open and since < announced <= now:
            yield Due(subject, Batch.Kind.OPENED if isinstance(subject, Proposal) else Batch.Kind.MEETING)
        if Batch.Kind.REMINDER in kinds:
            slot = reminder_slot(
                opens_at=subject.voting_opens_at,
                closes_at=subject.voting_closes_at,
                days=policy(subject).reminder_day_list,
                now=now,
            )
            if slot is not None:
                yield Due(subject, Batch.Kind.REMINDER, NOT_VOTED, slot)

    closed = Proposal.objects.filter(state__in=[State.CLOSED, State.PUBLISHED]).filter(_closed_since(since, now))
    closed = closed.select_related("community")
    closed = closed.annotate(billed=Exists(Bill.objects.filter(proposal=OuterRef("pk"))))
    for proposal in closed.order_by("pk"):
        if not policy(proposal).notify_results:
            continue
        if not proposal.on_meeting_ballot:
            yield Due(proposal, Batch.Kind.RESULT)
        if proposal.passed and proposal.billed and proposal.electorate == Electorate.OWNERS:
            yield Due(proposal, Batch.Kind.BILL)


def batches_make_due(*, now: datetime | None = None) -> list[Batch]:
    """Make the automatic batches due at `now` (default: now) that are not made yet; returns those made. Run every
    minute by messaging.tasks; safe to run at any time, and twice at once (batch_create is idempotent on the key
    under the community's lock)."""
    now = now or timezone.now()
    due = list(batches_due(now))
    # A reminder stays due all day: one query skips what is made, rather than a community's lock for each key.
    made_before = set(Batch.objects.filter(key__in=[d.key for d in due]).values_list("key", flat=True))
    made = []
    for d in due:
        if d.key in made_before:
            continue
        try:
            batch, created = services.batch_create(
                subject=d.subject, kind=d.kind, audience=d.audience, key=d.key, now=now
            )
        except Exception:
            # One subject's fault (a bad roster row, say) must not keep every other community's texts back.
            logger.exception("automatic text batch %s was not made", d.key)
        else:
            if created:  # and not by a job running at the same time
                made.append(batch)
    return made
