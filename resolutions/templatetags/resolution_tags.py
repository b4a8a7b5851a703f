"""The resolution's panel for the proposal page (committee panel and household page): its state in ONE query, since
the panel is included in pages with a tight query budget."""

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
