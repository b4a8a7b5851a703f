"""The household's vote and status on a small phone (360×640), against a real server: the status card and the
buttons on the first screen, the back button after voting (confirming again keeps the receipt), an old receipt
that says it was changed later, and the secretary undoing a paper entry."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from community.models import Household, HouseholdBinding, Role
from costs.models import Share
from costs.templatetags.cost_tags import yuan
from lifecycle.services import proposal_open_voting
from proposals.models import Category, Scope
from proposals.services import proposal_create, proposal_start_consultation
from tests.browser.conftest import _password_hash, expect_message, log_in, shoot, staff, tiny_png
from tests.costs.conftest import add_plan
from tests.factories import build_community
from voting.audit import ballots_verify
from voting.models import Ballot, BallotEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SMALL_PHONE = {"width": 360, "height": 640}


def _resident(household: Household, username: str, phone: str) -> User:
    """An owner bound to `household`, with a verified phone and the tests' password (as conftest.staff makes them)."""
    user = User.objects.create(
        username=username, display_name=username, phone=phone, phone_verified=True, password=_password_hash()
    )
    HouseholdBinding.objects.create(user=user, household=household, relation=HouseholdBinding.Relation.OWNER)
    return user


def _voting(community, committee, *, with_cost: bool):
    proposal = proposal_create(
        community=community,
        by=committee,
        title="屋面防水维修",
        summary="1号楼屋面防水层翻新",
        category=Category.OTHER,
        scope=Scope.COMMUNITY,
    )
    proposal_start_consultation(proposal=proposal, by=committee)
    if with_cost:
        add_plan(proposal, committee, items=(("防水工程", "4800.00"),), subsidies=())
    return proposal_open_voting(proposal=proposal, by=committee, closes_at=timezone.now() + timedelta(days=7))


def _no_horizontal_overflow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]


def test_status_card_back_button_and_old_receipt_on_a_small_phone(server, phone):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=1, floors=4, rooms_per_floor=2, slug="fangshui")
    committee = staff(community, Role.Kind.COMMITTEE, "li-weiyuan", "李委员", "13600000021")
    proposal = _voting(community, committee, with_cost=True)
    flat = Household.objects.get(entrance__building__community=community, room="301")
    _resident(flat, "wang-ayi", "13600000022")
    share = yuan(Share.objects.get(plan__proposal=proposal, household=flat).amount)  # fixed when voting opened

    page = phone()
    page.set_viewport_size(SMALL_PHONE)
    log_in(page, server, "wang-ayi")
    # The home card: not voted, the deadline, the share, and the way to vote.
    card = page.locator(".my-proposals li").filter(has_text="屋面防水维修")
    expect(card).to_contain_text(re.compile(rf"未表决 · 截止 \d+月\d+日 \d\d:\d\d · 应分摊 {re.escape(share)}"))
    _no_horizontal_overflow(page)
    card.get_by_role("link", name="去表决").tap()

    # The proposal page opens on the status card: status, share, then the buttons, all on the first screen.
    my_vote = page.locator("#my-vote")
    expect(my_vote.locator(".status-line")).to_contain_text("未表决")
    expect(my_vote.locator(".who-sees")).to_contain_text("业委会委员和秘书可以看到；其他住户只看到总数")
    agree = my_vote.get_by_role("button", name="同意", exact=True)
    expect(agree).to_be_in_viewport()
    expect(my_vote.get_by_role("button", name="弃权", exact=True)).to_be_in_viewport()
    share_line = my_vote.locator(".my-share").get_by_text(share)
    assert share_line.bounding_box()["y"] < agree.bounding_box()["y"]
    _no_horizontal_overflow(page)
    shoot(page, "phone-status-card")
    # At 200 % text the card and the buttons wrap rather than overflow the screen.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    _no_horizontal_overflow(page)
    assert agree.bounding_box()["width"] <= SMALL_PHONE["width"]
    page.evaluate("document.documentElement.style.fontSize = ''")

    agree.tap()
    expect(page.locator(".confirm-line")).to_contain_text(str(flat))
    page.get_by_role("button", name="确认", exact=True).tap()
    recorded = re.compile(r"已记录：同意，回执码 ([0-9A-Z]{8})")
    flash = page.locator("ul.messages li.msg").filter(has_text=recorded)
    expect(flash).to_be_visible()
    receipt = recorded.search(flash.inner_text()).group(1)
    expect(my_vote.locator(".status-line")).to_contain_text(f"已表决：同意 · 回执码 {receipt}")
    expect(my_vote.locator(".keep-receipt")).to_contain_text("请保存好回执码")
    shoot(page, "phone-status-voted")

    # The back button: the confirmation page comes from the server again and says the choice is recorded.
    page.go_back()
    expect(page.locator(".already-recorded")).to_contain_text(f"回执码 {receipt}")
    page.get_by_role("button", name="确认", exact=True).tap()
    expect_message(page, f"已记录：同意，回执码 {receipt}。没有任何改变。")
    assert list(Ballot.objects.filter(proposal=proposal).values_list("receipt", flat=True)) == [receipt]
    assert BallotEvent.objects.filter(proposal=proposal).count() == 1

    # The home card no longer asks to vote.
    page.goto(server.url("/"))
    expect(card).to_contain_text(f"已表决：同意 · 回执码 {receipt}")
    expect(card.get_by_role("link", name="去表决")).to_have_count(0)

    # A change of mind: the old receipt then says what it recorded and that the choice changed later.
    page.goto(server.url(f"/proposals/{proposal.pk}/"))
    my_vote.get_by_role("button", name="不同意", exact=True).tap()
    page.get_by_role("button", name="确认", exact=True).tap()
    expect_message(page, re.compile(r"已记录：不同意，回执码 "))
    page.goto(server.url(f"/proposals/{proposal.pk}/receipt/"))
    page.get_by_label("回执码").fill(receipt)
    page.get_by_role("button", name="核对", exact=True).tap()
    old = page.locator(".receipt-past")
    expect(old).to_contain_text("这是之前一次选择的回执码")
    expect(old).to_contain_text("记录的选择：同意")
    expect(old).to_contain_text("该户的选择后来")
    _no_horizontal_overflow(page)
    shoot(page, "phone-old-receipt")
    proposal.refresh_from_db()
    assert ballots_verify(proposal) == []


