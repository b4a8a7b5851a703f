"""Constant query counts: the walk list, the board page and board.json, the demands summary and the outcome cost
the same number of queries for 14 households and for 3,000."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Entrance, Household, Role
from consult.models import DemandTag
from consult.services import assignment_create
from proposals.models import State
from tests.consult.canvass.conftest import make_proposal, record
from tests.factories import RoleFactory, build_community

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SIZES = {
    14: {"buildings": 1, "entrances": 1, "floors": 7, "rooms_per_floor": 2},
    3000: {"buildings": 5, "entrances": 6, "floors": 10, "rooms_per_floor": 10},
}


def setting(size: int, state: str = State.CONSULTATION):
    community = build_community(**SIZES[size], slug=f"size-{size}-{state}")
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    canvasser = RoleFactory(community=community, kind=Role.Kind.CANVASSER).user
    proposal = make_proposal(community, committee, state=state)
    entrance = Entrance.objects.filter(building__community=community).order_by("pk").first()
    assignment_create(proposal=proposal, canvasser=canvasser, entrance=entrance, by=committee)
    tag = DemandTag.objects.create(community=community, name="费用")
    for household in Household.objects.filter(entrance=entrance).order_by("pk")[:5]:
        record(proposal, household, canvasser, tag_ids=[tag.pk], demands="太贵")
        record(proposal, household, canvasser, outcome="nobody_home")
    return proposal, committee, canvasser


def count(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


PAGES = [
    ("walk_list", "canvasser"),
    ("walk_list", "committee"),
    ("canvass_board", "committee"),
    ("canvass_board_json", "committee"),
    ("canvass_board_json", "canvasser"),
    ("demands_summary", "committee"),
    ("canvass_outcome", "committee"),
]


@pytest.mark.parametrize("state", [State.CONSULTATION, State.VOTING])
def test_query_counts_do_not_grow_with_the_community(client, state):
    counts = {}
    for size in SIZES:
        proposal, committee, canvasser = setting(size, state)
        users = {"committee": committee, "canvasser": canvasser}
        counts[size] = {
            (page, who): count(client, users[who], reverse(page, args=[proposal.pk])) for page, who in PAGES
        }
    assert counts[14] == counts[3000]
    assert max(counts[14].values()) <= 15, counts[14]


def test_the_board_json_of_3000_households_stays_compact(client):
    proposal, committee, _canvasser = setting(3000)
    client.force_login(committee)
    response = client.get(reverse("canvass_board_json", args=[proposal.pk]))
    # About 13 bytes per household ("[\"1001\",\"\"]," and the floor/entrance framing), nothing per-household more.
    assert len(response.content) < 3000 * 20


@pytest.mark.parametrize("state", [State.CONSULTATION, State.VOTING])
def test_my_visits_and_the_home_card_cost_the_same_for_14_and_3000_households(client, state):
    counts, listed = {}, {}
    for size in SIZES:
        _proposal, _committee, canvasser = setting(size, state)
        counts[size] = [count(client, canvasser, reverse(page)) for page in ("my_visits", "home")]
        listed[size] = client.get(reverse("my_visits")).content.decode().count('<li class="task')
    assert counts[14] == counts[3000], counts
    assert listed[14] == 14 - 5 and listed[3000] == 100 - 5  # the assigned entrance's doors not reached yet
