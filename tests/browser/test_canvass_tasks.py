"""A canvasser's day on a phone, against a real server: the home page says how many doors are waiting, the task
list shows them by entrance with a call button for each (the canvasser sits on the committee, which sees phones in
full; a canvasser who does not sees them masked, without a button); a household sees who canvasses its entrance on
the proposal page and can call them."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from community.models import Entrance, Household, HouseholdBinding, Role
from consult.services import assignment_create
from proposals.models import Category
from proposals.services import proposal_create, proposal_start_consultation
from tests.browser.conftest import _password_hash, log_in, shoot, staff
from tests.consult.canvass.conftest import record
from tests.factories import build_community

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def no_horizontal_overflow(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert width <= 0, f"{page.url} overflows by {width}px"


def test_the_canvasser_finds_the_doors_to_knock_and_a_household_calls_its_canvasser(server, phone):
    community = build_community(buildings=1, entrances=2, floors=3, rooms_per_floor=2, slug="taoyuan")
    committee = staff(community, Role.Kind.COMMITTEE, "zhou-weiyuan", "周委员", "13600000011")
    gao = staff(community, Role.Kind.CANVASSER, "gao-louzhang", "高桂兰", "13600000012")
    Role.objects.create(user=gao, community=community, kind=Role.Kind.COMMITTEE)  # a building head on the committee
    wang = staff(community, Role.Kind.CANVASSER, "wang-wanggeyuan", "王网格员", "13600000013")
    proposal = proposal_create(
        community=community,
        by=committee,
        title="加装电动车充电桩",
        summary="在1号楼旁加装充电桩",
        category=Category.OTHER,
    )
    proposal = proposal_start_consultation(proposal=proposal, by=committee)
    first, second = Entrance.objects.filter(building__community=community).order_by("sort_key")
    assignment_create(proposal=proposal, canvasser=gao, entrance=first, by=committee)
    assignment_create(proposal=proposal, canvasser=wang, entrance=second, by=committee)
    met = Household.objects.get(entrance=first, room="301")
    record(proposal, met, gao)  # met, supports: no more visit needed
    away = Household.objects.get(entrance=first, room="302")
    record(proposal, away, gao, outcome="nobody_home")
    resident = User.objects.create(
        username="li-yezhu", display_name="李业主", phone="13900000021", phone_verified=True, password=_password_hash()
    )
    HouseholdBinding.objects.create(user=resident, household=met, relation="owner")

    # 1. The canvasser's home page: a card with the number of doors waiting.
    page = phone()
    log_in(page, server, "gao-louzhang")
    page.goto(server.url("/"))
    card = page.locator(".visit-tasks")
    expect(card).to_contain_text("我的走访任务")
    expect(card).to_contain_text("5 户待走访")  # 6 flats of 1单元, one met
    shoot(page, "phone-home-visit-tasks", top=card)
    card.get_by_role("link", name=re.compile("查看")).tap()

    # 2. The task list: the doors by entrance, each with a call button, nobody home first in line for a revisit.
    expect(page).to_have_url(re.compile(r"/my/visits/$"))
    expect(page.locator("h1")).to_have_text("我的走访任务")
    expect(page.locator(".task-entrance h3")).to_have_count(1)
    expect(page.locator(".task-entrance h3")).to_contain_text("1号楼1单元")
    tasks = page.locator("li.task")
    expect(tasks).to_have_count(5)
    expect(page.locator(f"#task-{proposal.pk}-{met.pk}")).to_have_count(0)
    door = page.locator(f"#task-{proposal.pk}-{away.pk}")
    expect(door).to_contain_text("无人在家")
    call = door.locator("a.task-call")
    expect(call).to_have_attribute("href", f"tel:{away.owner.phone}")
    expect(call).to_contain_text(f"拨打 {away.owner.phone}")
    box = call.bounding_box()
    assert box and box["height"] >= 44
    expect(page.locator("a.task-call")).to_have_count(5)
    expect(page.get_by_role("button", name="打印")).to_be_visible()  # print.js shows it
    expect(page.get_by_role("link", name="导出（XLSX）")).to_have_attribute("href", "?format=xlsx")
    no_horizontal_overflow(page)
    shoot(page, "phone-my-visits")
    # Printed: no header or buttons, who it was printed for, a line to write on under each door.
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.get_by_role("link", name="导出（XLSX）")).to_be_hidden()
    expect(page.locator(".print-only").first).to_contain_text("高桂兰 的走访任务，打印于")
    expect(page.locator(".task-blank").first).to_be_visible()
    page.emulate_media(media="screen")
    # A door opens the walk list on that flat's record sheet.
    door.locator("a.task-door").tap()
    expect(page.locator("#record")).to_be_visible()
    expect(page.locator('#record [data-part="title"]')).to_have_text(away.code)

    # 3. A canvasser who is not on the committee sees the phones masked, without a call button.
    other = phone()
    log_in(other, server, "wang-wanggeyuan")
    other.goto(server.url("/my/visits/"))
    expect(other.locator("li.task")).to_have_count(6)
    expect(other.locator("a[href^='tel:']")).to_have_count(0)
    expect(other.locator(".task-phone").first).to_have_text(re.compile(r"^138\*\*\*\*\d{4}$"))
    # On a 360 px screen at 200 % text nothing runs off the side.
    other.set_viewport_size({"width": 360, "height": 640})
    other.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    assert other.evaluate("() => getComputedStyle(document.documentElement).fontSize") == "32px"
    expect(other.locator("li.task")).to_have_count(6)
    no_horizontal_overflow(other)

    # 4. The household on the proposal page: who canvasses their entrance, and a button to call them.
    home = phone()
    log_in(home, server, "li-yezhu")
    home.goto(server.url(f"/proposals/{proposal.pk}/"))
    helper = home.locator(".canvass-helpers")
    expect(helper).to_contain_text("您的楼栋走访员")
    expect(helper).to_contain_text("高桂兰")
    expect(helper).not_to_contain_text("王网格员")
    expect(helper.locator("a.helper-call")).to_have_attribute("href", "tel:13600000012")
    expect(home.locator(".canvass-links")).to_have_count(0)  # the canvassing pages are not theirs
    no_horizontal_overflow(home)
    shoot(home, "phone-household-canvasser", top=helper)
