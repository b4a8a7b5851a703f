"""The data of a system test: an open proposal over a community built in bulk, a logged-in user per household."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from accounts.models import User
from community.models import Household, HouseholdBinding, Role
from proposals.models import Proposal
from tests.factories import RoleFactory, build_community
from tests.system.client import sessions_for
from tests.voting.conftest import open_proposal


@dataclass(frozen=True)
class Voter:
    household_id: int
    user_id: int
    session_key: str


def open_vote(*, buildings: int, entrances: int, floors: int, rooms_per_floor: int) -> tuple[Proposal, list[Voter]]:
    """A proposal open for voting over a new community, and one bound, logged-in user for each household."""
    community = build_community(
        buildings=buildings, entrances=entrances, floors=floors, rooms_per_floor=rooms_per_floor
    )
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    proposal = open_proposal(community, committee)
    households = list(Household.objects.filter(entrance__building__community=community).order_by("pk"))
    unusable = make_password(None)  # they never log in with a password: the test hands them a session
    users = User.objects.bulk_create(
        User(username=f"c{community.pk}-h{h.pk}", display_name=f"住户{h.pk}", password=unusable) for h in households
    )
    HouseholdBinding.objects.bulk_create(
        HouseholdBinding(user=user, household=h) for user, h in zip(users, households, strict=True)
    )
    keys = sessions_for(users)
    return proposal, [Voter(h.pk, user.pk, keys[user.pk]) for user, h in zip(users, households, strict=True)]
