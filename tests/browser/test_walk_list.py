"""A canvasser in a stairwell: the walk list of the entrance assigned to them, on a phone, against a real server —
tap a door, tap the stance heard, and the door is marked (and stays marked when the page is opened again)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Entrance, Household, Role
from consult.models import Visit
from consult.services import assignment_create
from lifecycle.services import proposal_open_voting
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from tests.browser.conftest import log_in, shoot, staff
from tests.factories import HouseholdBindingFactory, build_community
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_canvasser_records_a_visit_on_a_phone(server, phone, laptop):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=2, floors=4, rooms_per_floor=2, slug="xiangjiaoyuan")
    committee = staff(community, Role.Kind.COMMITTEE, "zhou-weiyuan", "周委员", "13600000011")
    canvasser = staff(community, Role.Kind.CANVASSER, "gao-louzhang", "高桂兰", "13600000012")
    proposal = proposal_create(
        community=community,
        by=committee,
        title="加装电动车充电桩",
        summary="在1号楼旁加装充电桩",
        category=Category.OTHER,
    )
    proposal_start_consultation(proposal=proposal, by=committee)
    proposal = proposal_open_voting(proposal=proposal, by=committee, closes_at=timezone.now() + timedelta(days=7))
    stairwell = Entrance.objects.get(building__community=community, building__name="1", name="1")
    assignment_create(proposal=proposal, canvasser=canvasser, entrance=stairwell, by=committee)
    # One household has voted already: the list says no visit is needed there.
    voted = Household.objects.get(entrance=stairwell, room="101")
    resident = HouseholdBindingFactory(household=voted).user
    ballot_cast(proposal=proposal, household=voted, choice="agree", channel=Channel.ONLINE, by=resident)
    door = Household.objects.get(entrance=stairwell, room="302")

    # The committee watches the live building board on a laptop meanwhile.
    board = laptop()
    log_in(board, server, "zhou-weiyuan")
    board.goto(server.url(f"/proposals/{proposal.pk}/canvass/board/"))
    expect(board.locator("#board-live.live")).to_be_visible()  # the socket is connected, not polling
    expect(board.locator("#board .cell.st-s")).to_have_count(0)

    page = phone()
    log_in(page, server, "gao-louzhang")
    page.goto(server.url(f"/proposals/{proposal.pk}/canvass/"))
    expect(page.locator(".walk-head h2")).to_have_text("1号楼1单元")
    expect(page.locator(f"#h-{voted.pk}")).to_contain_text("已投票")
    room = page.locator(f'a.room[data-code="{door.code}"]')
    expect(room).to_have_class(re.compile(r"\bst-none\b"))
    expect(page.locator(".walk-head")).to_contain_text("已走访0户，共8户")

    room.tap()
    sheet = page.locator("#record")
    expect(sheet).to_be_visible()
    expect(sheet.locator('[data-part="title"]')).to_have_text("1-1-302")
    demands = sheet.get_by_label("诉求和顾虑")
    demands.tap()
    demands.fill("担心充电桩离窗户太近")
    shoot(page, "phone-walk-record")
    sheet.get_by_role("button", name="支持", exact=True).tap()
    expect(sheet).to_be_hidden()
    # Marked at once, then confirmed by the server's answer (no longer pending).
    expect(room).to_have_class(re.compile(r"\bst-s\b"))
    expect(room).not_to_have_class(re.compile(r"\bpending\b"))
    expect(room.locator('[data-part="badge"]')).to_have_text("支持")
    expect(page.locator(".walk-head")).to_contain_text("已走访1户，共8户")  # counted without a reload
    expect(board.locator("#board .cell.st-s")).to_have_count(1)  # pushed to the board, no reload
    visit = Visit.objects.get(proposal=proposal, household=door)
    assert (visit.canvasser, visit.outcome, visit.stance) == (canvasser, Visit.Outcome.MET, Visit.Stance.SUPPORT)
    assert visit.demands == "担心充电桩离窗户太近"

    # Opened again (another phone, or after a reload), the door is still marked: the visit is on the server.
    page.reload()
    expect(room).to_have_class(re.compile(r"\bst-s\b"))
    expect(page.locator(".walk-head")).to_contain_text("已走访1户")
    shoot(page, "phone-walk-list")
