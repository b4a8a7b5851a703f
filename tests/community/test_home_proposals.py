"""The home page lists the proposals that concern my households, in a constant number of queries."""

import pytest
from django.urls import reverse

from community.models import Role
from tests.factories import CommunityFactory, HouseholdBindingFactory, HouseholdFactory, RoleFactory
from tests.voting.conftest import open_proposal

pytestmark = pytest.mark.django_db


def community_with_open_proposal(name: str):
    community = CommunityFactory(name=name)
    household = HouseholdFactory(entrance__building__community=community)
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    proposal = open_proposal(community, committee, title=f"{name}的议题")
    return household, proposal


def test_home_shows_the_open_proposal_of_my_household_only(client):
    mine, my_proposal = community_with_open_proposal("甲小区")
    _, other_proposal = community_with_open_proposal("乙小区")
    client.force_login(HouseholdBindingFactory(household=mine).user)
    page = client.get(reverse("home")).content.decode()
    assert my_proposal.title in page
    assert reverse("proposal_detail", args=[my_proposal.pk]) in page
    assert other_proposal.title not in page


def test_home_queries_do_not_grow_with_households_and_proposals(client, django_assert_max_num_queries):
    def queries_for(n: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        user = None
        for i in range(n):
            household, _ = community_with_open_proposal(f"小区{n}-{i}")
            binding = HouseholdBindingFactory(household=household, **({"user": user} if user else {}))
            user = binding.user
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    assert queries_for(1) == queries_for(5)
