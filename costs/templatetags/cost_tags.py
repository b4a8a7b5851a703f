"""Cost-sharing pieces for other pages: a household's share (`my_share`), the committee's panel (`cost_panel`),
and the `yuan` filter. Each partial costs a constant number of queries whatever the size of the community."""

from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.utils.translation import gettext as _

from costs.engine import FEN
from costs.models import Beneficiary, CostMethod, Sharers
from costs.selectors import collection, my_shares, plan_for, sign_up_totals
from proposals.models import State

register = template.Library()


@register.filter
def yuan(value) -> str:
    """1234.5 → "¥1,234.50": money as people read it, exact (a Decimal is never turned into a float)."""
    if value is None or value == "":
        return ""
    return f"¥{Decimal(value):,.2f}"


@register.filter
def sub(value, other) -> Decimal:
    return Decimal(value) - Decimal(other)


def _encode(query: dict) -> str:
    return urlencode({key: value for key, value in query.items() if value not in ("", None)})


@register.filter
def urlencode_dict(query: dict) -> str:
    return _encode(query)


@register.filter
def with_sort(query: dict, sort: str) -> str:
    """The same filters in a new order, from the first page."""
    return _encode({**query, "sort": sort})


@register.filter
def with_status(query: dict, status: str) -> str:
    """The same place filters with another payment status ("" for every bill), from the first page."""
    return _encode({**query, "status": status})


@register.filter
def with_page(query: dict, page) -> str:
    return _encode({**query, "page": page})


def method_phrase(method: str) -> str:
    """How the cost is shared, as it reads inside the share sentence ("按面积分摊")."""
    return {
        CostMethod.EQUAL: _("shared equally per household"),
        CostMethod.AREA: _("shared by area"),
        CostMethod.WEIGHT: _("shared by the number each household declares"),
        CostMethod.FLOOR: _("shared by floor coefficient"),
        CostMethod.FLOOR_AREA: _("shared by floor coefficient × area"),
    }.get(method, method)


@register.inclusion_tag("costs/_my_share.html", takes_context=True)
def my_share(context, proposal, user):
    """The user's households' shares (or bills) on this proposal, and the beneficiary sign-up while it is open."""
    plan = plan_for(proposal) if proposal.state != State.WITHDRAWN else None
    items = [item for item in my_shares(proposal, user, plan=plan) if item.in_scope]
    by_beneficiaries = plan is not None and plan.sharers == Sharers.BENEFICIARIES
    sign_up_open = by_beneficiaries and proposal.state == State.CONSULTATION and not plan.is_locked
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "proposal": proposal,
        "plan": plan,
        "method_phrase": method_phrase(plan.method) if plan else "",
        "items": items,
        "by_beneficiaries": by_beneficiaries,
        "asks_number": by_beneficiaries and plan.method == CostMethod.WEIGHT,
        "sign_up_open": sign_up_open,
        # While signing up, and until the bills are made, the price of one unit (one e-bike) or one household.
        "signed_up": _signed_up(plan) if by_beneficiaries and items and plan.billed_at is None else None,
        "billed": plan is not None and plan.billed_at is not None,
        "failed": proposal.state in (State.CLOSED, State.PUBLISHED) and not proposal.passed,
    }


def _signed_up(plan) -> dict:
    """Who signed up so far and, where it means something, what one unit (or one household) pays at present:
    a household deciding whether to sign up sees roughly what it would pay."""
    count, weight = sign_up_totals(plan)
    per_unit = None
    if plan.method == CostMethod.WEIGHT and weight:
        per_unit = (plan.to_share / weight).quantize(FEN)
    elif plan.method == CostMethod.EQUAL and count:
        per_unit = (plan.to_share / count).quantize(FEN)
    return {"count": count, "weight": weight, "per_unit": per_unit}


@register.inclusion_tag("costs/_cost_panel.html", takes_context=True)
def cost_panel(context, proposal, user):
    """The committee's and secretary's summary of the plan, with links to the editor, the table and collection."""
    can_view = user.has_perm("costs.view_table", proposal)
    plan = plan_for(proposal) if can_view else None
    signed_up = None
    if plan is not None and plan.sharers == Sharers.BENEFICIARIES:
        signed_up = Beneficiary.objects.filter(plan=plan, withdrawn_at__isnull=True).count()
    return {
        "request": context.get("request"),
        "proposal": proposal,
        "plan": plan,
        "can_view": can_view,
        "can_manage": can_view and user.has_perm("costs.manage_plan", proposal),
        "can_collect": plan is not None
        and plan.billed_at is not None
        and user.has_perm("costs.record_payment", proposal),
        "editable": proposal.state in (State.DRAFT, State.CONSULTATION),
        "signed_up": signed_up,
        "collection": collection(proposal) if plan is not None and plan.billed_at else None,
        "method_phrase": method_phrase(plan.method) if plan else "",
    }
