"""Who may do what with cost plans and bills (perms named costs.*). Imported by cost_views and cost_tags.

Plan, table and payment perms take the proposal; costs.sign_up takes the household.
Whether a household is in scope, and whether sign-up is open, is the service's check (it needs both objects).
"""

import rules

from community.models import HouseholdBinding
from proposals import rules as proposal_rules


@rules.predicate
def is_bound_to_household(user, household) -> bool:
    if not user or not user.is_authenticated or household is None:
        return False
    return HouseholdBinding.objects.filter(user=user, household=household).exists()


staff = proposal_rules.is_committee | proposal_rules.is_secretary

rules.add_perm("costs.manage_plan", proposal_rules.is_committee)
rules.add_perm("costs.view_table", staff)
rules.add_perm("costs.record_payment", staff)
# Forgiving a household's bill, and sharing forgiven bills among the others, are the committee's decisions.
rules.add_perm("costs.waive_bill", proposal_rules.is_committee)
rules.add_perm("costs.sign_up", is_bound_to_household)
