"""The household's status at a glance, on the proposal page and the home page: voted or not, the deadline, the
share, the receipt with a line saying to keep it; the vote buttons right after; who sees an individual ballot."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lifecycle.services import proposal_open_voting
from proposals.models import Scope
from tests.costs.conftest import add_plan, consulting
from tests.factories import EntranceFactory, HouseholdBindingFactory, HouseholdFactory
from tests.voting.household.util import page_text
from voting.models import Ballot

pytestmark = pytest.mark.django_db

KEEP = "请保存好回执码（抄下或截图）：凭它可以随时核对您家的表决记录。"
WHO_SEES = "您家的选择会记入业委会的表决登记册，业委会委员和秘书可以看到；其他住户只看到总数。"


@pytest.fixture
def costly(community, committee_user):
    """Three flats of 100, 200 and 300 m² sharing ¥6,000 by area, voting until 12月13日 20:00 (Beijing time)."""
    entrance = EntranceFactory(building__community=community, building__name="8", name="1")
    households = [
        HouseholdFactory(entrance=entrance, room=f"{n}01", floor=n, area=Decimal(area))
        for n, area in ((1, "100.00"), (2, "200.00"), (3, "300.00"))
    ]
    users = [HouseholdBindingFactory(household=h).user for h in households]
    proposal = consulting(community, committee_user, title="屋面防水", scope=Scope.ENTRANCES, entrances=[entrance])
    add_plan(proposal, committee_user, items=(("防水工程", "6000.00"),), subsidies=())
    closes = timezone.now().replace(month=12, day=13, hour=12, minute=0, second=0, microsecond=0)  # 20:00 in UTC+8
    if closes <= timezone.now():
        closes = closes.replace(year=closes.year + 1)
    proposal = proposal_open_voting(proposal=proposal, by=committee_user, closes_at=closes)
    return proposal, households, users


def _page(client_as, user, proposal):
    return client_as(user).get(reverse("proposal_detail", args=[proposal.pk]))


def test_before_voting_the_card_says_not_voted_deadline_share_and_who_sees(costly, client_as):
    proposal, households, users = costly
    response = _page(client_as, users[1], proposal)
    text, html = page_text(response), response.content.decode()
    assert f"{households[1]}： 未表决 · 截止 12月13日 20:00" in text
    assert "¥2,000.00" in text and WHO_SEES in text and KEEP not in text
    # On the page: the card first, then the share, then the buttons; the full text and the facts after them.
    card, share, buttons = html.index('id="my-vote"'), html.index("¥2,000.00"), html.index('value="agree"')
    assert card < share < buttons < html.index('class="card facts"')


def test_after_voting_the_card_shows_the_choice_and_the_receipt_to_keep(costly, client_as):
    proposal, households, users = costly
    client_as(users[0]).post(
        reverse("vote", args=[proposal.pk]), {"household": households[0].pk, "choice": "agree", "confirm": "1"}
    )
    receipt = Ballot.objects.get().receipt
    text = page_text(_page(client_as, users[0], proposal))
    assert f"{households[0]}： 已表决：同意 · 回执码 {receipt} · 截止 12月13日 20:00" in text
    assert KEEP in text and "修改您的选择" in text


def test_the_page_reads_no_more_for_more_households(community, committee_user, client_as):
    """The status card adds no query: the page costs the same for one bound flat as for three."""

    def queries(n: int) -> int:
        entrance = EntranceFactory(building__community=community)
        flats = [HouseholdFactory(entrance=entrance, room=f"{i}01", floor=i) for i in range(1, n + 1)]
        user = HouseholdBindingFactory(household=flats[0]).user
        for flat in flats[1:]:
            HouseholdBindingFactory(household=flat, user=user)
        proposal = consulting(community, committee_user, scope=Scope.ENTRANCES, entrances=[entrance])
        add_plan(proposal, committee_user, items=(("防水工程", "6000.00"),), subsidies=())
        proposal = proposal_open_voting(
            proposal=proposal, by=committee_user, closes_at=timezone.now() + timedelta(days=7)
        )
        client = client_as(user)
        client.get(reverse("proposal_detail", args=[proposal.pk]))  # sessions and caches warmed
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("proposal_detail", args=[proposal.pk]))
        assert response.content.decode().count('class="vote-buttons"') == n
        return len(captured)

    assert queries(1) == queries(3)


# --- The home page ---------------------------------------------------------------------------------------------------


def test_home_card_before_and_after_voting(costly, client_as):
    proposal, households, users = costly
    client = client_as(users[2])
    text = page_text(client.get(reverse("home")))
    assert f"{households[2]}： 未表决 · 截止 12月13日 20:00 · 应分摊 ¥3,000.00" in text
    assert "去表决 →" in text and "查看并表决" not in text
    client.post(
        reverse("vote", args=[proposal.pk]), {"household": households[2].pk, "choice": "disagree", "confirm": "1"}
    )
    receipt = Ballot.objects.get().receipt
    text = page_text(client.get(reverse("home")))
    assert f"已表决：不同意 · 回执码 {receipt} · 截止 12月13日 20:00 · 应分摊 ¥3,000.00" in text
    assert "去表决" not in text and "查看并表决" not in text and "请保存好回执码" in text