def test_the_secretary_undoes_a_paper_entry_on_a_small_phone(server, phone):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=1, floors=2, rooms_per_floor=2, slug="chexiao")
    committee = staff(community, Role.Kind.COMMITTEE, "zhao-weiyuan", "赵委员", "13600000031")
    staff(community, Role.Kind.SECRETARY, "qian-mishu", "钱秘书", "13600000032")
    proposal = _voting(community, committee, with_cost=False)

    desk = phone()
    desk.set_viewport_size(SMALL_PHONE)
    log_in(desk, server, "qian-mishu")
    desk.goto(server.url(f"/proposals/{proposal.pk}/paper/"))
    desk.get_by_role("searchbox").fill("1-1-101")
    desk.get_by_role("button", name="查找").click()
    paper = desk.locator("form.paper")
    paper.locator("#evidence").set_input_files(
        files=[{"name": "选票.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    paper.get_by_role("button", name="同意", exact=True).tap()
    expect_message(desk, "已录入 1-1-101：同意（纸质）")
    undo = desk.locator("#undo")
    expect(undo).to_contain_text("已录入 1-1-101：同意")
    expect(undo.locator(".undo-seconds")).to_be_visible()
    _no_horizontal_overflow(desk)
    shoot(desk, "phone-paper-undo")
    assert Ballot.objects.filter(proposal=proposal).count() == 1

    undo.get_by_role("button", name="撤销这次录入").tap()
    expect_message(desk, "已撤销 1-1-101 的录入（同意）")
    expect(desk.locator(".household-card .current")).to_have_text("尚无表决记录。")
    assert not Ballot.objects.filter(proposal=proposal).exists()
    assert list(BallotEvent.objects.filter(proposal=proposal).values_list("new_choice", "undoes")) == [
        ("agree", None),
        ("", 1),
    ]
    proposal.refresh_from_db()
    assert ballots_verify(proposal) == []
    assert Decimal(proposal.electorate_area) > 0
