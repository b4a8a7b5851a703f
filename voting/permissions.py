"""Who may do what in voting (named rules; voting/rules.py is the decision engine, by contract)."""

import rules

from community.models import HouseholdBinding
from proposals import rules as proposal_rules


@rules.predicate
def is_bound_to_household(user, household) -> bool:
    if not user or not user.is_authenticated or household is None:
        return False
    return HouseholdBinding.objects.filter(user=user, household=household).exists()


staff = proposal_rules.is_committee | proposal_rules.is_secretary

rules.add_perm(
    "voting.view_tally", staff | (proposal_rules.belongs_to_community & proposal_rules.is_published_to_households)
)
rules.add_perm("voting.vote_for_household", is_bound_to_household)
rules.add_perm("voting.record_paper", staff)
rules.add_perm("voting.view_register", staff)
