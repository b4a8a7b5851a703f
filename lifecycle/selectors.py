"""Reads for the lifecycle's confirmation pages: what opening voting would freeze, said before it is done."""

from dataclasses import dataclass
from decimal import Decimal

from community.selectors import Totals, household_totals
from costs.models import CostPlan
from costs.selectors import shares_compute
from proposals.models import Proposal
from proposals.selectors import scope_households


@dataclass(frozen=True)
class OpenPreview:
    """The electorate and the cost plan as they stand now: what `proposal_open_voting` would freeze."""

    electorate: Totals
    plan: CostPlan | None
    sharing_households: int  # households with a share of the plan (0 without a plan)
    to_share: Decimal
    plan_problem: str  # why the plan cannot be shared (then voting would not open), or ""


def open_preview(proposal: Proposal) -> OpenPreview:
    """A handful of queries (the live shares are cached by costs.selectors); reads only."""
    electorate = household_totals(scope_households(proposal))
    shares = shares_compute(proposal)
    if shares is None:
        return OpenPreview(electorate, None, 0, Decimal("0.00"), "")
    return OpenPreview(electorate, shares.plan, len(shares.rows), shares.plan.to_share, shares.error)
