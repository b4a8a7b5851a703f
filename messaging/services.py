"""Writes of the messaging app: making a batch (one queued message per phone, within the month's budget), a
household's opt-out, a community's policy, short links. Sending is messaging.sending's, on the task queue."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.sms import TEMPLATES, param_safe, parts, render, signed
from community.models import Community
from costs.models import Bill
from meetings.models import Meeting
from messaging import tasks
from messaging.models import BEFORE_THE_CLOSE, Batch, Message, OptOut, Policy, ShortLink
from messaging.selectors import (
    Audience,
    Plan,
    allowed_from,
    month_budget,
    participation,
    plan_refusal,
    policy_of,
    price_per_part,
    recipients,
)
from proposals.models import Proposal


class MessagingError(ValidationError):
    pass


EVERYONE = Audience()

KIND_TEMPLATE = {
    Batch.Kind.OPENED: "voting_opened",
    Batch.Kind.MEETING: "meeting_notice",
    Batch.Kind.REMINDER: "reminder",
    Batch.Kind.RESULT: "result",
    Batch.Kind.BILL: "bill",
}


def short_link(path: str) -> str:
    """The code of a short link (SITE_URL/s/<code>) to a page of the site; the same page keeps its code. Texts carry
    the code only: the site's address is written into their templates (accounts.sms.Template.registered)."""
    link = ShortLink.objects.filter(path=path).first()
    if link is None:
        try:
            with transaction.atomic():
                link = ShortLink.objects.create(path=path)
        except IntegrityError:  # made by a concurrent batch, or (once in a blue moon) a code taken
            link = ShortLink.objects.filter(path=path).first() or ShortLink.objects.create(path=path)
    return link.code


def batch_key(kind: str, subject: Proposal | Meeting, *distinct: str) -> str:
    """A batch's key, unique among batches: its kind ("manual" for a committee's), its subject ("p12", "m3") and what
    tells it apart from the subject's other batches of that kind (a reminder's slot "3d", the form's one-time token).
    The scheduled job's keys have a fixed form, so that it makes each of its batches once (messaging.schedule)."""
    return ":".join([kind, f"{'m' if isinstance(subject, Meeting) else 'p'}{subject.pk}", *distinct])


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def subject_path(subject: Proposal | Meeting, kind: str) -> str:
    if kind == Batch.Kind.BILL:
        return reverse("my_bill", args=[subject.pk])
    if isinstance(subject, Meeting):
        return reverse("meeting_detail", args=[subject.pk])
    return reverse("proposal_detail", args=[subject.pk])


# What a preview shows for a short link not made yet: as long as a code, so the text's length and cost are right.
PREVIEW_CODE = "•" * 7


def batch_params(subject: Proposal | Meeting, kind: str, *, preview: bool = False) -> dict[str, str]:
    """The parameters every message of a batch shares (a bill's amount is each phone's own). A preview makes no short
    link: it shows the page's code if it has one."""
    path = subject_path(subject, kind)
    if preview:
        link = ShortLink.objects.filter(path=path).values_list("code", flat=True).first() or PREVIEW_CODE
    else:
        link = short_link(path)
    params = {
        "community": param_safe(subject.community.name, 12),
        "title": param_safe(subject.title, 20),
        "link": link,
    }
    if kind in BEFORE_THE_CLOSE:
        params["deadline"] = _when(subject.voting_closes_at)
    if kind == Batch.Kind.MEETING:
        params["start"] = _when(subject.voting_opens_at)
    if kind == Batch.Kind.RESULT:
        params["outcome"] = "通过" if subject.passed else "未通过"
    return params


