"""The committee's action bar at the top of the proposal page, and the pages that ask before voting opens or closes:
the moves valid in each state and allowed to each role, one place for each control, confirmation pages that only
read."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from costs.models import CostMethod, Sharers
from costs.services import cost_plan_create, line_item_add
from proposals.forms import DATETIME_LOCAL_FORMAT, default_closes_at
from proposals.models import Proposal, State
from tests.proposals.conftest import make_proposal

pytestmark = pytest.mark.django_db

# State → what the committee's bar offers: the moves posted from it, and the pages that ask first.
BAR = {
    State.DRAFT: ({"consultation"}, set()),
    State.CONSULTATION: (set(), {"proposal_open_confirm"}),
    State.VOTING: (set(), {"proposal_close_confirm"}),
    State.CLOSED: ({"publish"}, set()),
    State.PUBLISHED: (set(), set()),
    State.WITHDRAWN: (set(), set()),
}
LINKS = {
    State.DRAFT: {"proposal_edit", "cost_plan"},
    State.CONSULTATION: {"proposal_edit", "cost_plan", "canvass_assignments"},
    State.VOTING: {"canvass_assignments", "register", "paper_entry", "big_screen"},
    State.CLOSED: {"register", "big_screen"},
    State.PUBLISHED: {"register", "big_screen"},
    State.WITHDRAWN: set(),
}
ALL_LINKS = set().union(*LINKS.values(), {"proposal_open_confirm", "proposal_close_confirm", "bill_collection"})


def bar_of(html: str) -> str:
    match = re.search(r'<nav class="action-bar.*?</nav>', html, re.S)
    return match.group(0) if match else ""


def page(client, proposal) -> str:
    response = client.get(reverse("proposal_detail", args=[proposal.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("state", list(BAR))
def test_the_bar_offers_the_moves_of_the_state(actors, client_as, state):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=state)
    html = page(client_as(committee), proposal)
    bar = bar_of(html)
    assert proposal.get_state_display() in bar
    posted, asked = BAR[state]
    assert set(re.findall(r'name="action" value="(\w+)"', bar)) == posted
    for name in ALL_LINKS:
        expected = name in asked or name in LINKS[state]
        assert (f'href="{reverse(name, args=[proposal.pk])}"' in bar) == expected, name
    # The bar comes right after the title, before everything else of the page.
    assert html.index("</h1>") < html.index('class="action-bar') < html.index('class="summary"')


def test_the_bar_links_to_the_bills_once_they_exist(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    cost_plan_create(proposal=proposal, by=committee, method=CostMethod.EQUAL, sharers=Sharers.SCOPE)
    line_item_add(proposal=proposal, description="单元门", amount="600")
    assert reverse("bill_collection", args=[proposal.pk]) not in bar_of(page(client_as(committee), proposal))

    from lifecycle.services import proposal_close, proposal_open_voting
    from voting.services import ballot_cast

    proposal = proposal_open_voting(proposal=proposal, by=committee, closes_at=default_closes_at())
    ballot_cast(proposal=proposal, household=actors.household_obj, choice="agree", channel="online", by=committee)
    proposal = proposal_close(proposal=proposal, by=committee)
    assert proposal.passed
    bar = bar_of(page(client_as(actors.users["secretary"]), proposal))
    assert reverse("bill_collection", args=[proposal.pk]) in bar
    assert reverse("cost_shares", args=[proposal.pk]) in bar  # the secretary reads the share table


def test_the_secretary_sees_the_links_but_not_the_moves(actors, client_as):
    proposal = make_proposal(actors.community, actors.users["committee"], state=State.VOTING)
    bar = bar_of(page(client_as(actors.users["secretary"]), proposal))
    assert reverse("paper_entry", args=[proposal.pk]) in bar and reverse("register", args=[proposal.pk]) in bar
    assert reverse("proposal_close_confirm", args=[proposal.pk]) not in bar
    assert 'name="action"' not in bar


def test_the_text_reminder_is_offered_exactly_while_texts_may_go_out(actors, client_as):
    """Only inside the voting window, and not past the close before the scheduled job closes the proposal: the
    button shows exactly when messaging would let the committee text (messaging.selectors.kinds_open)."""
    from messaging.selectors import kinds_open

    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.VOTING)
    client = client_as(committee)
    button = f'href="{reverse("sms_compose", args=[proposal.pk])}"'

    def offered() -> bool:
        shown = button in bar_of(page(client, proposal))
        proposal.refresh_from_db()
        assert shown == bool(kinds_open(proposal, timezone.now()))
        return shown

    assert offered()
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now + timedelta(hours=1), voting_closes_at=now + timedelta(days=7)
    )
    assert not offered()  # not open yet
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - timedelta(days=7), voting_closes_at=now - timedelta(minutes=1)
    )
    assert 'class="bar-when due"' in bar_of(page(client, proposal))  # still voting, past the close
    assert not offered()


@pytest.mark.parametrize("who", ["household", "canvasser"])
def test_households_and_canvassers_see_no_bar(actors, client_as, who):
    proposal = make_proposal(actors.community, actors.users["committee"], state=State.VOTING)
    html = page(client_as(actors.users[who]), proposal)
    assert 'class="action-bar' not in html


def test_opening_asks_first_and_says_what_it_freezes(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    cost_plan_create(proposal=proposal, by=committee, method=CostMethod.EQUAL, sharers=Sharers.SCOPE)
    line_item_add(proposal=proposal, description="单元门", amount="600")
    before = proposal.transitions.count()

    response = client_as(committee).get(reverse("proposal_open_confirm", args=[proposal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    household = actors.household_obj
    freeze = re.search(r'id="freeze-households">(.*?)</dd>', html).group(1)
    assert "1" in freeze and str(household.area) in freeze
    plan = re.search(r'id="freeze-plan">(.*?)</dd>', html).group(1)
    assert "600.00" in plan
    # A closing time a week ahead at 20:00 is proposed; the form confirms.
    assert f'value="{default_closes_at().strftime(DATETIME_LOCAL_FORMAT)}"' in html
    assert 'name="confirm" value="1"' in html and 'name="action" value="open"' in html
    # Reading the page changed nothing.
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.state == State.CONSULTATION and proposal.transitions.count() == before
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_closing_asks_first_on_a_page_that_only_reads(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.VOTING)
    response = client_as(committee).get(reverse("proposal_close_confirm", args=[proposal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="action" value="close"' in html and 'name="confirm" value="1"' in html
    assert Proposal.objects.get(pk=proposal.pk).state == State.VOTING


@pytest.mark.parametrize("name", ["proposal_open_confirm", "proposal_close_confirm"])
@pytest.mark.parametrize("who", ["household", "secretary", "canvasser", "other_committee"])
def test_only_the_committee_may_open_the_confirmation_pages(actors, client_as, name, who):
    state = State.CONSULTATION if name == "proposal_open_confirm" else State.VOTING
    proposal = make_proposal(actors.community, actors.users["committee"], state=state)
    response = client_as(actors.users[who]).get(reverse(name, args=[proposal.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("proposal_open_confirm", State.VOTING),
        ("proposal_open_confirm", State.DRAFT),
        ("proposal_close_confirm", State.CLOSED),
    ],
)
def test_a_confirmation_page_out_of_its_state_goes_back_to_the_proposal(actors, client_as, name, state):
    proposal = make_proposal(actors.community, actors.users["committee"], state=state)
    response = client_as(actors.users["committee"]).get(reverse(name, args=[proposal.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("proposal_detail", args=[proposal.pk])


def test_a_confirmation_page_is_never_a_write(actors, client_as):
    proposal = make_proposal(actors.community, actors.users["committee"], state=State.CONSULTATION)
    response = client_as(actors.users["committee"]).post(reverse("proposal_open_confirm", args=[proposal.pk]))
    assert response.status_code == 405


def test_a_bad_time_on_the_open_page_comes_back_to_it(actors, client_as):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, state=State.CONSULTATION)
    response = client_as(committee).post(
        reverse("proposal_move", args=[proposal.pk]),
        {"action": "open", "confirm": "1", "closes_at": "2001-01-01T20:00"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("proposal_open_confirm", args=[proposal.pk])
    assert Proposal.objects.get(pk=proposal.pk).state == State.CONSULTATION
