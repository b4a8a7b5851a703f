"""The resolution's panel for the proposal page (committee panel and household page) and the 决议 section of a meeting's
page: its state in ONE query, since they are included in pages with a tight query budget."""

from django import template
from django.db.models import Count, IntegerField, OuterRef, Subquery

from proposals.models import Proposal
from resolutions.models import NoticeStage, Resolution, ResultNotice, Signature
from resolutions.selectors import has_result

register = template.Library()


@register.simple_tag
def resolution_summary(proposal) -> dict:
    """{"shown", "fingerprint", "signers", "objections_until", "final_at"}; nothing is read before voting is over."""
    if not has_result(proposal):
        return {"shown": False}
    signers = (
        Signature.objects.filter(resolution__proposal=OuterRef("pk"))
        .order_by()
        .values("resolution__proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )

    def notice(stage: str, field: str):
        return Subquery(ResultNotice.objects.filter(proposal=OuterRef("pk"), stage=stage).values(field)[:1])

    row = (
        Proposal.objects.filter(pk=proposal.pk)
        .annotate(
            fingerprint=Subquery(Resolution.objects.filter(proposal=OuterRef("pk")).values("fingerprint")[:1]),
            signers=Subquery(signers, output_field=IntegerField()),
            objections_until=notice(NoticeStage.PRELIMINARY, "objections_until"),
            final_at=notice(NoticeStage.FINAL, "published_at"),
        )
        .values("fingerprint", "signers", "objections_until", "final_at")
        .first()
    ) or {}
    return {"shown": True, **row, "signers": row.get("signers") or 0}


@register.simple_tag(takes_context=True)
def meeting_resolution_summary(context, meeting) -> dict:
    """The 决议 section of a meeting's page: {"shown", "fingerprint", "signers", "final_at"}. Shown to the committee
    and the secretary once the meeting is closed, to households once a committee member has signed. One query."""
    if not has_result(meeting):
        return {"shown": False}
    final = ResultNotice.objects.filter(meeting=OuterRef("meeting"), stage=NoticeStage.FINAL).values("published_at")
    row = (
        Resolution.objects.filter(meeting=meeting)
        .annotate(signers=Count("signatures"), final_at=Subquery(final[:1]))
        .values("fingerprint", "signers", "final_at")
        .first()
    )
    # The meeting page's own check (meetings.manage_meeting: the committee and the secretary), not a second query.
    if row is None and not context.get("can_manage"):
        return {"shown": False}
    return {"shown": True, "fingerprint": "", "signers": 0, "final_at": None, **(row or {})}
