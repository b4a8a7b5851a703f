"""The proposal page: what it shows a household, a committee member and a bound household outside the scope."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import Proposal, RuleCode, State
from proposals.services import attachment_add, proposal_create, proposal_start_consultation, proposal_update
from tests.factories import HouseholdBindingFactory
from tests.voting.conftest import open_proposal, scan
from tests.voting.household.util import page_text
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db


def test_shows_the_proposal(community, committee_user, stairwell, residents, client_as):
    proposal = proposal_create(
        community=community,
        by=committee_user,
        title="更换单元门",
        summary="更换3号楼5单元的单元门",
        body="## 方案\n\n**两扇**新门。<script>alert(1)</script> [x](javascript:alert(1))",
        category="other",
        rule=RuleCode.UNANIMOUS,
    )
    attachment = attachment_add(proposal=proposal, by=committee_user, upload=scan("quote.png"), title="报价单")
    proposal_start_consultation(proposal=proposal, by=committee_user)
    response = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk]))
    html, text = response.content.decode(), page_text(response)
    assert community.name in text and "第1号议题" in text and "更换单元门" in text and "更换3号楼5单元的单元门" in text
    assert "<h2>方案</h2>" in html and "<strong>两扇</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html
    assert reverse("attachment_file", args=[proposal.pk, attachment.pk]) in html and "报价单" in text
    # The rule in words, and that the committee chose it (the matter alone would need the ordinary rule).
    assert "本事项须全体业主一致同意" in text and "该表决规则由业委会为本事项选定。" in text
    assert "全小区" in text
    assert "该户在本议题范围内，表决尚未开始。" in text and 'value="agree"' not in html
    assert "data-tally" not in html  # no tally before voting


def test_rule_not_marked_as_chosen_when_it_follows_the_matter(proposal, residents, client_as):
    text = page_text(client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk])))
    assert "一般事项" in text and "业委会为本事项选定" not in text


def test_voting_window_scope_and_my_ballot(proposal, stairwell, residents, secretary_user, client_as):
    ballot_cast(
        proposal=proposal,
        household=stairwell[0],
        choice="disagree",
        channel=Channel.PAPER,
        by=secretary_user,
        evidence=scan(),
    )
    text = page_text(client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk])))
    opens = timezone.localtime(proposal.voting_opens_at).strftime("%Y-%m-%d %H:%M")
    closes = timezone.localtime(proposal.voting_closes_at).strftime("%Y-%m-%d %H:%M")
    assert f"{opens} – {closes}" in text
    assert "12 户，1200.00 ㎡" in text
    assert "3号楼5单元101" in text and "已表决：不同意" in text and "纸质表决票" in text
    assert f"由{secretary_user}录入" in text
    receipt = proposal.ballots.get().receipt
    assert f"回执码 {receipt}" in text
    assert "修改您的选择" in text


def test_no_other_households_choice_on_the_page(proposal, stairwell, residents, client_as):
    other = ballot_cast(proposal=proposal, household=stairwell[1], choice="disagree", channel="online", by=residents[1])
    mine = ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel="online", by=residents[0])
    response = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk]))
    html, text = response.content.decode(), page_text(response)
    assert mine[0].receipt in html
    assert other[0].receipt not in html
    assert str(stairwell[1]) not in text and stairwell[1].code not in text
    assert "已表决：不同意" not in text
    # The tally shows totals: one agreeing and one disagreeing household.
    assert 'data-field="disagree.households">1<' in html and 'data-field="agree.households">1<' in html


def test_committee_member_without_a_flat(proposal, committee_user, client_as):
    response = client_as(committee_user).get(reverse("proposal_detail", args=[proposal.pk]))
    text = page_text(response)
    # No "your household" card at all: the committee's bar comes first, and there is nothing for them to vote.
    assert 'id="my-vote"' not in response.content.decode() and 'value="agree"' not in response.content.decode()
    assert "您的账户没有绑定本小区的房屋" not in text
    assert reverse("register", args=[proposal.pk]) in response.content.decode()
    assert "data-tally" in response.content.decode()


def test_household_does_not_see_the_register_link(proposal, residents, client_as):
    html = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert reverse("register", args=[proposal.pk]) not in html


def test_bound_in_and_out_of_scope(community, committee_user, stairwell, client_as):
    proposal = open_proposal(community, committee_user, scope="households", households=stairwell[:1])
    user = HouseholdBindingFactory(household=stairwell[0]).user
    HouseholdBindingFactory(household=stairwell[5], user=user)
    response = client_as(user).get(reverse("proposal_detail", args=[proposal.pk]))
    text = page_text(response)
    assert "指定的 1 户" in text
    assert f'name="household" value="{stairwell[0].pk}"' in response.content.decode()
    assert f'name="household" value="{stairwell[5].pk}"' not in response.content.decode()
    assert f"您的房屋 {stairwell[5]} 不在本议题的表决范围内" in text


def test_server_renders_the_tally(proposal, stairwell, residents, client_as):
    for household, user in zip(stairwell[:9], residents[:9], strict=True):
        ballot_cast(proposal=proposal, household=household, choice="agree", channel="online", by=user)
    response = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk]))
    html, text = response.content.decode(), page_text(response)
    assert "专有部分面积占比三分之二以上的业主参与表决" in text and "参与表决人数过半数的业主同意" in text
    assert "目前已达到通过条件，以表决截止时的结果为准。" in text and "若现在结束" not in text
    assert 'data-version="9"' in html
    assert 'data-field="not_yet.households">3<' in html and 'data-field="not_yet.area">300.00<' in html
    assert 'id="tally-strings"' in html and "js/tally.js" in html


def test_past_close_time_reads_as_closed_and_the_page_writes_nothing(proposal, stairwell, residents, client_as):
    ballot_cast(proposal=proposal, household=stairwell[0], choice="agree", channel="online", by=residents[0])
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_opens_at=now - timedelta(days=2), voting_closes_at=now - timedelta(minutes=1)
    )
    response = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk]))
    proposal.refresh_from_db()
    # A GET never closes: the scheduled job does; the page derives "closed" from the window.
    assert proposal.state == State.VOTING and proposal.passed is None
    assert not proposal.transitions.filter(to_state=State.CLOSED).exists()
    text = page_text(response)
    assert "表决已截止。" in text and "表决结果：未通过" in text
    # Final: the badge says so and nothing on the page claims to be live.
    assert "最终结果" in text and 'class="tally-live final"' in response.content.decode()
    assert 'value="agree"' not in response.content.decode()


def test_manage_panel_only_for_the_committee(proposal, committee_user, residents, client_as, settings, tmp_path):
    # The panel is another engineer's template; a stand-in shows where it goes and who gets it.
    (tmp_path / "proposals").mkdir()
    (tmp_path / "proposals" / "_manage_panel.html").write_text('<div id="stand-in-panel">{{ proposal.pk }}</div>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    committee = client_as(committee_user).get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert f'<div id="stand-in-panel">{proposal.pk}</div>' in committee
    household = client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    assert "stand-in-panel" not in household


def test_consultation_edit_does_not_break_the_page(community, committee_user, stairwell, residents, client_as):
    proposal = proposal_create(community=community, by=committee_user, title="t", summary="s", category="rebuild")
    proposal_start_consultation(proposal=proposal, by=committee_user)
    proposal_update(proposal=proposal, by=committee_user, title="新标题")
    text = page_text(client_as(residents[0]).get(reverse("proposal_detail", args=[proposal.pk])))
    assert "新标题" in text and "重大事项" in text and "征求意见中" in text
