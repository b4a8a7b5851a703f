"""Who may do what in canvassing and consultation. Predicates take (user, proposal)."""

import rules

from community import rules as community_rules
from consult.models import Assignment
from proposals import rules as proposal_rules


@rules.predicate
def is_assigned_canvasser(user, proposal) -> bool:
    if not user or not user.is_authenticated or proposal is None:
        return False

    return Assignment.objects.filter(proposal=proposal, canvasser=user).exists()


@rules.predicate
def is_household_member(user, proposal) -> bool:
    return community_rules.is_household_member(user, proposal.community)


staff = proposal_rules.is_staff

rules.add_perm("consult.manage_canvassing", proposal_rules.is_committee)
rules.add_perm("consult.canvass", is_assigned_canvasser)
rules.add_perm("consult.view_board", staff | is_assigned_canvasser)
rules.add_perm("consult.view_demands", staff)
rules.add_perm("consult.post_opinion", is_household_member & proposal_rules.is_published_to_households)
rules.add_perm("consult.view_opinions", staff | proposal_rules.can_view)
rules.add_perm("consult.moderate_opinions", proposal_rules.is_committee)
rules.add_perm("consult.manage_meetings", staff)
rules.add_perm("consult.view_meetings", staff | proposal_rules.can_view)
