"""The proposal page, tally.json and the big screen run the same number of queries at 14 and at 3,000 households."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Household, Role
from tests.factories import HouseholdBindingFactory, RoleFactory, build_community
from tests.voting.conftest import open_proposal
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db

SIZES = {
    14: {"buildings": 1, "entrances": 1, "floors": 7, "rooms_per_floor": 2},
    3000: {"buildings": 10, "entrances": 3, "floors": 10, "rooms_per_floor": 10},
}


def _queries(client, url) -> int:
    client.get(url)  # warm up: sessions, content types, anything cached per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _counts(size: int, client) -> dict[str, int]:
    community = build_community(slug=f"size-{size}", **SIZES[size])
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    proposal = open_proposal(community, committee)
    households = list(Household.objects.of(community).order_by("pk")[:12])
    for household in households[:10]:  # some ballots, so the page shows a tally and a ballot
        ballot_cast(proposal=proposal, household=household, choice="agree", channel="online", by=committee)
    voter = HouseholdBindingFactory(household=households[0]).user
    HouseholdBindingFactory(household=households[11], user=voter)  # two flats: one voted, one not
    counts = {}
    for who, user in (("household", voter), ("committee", committee)):
        client.force_login(user)
        counts[f"detail/{who}"] = _queries(client, reverse("proposal_detail", args=[proposal.pk]))
        counts[f"tally/{who}"] = _queries(client, reverse("tally_json", args=[proposal.pk]))
        counts[f"screen/{who}"] = _queries(client, reverse("big_screen", args=[proposal.pk]))
    assert proposal.electors.count() == size
    return counts


def test_constant_queries(client):
    small = _counts(14, client)
    large = _counts(3000, client)
    assert small == large
    assert small["tally/household"] <= 6
    # The page also carries the share, positions, opinions and canvassing partials (each a query or two).
    assert small["detail/household"] <= 16
