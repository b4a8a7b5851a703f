"""Fixtures for proposals and voting: an open proposal over a small community, voters bound to households."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from community.models import HouseholdBinding, Role
from lifecycle.services import proposal_open_voting
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from tests.factories import EntranceFactory, HouseholdBindingFactory, HouseholdFactory, OwnerFactory, RoleFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def scan(name: str = "ballot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def stairwell(db, community):
    """One entrance of 12 households (6 floors × 2), each its own owner, 100 m² each."""
    entrance = EntranceFactory(building__community=community, building__name="3", name="5")
    return [
        HouseholdFactory(entrance=entrance, room=f"{floor}0{r}", floor=floor, area=Decimal("100.00"))
        for floor in range(1, 7)
        for r in (1, 2)
    ]


@pytest.fixture
def committee_user(community):
    return RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user


@pytest.fixture
def secretary_user(community):
    return RoleFactory(community=community, kind=Role.Kind.SECRETARY).user


def open_proposal(community, by, *, rule=None, category=Category.OTHER, title="更换单元门", **kwargs):
    proposal = proposal_create(
        community=community,
        by=by,
        title=title,
        summary="更换3号楼5单元的单元门",
        category=category,
        rule=rule,
        **kwargs,
    )
    proposal_start_consultation(proposal=proposal, by=by)
    return proposal_open_voting(proposal=proposal, by=by, closes_at=timezone.now() + timedelta(days=7))


@pytest.fixture
def proposal(stairwell, community, committee_user):
    return open_proposal(community, committee_user)


@pytest.fixture
def residents(stairwell):
    """A user bound to each household of the stairwell, in the same order."""
    return [HouseholdBindingFactory(household=h).user for h in stairwell]


def as_verified_owner(user):
    """Mark the user's bindings as the owner's (verified): the ballot of an owner of several flats is the owner's."""
    HouseholdBinding.objects.filter(user=user).update(relation=HouseholdBinding.Relation.OWNER)
    return user


@pytest.fixture
def same_owner(community, stairwell):
    """Make households 0 and 1 belong to one owner (one head). Who is bound to them as members does not cast its
    ballot online: bind the owner with as_verified_owner()."""
    owner = OwnerFactory(community=community, name="王大爷")
    for household in stairwell[:2]:
        household.owner = owner
        household.save()
    return owner
