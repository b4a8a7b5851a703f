"""Who may do what with text messages. Batches and their pages: the committee and its secretary (predicates take
a proposal, a meeting, a batch or a community: anything with a community); the community's limits: the committee;
a household's opt-out: the owner bound to it, or the committee (predicates take the household)."""

import rules

from community import rules as community_rules
from community.models import HouseholdBinding
from proposals.rules import is_committee, is_staff


@rules.predicate
def is_household_owner(user, household) -> bool:
    """Bound to this household as its verified owner (a family member or tenant is not)."""
    if not user or not user.is_authenticated or household is None:
        return False
    return HouseholdBinding.objects.filter(
        user=user, household=household, relation=HouseholdBinding.Relation.OWNER
    ).exists()


@rules.predicate
def is_committee_of_household(user, household) -> bool:
    return household is not None and community_rules.is_committee(user, household.entrance.building.community)


rules.add_perm("messaging.send_batch", is_staff)
rules.add_perm("messaging.view_batches", is_staff)
rules.add_perm("messaging.manage_policy", is_committee)
rules.add_perm("messaging.set_opt_out", is_household_owner | is_committee_of_household)
