"""The text messages of the first phase's vote at 山水名城 (demo.stories): the notice when voting opened, the
committee's reminder three days before the close to the households that had not voted in building 3, and, once the
vote passed, the result and each household's bill. Sent through the configured gateway (the console's log under
`make run`) at the times they would have gone, and delivered."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from messaging.models import Batch
from messaging.selectors import Audience
from messaging.sending import messages_send_due, receipts_collect
from messaging.services import batch_create, batch_key
from proposals.models import Proposal


def _morning(moment: datetime) -> datetime:
    """Ten in the morning (Beijing time) of `moment`'s day: texts go out in the day."""
    day = timezone.localtime(moment).date()
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _send(batch: Batch, at: datetime) -> None:
    Batch.objects.filter(pk=batch.pk).update(created_at=at)  # made then, as the story goes
    messages_send_due(now=at)
    receipts_collect(now=at + timedelta(minutes=5))


def phase_one_opened(proposal: Proposal) -> None:
    """The opening notice, under the key the scheduled job would have used (messaging.schedule)."""
    at = _morning(proposal.voting_opens_at)
    batch, _ = batch_create(
        subject=proposal, kind=Batch.Kind.OPENED, key=batch_key(Batch.Kind.OPENED, proposal), now=at
    )
    _send(batch, at)


def phase_one_reminded(proposal: Proposal, *, by, building) -> None:
    at = _morning(proposal.voting_closes_at - timedelta(days=3))
    audience = Audience(not_voted=True, building_id=building.pk)
    batch, _ = batch_create(subject=proposal, kind=Batch.Kind.REMINDER, audience=audience, by=by, now=at)
    _send(batch, at)


def phase_one_results(proposal: Proposal) -> None:
    """The result and the bills, as the scheduled job makes them once the vote is closed; sent now, or at eight if
    the demo is loaded at night (by the worker `make run` starts)."""
    now = timezone.now()
    for kind in (Batch.Kind.BILL, Batch.Kind.RESULT):
        batch, _ = batch_create(subject=proposal, kind=kind, key=batch_key(kind, proposal), now=now)
        _send(batch, now)