def batch_plan(*, subject: Proposal | Meeting, kind: str, audience: Audience, preview: bool = False) -> Plan:
    """Who a batch would reach, with which texts, at what cost. With `preview` it writes nothing (no short link)."""
    template = TEMPLATES[KIND_TEMPLATE[kind]]
    shared = batch_params(subject, kind, preview=preview)
    if kind == Batch.Kind.BILL:
        bills = Bill.objects.filter(proposal=subject)
        amounts = dict(bills.values("household_id").annotate(total=Sum("amount")).values_list("household_id", "total"))
        chosen = recipients(subject, audience, only=bills.values("household_id"))
        params = [
            {**shared, "amount": f"{sum((amounts[h] for h in r.household_ids), Decimal('0')):.2f}"}
            for r in chosen.recipients
        ]
    elif kind == Batch.Kind.RESULT and subject.passed:
        # A household with a bill gets the bill's text, which says the proposal passed: not a second text.
        chosen = recipients(subject, audience, but=Bill.objects.filter(proposal=subject).values("household_id"))
        params = [shared] * len(chosen.recipients)
    else:
        chosen = recipients(subject, audience)
        params = [shared] * len(chosen.recipients)
    counts = [parts(render(template, p)) for p in params]
    cost = (sum(counts) * price_per_part()).quantize(Decimal("0.01"))
    sample = signed(render(template, params[0])) if params else ""
    return Plan(template=template, chosen=chosen, params=params, parts=counts, estimated_cost=cost, sample=sample)


def batch_create(
    *,
    subject: Proposal | Meeting,
    kind: str,
    audience: Audience = EVERYONE,
    by=None,
    key: str | None = None,
    now: datetime | None = None,
) -> tuple[Batch, bool]:
    """Queue one message per phone of the audience, to go out from now or after the quiet hours; returns the batch
    and whether it was made now.

    Idempotent on `key`: a batch with the key, made before or by a concurrent call, is returned with False (read
    under the community's lock, so two calls with one key tell the same story). Raises MessagingError, queuing
    nothing, when a committee's batch would go over the month's budget or reaches nobody; an automatic batch over
    budget is kept with `refused` set, so the committee sees it was not sent.
    """
    now = now or timezone.now()
    community = subject.community
    with transaction.atomic():
        # One batch at a time per community, so that two batches cannot both fit in the budget's last yuan.
        Community.objects.select_for_update().filter(pk=community.pk).first()
        if key and (existing := Batch.objects.filter(key=key).first()) is not None:
            return existing, False
        plan = batch_plan(subject=subject, kind=kind, audience=audience)
        # An automatic batch that reaches nobody is kept too, saying why, so the job does not make it again.
        refusal = plan_refusal(plan, kind=kind, month=month_budget(community, now))
        if refusal and by is not None:
            raise MessagingError(refusal)
        electorate, voted = participation(subject)
        batch = Batch.objects.create(
            community=community,
            proposal=subject if isinstance(subject, Proposal) else None,
            meeting=subject if isinstance(subject, Meeting) else None,
            kind=kind,
            template=plan.template.name,
            key=key or batch_key(kind, subject, f"{now.timestamp():.6f}"),
            audience=audience.as_json(),
            created_by=by,
            households=plan.chosen.households,
            opted_out=plan.chosen.opted_out,
            without_phone=plan.chosen.without_phone,
            estimated_cost=plan.estimated_cost,
            electorate=electorate,
            voted_before=voted,
            refused=refusal,
        )
        if refusal:
            return batch, True
        send_after = allowed_from(now)
        price = price_per_part()
        Message.objects.bulk_create(
            [
                Message(
                    batch=batch,
                    household_id=recipient.household_id,
                    phone=recipient.phone,
                    params=params,
                    parts=n,
                    cost=n * price,
                    queued_at=now,
                    send_after=send_after,
                )
                for recipient, params, n in zip(plan.chosen.recipients, plan.params, plan.parts, strict=True)
            ],
            batch_size=2000,
        )
        transaction.on_commit(tasks.messages_send_due_task)
    return batch, True


def opt_out_set(*, household, opted_out: bool, by) -> None:
    """A household stops (or resumes) receiving notices and reminders. Queued messages to it are not sent."""
    if opted_out:
        OptOut.objects.get_or_create(household=household, defaults={"by": by})
    else:
        OptOut.objects.filter(household=household).delete()


def policy_update(*, community: Community, by, **fields) -> Policy:
    policy = policy_of(community)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.updated_by = by
    policy.full_clean()
    policy.save()
    return policy
