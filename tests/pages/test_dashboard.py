"""The committee's dashboard of a community: who may open it, what it counts, and that it costs the same number of
queries however many proposals and households the community has."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.models import Entrance, Household, Role
from consult.models import Visit
from consult.services import assignment_create, visit_record
from costs.models import BillStatus, CostMethod, Sharers
from costs.services import cost_plan_create, line_item_add
from lifecycle.services import proposal_close, proposal_open_voting
from pages.selectors import community_dashboard
from proposals.models import Category, State
from proposals.services import proposal_create, proposal_start_consultation
from tests.factories import HouseholdBindingFactory, RoleFactory, build_community, proposal_in_state
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db


def _proposal(community, committee, title, state=State.DRAFT):
    return proposal_in_state(community, committee, state, title=title, summary="摘要", category=Category.OTHER)


def build_board(community, committee, canvasser, *, copies: int = 1) -> dict:
    """`copies` proposals in each state the dashboard lists, with ballots, canvassing and bills."""
    households = list(Household.objects.of(community).order_by("pk"))
    first_entrance = Entrance.objects.filter(building__community=community).order_by("pk").first()
    made = {"voting": [], "consultation": [], "closed": []}
    for n in range(copies):
        _proposal(community, committee, f"草稿{n}")
        _proposal(community, committee, f"已发布{n}", State.PUBLISHED)
        _proposal(community, committee, f"撤回{n}", State.WITHDRAWN)
        # In consultation: one entrance assigned, one household met there.
        consulting = _proposal(community, committee, f"征求意见{n}", State.CONSULTATION)
        assignment_create(proposal=consulting, canvasser=canvasser, entrance=first_entrance, by=committee)
        door = Household.objects.filter(entrance=first_entrance).order_by("pk").first()
        visit_record(
            proposal=consulting,
            household=door,
            canvasser=canvasser,
            outcome=Visit.Outcome.MET,
            stance=Visit.Stance.SUPPORT,
            idempotency_key=f"visit-key-{consulting.pk}",
        )
        made["consultation"].append(consulting)
        # Voting: the first household has voted.
        voting = _proposal(community, committee, f"表决中{n}", State.VOTING)
        ballot_cast(proposal=voting, household=households[0], choice="agree", channel=Channel.ONLINE, by=committee)
        made["voting"].append(voting)
        # Closed and passed with a cost plan: every household has a bill of ¥100 × households / households.
        billed = proposal_create(
            community=community, by=committee, title=f"已结束{n}", summary="摘要", category="other"
        )
        cost_plan_create(proposal=billed, by=committee, method=CostMethod.EQUAL, sharers=Sharers.SCOPE)
        line_item_add(proposal=billed, description="单元门", amount=Decimal(100 * len(households)))
        proposal_start_consultation(proposal=billed, by=committee)
        billed = proposal_open_voting(proposal=billed, by=committee, closes_at=timezone.now() + timedelta(days=3))
        for household in households:
            ballot_cast(proposal=billed, household=household, choice="agree", channel=Channel.ONLINE, by=committee)
        billed = proposal_close(proposal=billed, by=committee)
        assert billed.passed
        made["closed"].append(billed)
    return made


@pytest.fixture
def people():
    community = build_community(buildings=1, entrances=2, floors=2, rooms_per_floor=2, slug="xiangjiaoyuan")
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    return {
        "community": community,
        "committee": committee,
        "secretary": RoleFactory(community=community, kind=Role.Kind.SECRETARY).user,
        "canvasser": RoleFactory(community=community, kind=Role.Kind.CANVASSER).user,
        "household": HouseholdBindingFactory(household=Household.objects.of(community).first()).user,
    }


@pytest.mark.parametrize(
    ("who", "status"), [("committee", 200), ("secretary", 200), ("household", 403), ("canvasser", 403)]
)
def test_only_the_committee_and_its_secretary_open_the_dashboard(people, client_as, who, status):
    response = client_as(people[who]).get(reverse("community_dashboard", args=[people["community"].slug]))
    assert response.status_code == status
    if status == 403:
        # A clear refusal, not a blank page: the 403 page says the account may not open it.
        assert (
            "Not allowed" in response.content.decode()
            or "无权" in response.content.decode()
            or ("不允许" in response.content.decode())
        )


def test_another_communitys_committee_and_visitors_are_refused(people, actors, client_as):
    url = reverse("community_dashboard", args=[people["community"].slug])
    assert client_as(actors.users["other_committee"]).get(url).status_code == 403
    response = client_as(None).get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_dashboard_counts_what_needs_the_committee(people, client_as):
    community, committee = people["community"], people["committee"]
    made = build_board(community, committee, people["canvasser"])
    board = community_dashboard(community, now=timezone.now())

    assert [state for state, _rows in board.groups] == [State.VOTING, State.CONSULTATION, State.DRAFT, State.CLOSED]
    assert dict(board.done) == {State.PUBLISHED: 1, State.WITHDRAWN: 1}
    [voting] = dict(board.groups)[State.VOTING]
    assert voting.participation["households"] == 1 and voting.participation["electorate"] == 8
    assert voting.participation["area_percent"] == Decimal("12.4")  # 81 m² of 652 m²
    # Canvassing: one of two entrances assigned (4 households), one household met; the other entrance has nobody.
    [consulting] = dict(board.groups)[State.CONSULTATION]
    assert (consulting.coverage.households, consulting.coverage.assigned, consulting.coverage.reached) == (8, 4, 1)
    assert consulting.coverage.unassigned == ["1号楼2单元"]
    assert (voting.coverage.households, voting.coverage.assigned, voting.coverage.unassigned) == (
        8,
        0,
        ["1号楼1单元", "1号楼2单元"],
    )
    # Bills: 8 of ¥100, none paid yet.
    [billing] = board.billing
    assert billing.proposal == made["closed"][0]
    assert (billing.outstanding.bills, billing.outstanding.amount) == (8, Decimal("800.00"))
    billed = made["closed"][0]
    billed.bills.filter(pk=billed.bills.first().pk).update(status=BillStatus.PAID)
    assert community_dashboard(community, now=timezone.now()).unpaid_amount == Decimal("700.00")

    html = client_as(committee).get(reverse("community_dashboard", args=[community.slug])).content.decode()
    for name, proposal in (
        ("proposal_close_confirm", made["voting"][0]),
        ("register", made["voting"][0]),
        ("paper_entry", made["voting"][0]),
        ("proposal_open_confirm", made["consultation"][0]),
        ("canvass_assignments", made["consultation"][0]),
        ("bill_collection", billed),
    ):
        assert reverse(name, args=[proposal.pk]) in html, name
    assert "1号楼2单元" in html


def test_the_secretary_gets_no_committee_moves(people, client_as):
    made = build_board(people["community"], people["committee"], people["canvasser"])
    html = client_as(people["secretary"]).get(reverse("community_dashboard", args=[people["community"].slug]))
    html = html.content.decode()
    assert reverse("register", args=[made["voting"][0].pk]) in html
    assert reverse("proposal_close_confirm", args=[made["voting"][0].pk]) not in html
    assert reverse("proposal_open_confirm", args=[made["consultation"][0].pk]) not in html
    # Meetings are prepared by the secretary as much as by the committee (meetings.rules).
    assert reverse("meeting_list", args=[people["community"].slug]) in html


def _queries(client, community) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("community_dashboard", args=[community.slug]))
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_costs_the_same_queries_at_any_size(client_as, django_assert_max_num_queries):
    """One proposal of each kind on 8 households, then three of each on 96: the same number of queries."""
    counts = []
    for copies, size in ((1, {"buildings": 1, "entrances": 2}), (3, {"buildings": 3, "entrances": 4})):
        community = build_community(floors=4 if copies > 1 else 2, rooms_per_floor=2, **size)
        committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
        canvasser = RoleFactory(community=community, kind=Role.Kind.CANVASSER).user
        build_board(community, committee, canvasser, copies=copies)
        client = client_as(committee)
        with django_assert_max_num_queries(10):
            counts.append(_queries(client, community))
    assert counts[0] == counts[1]
