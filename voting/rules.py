"""Who may do what in voting: named rules (django-rules), loaded by its autodiscovery like every app's rules.py."""

from dataclasses import dataclass

import rules
from django.utils.translation import gettext as _

from community.models import HouseholdBinding
from community.rules import is_bound_to_household
from community.selectors import DEVELOPER_HEAD
from proposals import rules as proposal_rules
from proposals.rules import is_staff as staff

rules.add_perm("voting.view_tally", proposal_rules.can_view)
rules.add_perm("voting.vote_for_household", is_bound_to_household)
rules.add_perm("voting.record_paper", staff)
rules.add_perm("voting.view_register", staff)


# --- The ballot is the owner's (DESIGN.md): who casts the one ballot of a head ----------------------------------


@dataclass(frozen=True)
class Seat:
    """What one account is to one flat of a proposal's frozen electorate: everything `voting.cast_for_head` decides
    on, read by voting.selectors.seats (one query for any number of flats)."""

    user_id: int
    household_id: int
    head: str
    flats: int  # the head's flats in the electorate
    relation: str  # the account's binding to this flat: HouseholdBinding.Relation, or "" when not bound to it
    owns_head: bool  # bound as the verified owner to a flat of this head in the electorate
    designated: bool  # the account the committee designated for the developer's flats

    @property
    def concerned(self) -> bool:
        """Bound to the flat, its owner, or the developer's account for a developer flat: told why when refused.
        Anyone else is simply not allowed (403)."""
        return bool(self.relation) or self.owns_head or (self.designated and self.head == DEVELOPER_HEAD)


def cast_refusal(seat: Seat) -> str:
    """Why this account may not cast the ballot of this flat's head (for all the head's flats), or "" when it may.

    The developer's flats vote through the designated account only; an owner's flats through an account verified as
    that owner; a family member or tenant votes for its flat only where the owner holds no other flat in the vote.
    """
    if seat.head == DEVELOPER_HEAD:
        if seat.designated:
            return ""
        return _(
            "The developer's flats vote only through the account the owners' committee designated for the developer."
        )
    if seat.owns_head:
        return ""
    if seat.relation == HouseholdBinding.Relation.MEMBER and seat.flats == 1:
        return ""
    return _(
        "The owner of this flat holds other flats in this vote, so the ballot is the owner's: the owner votes from "
        "an account verified as the owner, or a proxy with the owner's letter votes through the secretary. Ask the "
        "owners' committee if you are the owner."
    )


@rules.predicate
def casts_for_head(user, seat) -> bool:
    """Takes (user, Seat): the seat read for this user, and it may cast the head's ballot."""
    return seat is not None and user.is_authenticated and seat.user_id == user.pk and not cast_refusal(seat)


rules.add_perm("voting.cast_for_head", casts_for_head)


def bound_voter_may_vote(user, proposal, seat: Seat) -> bool:
    """`cast_for_head` and `view_proposal` at once, without a query, for a seat of `user` on `proposal` where the
    user is bound to the flat (so a member of the proposal's community, who may view a proposal shown to households).
    False means: ask both permissions (bench/bench_vote.py measures the path this saves)."""
    return (
        bool(seat.relation)
        and casts_for_head(user, seat)
        and bool(proposal_rules.is_published_to_households(user, proposal))
    )
