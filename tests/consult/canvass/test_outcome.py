"""After the vote: each household's latest canvass status against its ballot, per building and in total."""

import pytest
from django.urls import reverse

from consult.selectors import NO_BALLOT, canvass_outcome
from consult.services import assignment_create
from lifecycle.services import proposal_close
from proposals.models import State
from tests.consult.canvass.conftest import make_proposal, record
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted(site):
    """Voting on the garage: visits first, then ballots, then closed."""
    proposal = make_proposal(site.community, site.committee, state=State.VOTING)
    assignment_create(proposal=proposal, canvasser=site.canvasser_a, entrance=site.entrance_a, by=site.committee)
    assignment_create(
        proposal=proposal, canvasser=site.canvasser_b, building=site.entrance_c.building, by=site.committee
    )
    a, c = site.a, site.c
    record(proposal, a[0], site.canvasser_a, stance="support")
    record(proposal, a[1], site.canvasser_a, stance="support")
    record(proposal, a[2], site.canvasser_a, stance="undecided")
    record(proposal, a[3], site.canvasser_a, stance="conditional")
    record(proposal, a[4], site.canvasser_a, outcome="nobody_home")
    record(proposal, a[5], site.canvasser_a, outcome="refused")
    record(proposal, a[6], site.canvasser_a, stance="oppose")
    record(proposal, c[0], site.canvasser_b, stance="support")
    ballots = {a[0]: "agree", a[1]: "disagree", a[2]: "agree", a[3]: "disagree", a[4]: "agree", a[6]: "abstain"}
    ballots |= {a[8]: "agree", c[0]: "disagree"}  # a[8] was never visited
    for household, choice in ballots.items():
        ballot_cast(proposal=proposal, household=household, choice=choice, channel=Channel.ONLINE, by=site.committee)
    return proposal_close(proposal=proposal, by=site.committee)


def test_the_cross_table_counts_stances_against_ballots(site, voted):
    total, buildings = canvass_outcome(voted)
    assert total.total == 18
    assert total.count("s", "agree") == 1 and total.count("s", "disagree") == 2  # a1 and c0
    assert total.count("u", "agree") == 1 and total.count("c", "disagree") == 1
    assert total.count("n", "agree") == 1 and total.count("r", NO_BALLOT) == 1 and total.count("o", "abstain") == 1
    assert total.count("", "agree") == 1 and total.count("", NO_BALLOT) == 9
    assert total.supporters_against == 3
    assert total.undecided_agreed == 1
    assert total.never_reached == 12  # 10 never visited, one nobody home, one refusal
    assert total.never_reached_voted == 2
    assert [b.label for b in buildings] == ["3号楼", "4号楼"]
    assert buildings[1].count("s", "disagree") == 1 and buildings[1].total == 2
    grid = total.grid(["s", ""], ["agree", "disagree", "abstain", NO_BALLOT])
    assert grid == [[1, 2, 0, 0, 3], [1, 0, 0, 9, 10], [2, 2, 0, 9, 18]]


def test_the_page_shows_each_building(site, voted, client_as):
    response = client_as(site.secretary).get(reverse("canvass_outcome", args=[voted.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "3号楼" in html and "4号楼" in html and "全部楼栋" in html
    assert "表示支持却投了反对" in html and "未投票" in html


def test_before_voting_the_page_only_says_when_it_will_be_there(site, client_as):
    response = client_as(site.committee).get(reverse("canvass_outcome", args=[site.proposal.pk]))
    assert response.status_code == 200
    assert "开始表决后才能查看这份对照" in response.content.decode()
    assert 'class="cross"' not in response.content.decode()
