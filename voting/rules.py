"""Who may do what in voting: named rules (django-rules), loaded by its autodiscovery like every app's rules.py."""

import rules

from community.rules import is_bound_to_household
from proposals import rules as proposal_rules
from proposals.rules import is_staff as staff

rules.add_perm("voting.view_tally", proposal_rules.can_view)
rules.add_perm("voting.vote_for_household", is_bound_to_household)
rules.add_perm("voting.record_paper", staff)
rules.add_perm("voting.view_register", staff)


def bound_voter_may_vote(user, proposal, household) -> bool:
    """`vote_for_household` and `view_proposal` at once, without a query, for a household read as bound to `user`
    with its community as `in_community` (the vote view's read): being bound is `vote_for_household`, and being bound
    to a household of the proposal's community makes the user a member, who may view a proposal shown to households.
    False means: ask both permissions (bench/bench_vote.py measures the path this saves)."""
    return household.in_community == proposal.community_id and proposal_rules.is_published_to_households(user, proposal)
