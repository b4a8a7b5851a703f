"""The proposal list: who sees which proposals, what a row says, due votes closed on access, constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.models import Building, Entrance, Household, Role
from lifecycle.services import proposals_close_due
from proposals.models import Category, Proposal, RuleCode, Scope, State
from tests.factories import RoleFactory, build_community
from tests.proposals.conftest import make_proposal
from voting.models import Channel, Choice
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db

ALL_STATES = [State.DRAFT, State.CONSULTATION, State.VOTING, State.CLOSED, State.PUBLISHED, State.WITHDRAWN]
VISIBLE = {State.CONSULTATION, State.VOTING, State.CLOSED, State.PUBLISHED}


@pytest.fixture
def one_of_each(actors):
    committee = actors.users["committee"]
    return {
        state: make_proposal(actors.community, committee, state=state, title=f"议题-{state}") for state in ALL_STATES
    }


@pytest.mark.parametrize(
    ("actor", "states"),
    [
        ("committee", set(ALL_STATES)),
        ("secretary", set(ALL_STATES)),
        ("household", VISIBLE),
        ("canvasser", VISIBLE),
    ],
)
def test_who_sees_which_proposals(actors, client_as, one_of_each, actor, states):
    response = client_as(actors.users[actor]).get(reverse("proposal_list", args=[actors.community.slug]))
    shown = {p.state for p in response.context["page"].object_list}
    assert shown == states
    html = response.content.decode()
    for state, proposal in one_of_each.items():
        assert (f"议题-{state}" in html) == (state in states)
        assert (reverse("proposal_detail", args=[proposal.pk]) in html) == (state in states)


def test_other_communities_proposals_are_not_listed(actors, client_as):
    other_committee = actors.users["other_committee"]
    make_proposal(actors.other_community, other_committee, title="别处的议题")
    response = client_as(actors.users["committee"]).get(reverse("proposal_list", args=[actors.community.slug]))
    assert "别处的议题" not in response.content.decode()


def test_new_button_only_for_the_committee(actors, client_as):
    url = reverse("proposal_list", args=[actors.community.slug])
    new = reverse("proposal_new", args=[actors.community.slug])
    assert new in client_as(actors.users["committee"]).get(url).content.decode()
    for actor in ("secretary", "household", "canvasser"):
        assert new not in client_as(actors.users[actor]).get(url).content.decode()


def test_a_row_shows_state_rule_scope_window_and_participation(actors, client_as):
    committee = actors.users["committee"]
    household = actors.household_obj
    proposal = make_proposal(
        actors.community,
        committee,
        state=State.VOTING,
        category=Category.REBUILD,
        scope=Scope.ENTRANCES,
        entrances=[household.entrance],
    )
    ballot_cast(proposal=proposal, household=household, choice=Choice.AGREE, channel=Channel.ONLINE, by=committee)
    response = client_as(committee).get(reverse("proposal_list", args=[actors.community.slug]))
    [row] = response.context["page"].object_list
    assert row.participation == {
        "households": 1,
        "electorate": 1,
        "heads_percent": 100,
        "area_percent": 100,
    }
    assert str(household.entrance) in row.scope_text
    html = response.content.decode()
    assert str(proposal.get_state_display()) in html
    assert str(RuleCode(RuleCode.CIVIL_CODE_MAJOR).label) in html
    assert timezone.localtime(proposal.voting_closes_at).strftime("%Y-%m-%d %H:%M") in html


def test_a_vote_past_its_close_is_shown_ended_and_the_list_writes_nothing(actors, client_as):
    """Pages only read: the list shows a vote whose window has ended as ended; the scheduled job closes it."""
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.VOTING)
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - timedelta(days=7), voting_closes_at=now - timedelta(seconds=1)
    )
    response = client_as(actors.users["household"]).get(reverse("proposal_list", args=[actors.community.slug]))
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING  # the GET closed nothing
    assert [p.voting_status() for p in response.context["page"].object_list] == [Proposal.ENDED]
    assert "表决已结束" in response.content.decode()
    assert proposals_close_due() == 1  # what the scheduled job does
    proposal.refresh_from_db()
    assert proposal.state == State.CLOSED


def test_scope_summaries(actors):
    from pages.views.proposals import scope_summary

    committee = actors.users["committee"]
    buildings = [Building.objects.create(community=actors.community, name=str(n)) for n in range(20, 28)]
    by_buildings = make_proposal(actors.community, committee, scope=Scope.BUILDINGS, buildings=buildings)
    text = scope_summary(by_buildings)
    assert "8" in text and "20号楼" in text and "27号楼" not in text  # five names, then a count
    by_households = make_proposal(
        actors.community, committee, scope=Scope.HOUSEHOLDS, households=[actors.household_obj]
    )
    assert "1" in scope_summary(by_households)
    assert scope_summary(make_proposal(actors.community, committee)) == str(Scope.COMMUNITY.label)


# --- Constant queries ---------------------------------------------------------------------------------------


def _populated(community, committee) -> None:
    """Proposals of every state and scope kind, two of them voting with ballots."""
    household = Household.objects.of(community).first()
    building = Building.objects.of(community).first()
    entrances = list(Entrance.objects.filter(building__community=community)[:3])
    for state in ALL_STATES:
        make_proposal(community, committee, state=state)
    make_proposal(community, committee, state=State.CONSULTATION, scope=Scope.BUILDINGS, buildings=[building])
    make_proposal(community, committee, state=State.DRAFT, scope=Scope.ENTRANCES, entrances=entrances)
    make_proposal(
        community,
        committee,
        state=State.CONSULTATION,
        scope=Scope.HOUSEHOLDS,
        households=list(Household.objects.of(community)[:14]),
    )
    for proposal in Proposal.objects.filter(community=community, state=State.VOTING):
        ballot_cast(proposal=proposal, household=household, choice=Choice.AGREE, channel=Channel.ONLINE, by=committee)
    second = make_proposal(community, committee, state=State.VOTING, scope=Scope.ENTRANCES, entrances=entrances)
    ballot_cast(proposal=second, household=household, choice=Choice.DISAGREE, channel=Channel.ONLINE, by=committee)


def _count_list_queries(client, community) -> tuple[int, int]:
    url = reverse("proposal_list", args=[community.slug])
    client.get(url)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["page"].object_list)


# Session, user, community, roles, the due-vote check, the page count, the page, buildings and entrances
# prefetched. The same number at 14 and 3,000 households.
MAX_QUERIES = 9


@pytest.mark.slow
def test_list_queries_are_constant(client_as):
    counts = []
    for size, shape in (("small", (1, 1, 7, 2)), ("large", (10, 3, 10, 10))):
        buildings, entrances, floors, rooms = shape
        community = build_community(
            buildings=buildings, entrances=entrances, floors=floors, rooms_per_floor=rooms, slug=size
        )
        committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
        assert Household.objects.of(community).count() == buildings * entrances * floors * rooms
        _populated(community, committee)
        for user in (committee, RoleFactory(community=community, kind=Role.Kind.CANVASSER).user):
            counts.append(_count_list_queries(client_as(user), community))
    (small_committee, small_canvasser, large_committee, large_canvasser) = counts
    assert small_committee == large_committee and small_committee[1] == 10
    assert small_canvasser == large_canvasser and small_canvasser[1] == 7
    assert max(n for n, _ in counts) <= MAX_QUERIES
