"""Who may do what with proposals. Predicates take (user, proposal) or (user, community)."""

import rules

from community import rules as community_rules
from proposals.models import State


def _community(obj):
    return getattr(obj, "community", obj)


@rules.predicate
def is_committee(user, obj) -> bool:
    return community_rules.is_committee(user, _community(obj))


@rules.predicate
def is_secretary(user, obj) -> bool:
    return community_rules.is_secretary(user, _community(obj))


@rules.predicate
def belongs_to_community(user, obj) -> bool:
    return community_rules.belongs.test(user, _community(obj))


@rules.predicate
def is_published_to_households(user, proposal) -> bool:
    return proposal.state not in (State.DRAFT, State.WITHDRAWN)


# "Committee or secretary": the people who prepare and record, in every app's rules.
is_staff = is_committee | is_secretary

rules.add_perm("proposals.add_proposal", is_committee)
rules.add_perm("proposals.manage_proposal", is_committee)
can_view = is_staff | (belongs_to_community & is_published_to_households)
rules.add_perm("proposals.view_proposal", can_view)
rules.add_perm("proposals.view_drafts", is_staff)
