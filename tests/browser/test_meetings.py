"""An owners' meeting from the committee's laptop to a household's phone, against a real server: the committee
creates the meeting, puts a proposal and an election of three candidates on the agenda and publishes the notice
after a page that asks; a household of the community reads the notice (会议通知, 候选人公示) on a 390 px phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from community.models import Household, HouseholdBinding, Role
from meetings.models import Meeting, MeetingState
from proposals.models import Category
from proposals.services import proposal_create
from tests.browser.conftest import (
    PHONE,
    SMALL_PHONE,
    _password_hash,
    axe_violations,
    describe_violations,
    expect_message,
    large_text,
    log_in,
    shoot,
    staff,
)
from tests.factories import build_community

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

LOCAL = "%Y-%m-%dT%H:%M"
CANDIDATES = [
    ("王建国", "1-1-101", "退休工程师，熟悉房屋维修。", True, True),
    ("李秀英", "", "在小区居住十五年，愿为大家服务。", True, False),
    ("陈志强", "", "", False, False),
]


def _too_small_targets(page) -> list[str]:
    """The buttons and button-like links of the page's main part lower than 44 px."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.button, main summary, main .check')]
            .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
            .map(el => el.outerHTML.slice(0, 80))"""
    )


def test_the_committee_publishes_a_notice_that_a_household_reads_on_a_phone(server, laptop, phone, small_phone):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=1, floors=2, rooms_per_floor=2, slug="shanshui")
    community.name = "山水名城"
    community.save()
    committee = staff(community, Role.Kind.COMMITTEE, "zhang-zhuren", "张主任", "13600000031")
    proposal = proposal_create(
        community=community,
        by=committee,
        title="建设电动车车库",
        summary="在3号楼北侧空地建设电动车车库",
        category=Category.COMMON_PARTS,
    )
    household = Household.objects.filter(entrance__building__community=community).order_by("pk").first()
    resident = User.objects.create(
        username="liu-ayi", display_name="刘淑芬", phone="13700000031", phone_verified=True, password=_password_hash()
    )
    HouseholdBinding.objects.create(user=resident, household=household, relation=HouseholdBinding.Relation.OWNER)

    # --- The committee, on a laptop --------------------------------------------------------------------------
    page = laptop()
    log_in(page, server, "zhang-zhuren")
    page.goto(server.url("/c/shanshui/dashboard/"))
    page.get_by_role("link", name="业主大会会议").click()
    expect(page).to_have_url(re.compile(r"/c/shanshui/meetings/$"))
    page.get_by_role("link", name="新建会议").click()

    opens = timezone.localtime() + timedelta(days=20)
    page.get_by_label("标题").fill("2027年第一次业主大会会议")
    page.get_by_label("召集人").select_option("committee")
    page.get_by_label("表决开始时间").fill(opens.strftime(LOCAL))
    page.get_by_label("表决截止时间").fill((opens + timedelta(days=5)).strftime(LOCAL))
    page.locator("form.meeting-form button[type=submit]").click()
    expect_message(page, "会议已存为草稿")
    meeting = Meeting.objects.get(community=community)

    # A matter from the community's proposals, then an election of two seats.
    page.locator("#add-matter select").select_option(label=f"#{proposal.number} 建设电动车车库")
    page.locator("#add-matter button[type=submit]").click()
    expect_message(page, "表决事项已列入议程")
    election_form = page.locator("#add-election")
    expect(election_form.get_by_label("选举")).to_have_value("业主委员会")
    election_form.get_by_label("选举").fill("第二届业主委员会")
    election_form.get_by_label("应选人数").fill("2")
    election_form.get_by_label("候补人数").fill("1")
    election_form.locator("button[type=submit]").click()
    expect_message(page, "选举已列入议程")

    for name, flat, statement, member, shown in CANDIDATES:
        form = page.locator("#item-2 details.add-candidate")
        if form.get_attribute("open") is None:
            form.locator("summary").click()
        form.get_by_label("姓名").fill(name)
        form.get_by_label("房屋", exact=True).fill(flat)
        form.get_by_label("简短介绍").fill(statement)
        if member:
            form.get_by_label("中共党员").check()
        if shown:
            form.get_by_label("候选人同意公示党员身份").check()
        form.locator("button[type=submit]").click()
        expect_message(page, "候选人已加入名单")
    expect(page.locator("#item-2 .candidate")).to_have_count(3)
    assert not _too_small_targets(page)
    page.reload()  # axe on the editor itself, without the message list of the page before (base.html's own)
    assert not (found := axe_violations(page)), describe_violations(found)
    shoot(page, "meeting-editor", full_page=True)

    # The notice is published only after the page that asks.
    page.get_by_role("link", name="发布会议通知…").click()
    expect(page.get_by_role("heading", name="发布会议通知", exact=True)).to_be_visible()
    page.get_by_label("议程和候选人已确定。").check()
    page.get_by_role("button", name="发布会议通知").click()
    expect_message(page, "会议通知已发布")
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/$"))
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.NOTICE

    # --- A household of the community, on a phone ----------------------------------------------------------
    page = phone()
    log_in(page, server, "liu-ayi")
    page.goto(server.url(f"/meetings/{meeting.pk}/"))
    expect(page.get_by_role("heading", name="2027年第一次业主大会会议")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("业主委员会")
    items = page.locator(".agenda-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("建设电动车车库")
    expect(items.nth(0)).to_contain_text("四分之三以上同意")  # a major matter's rule, as the engine states it
    expect(items.nth(1)).to_contain_text("应选2人")
    expect(items.nth(1).locator(".candidate")).to_have_count(3)
    expect(items.nth(1).locator(".candidate .badge")).to_have_count(1)  # only 王建国 agreed to show it
    expect(items.nth(1).locator(".candidate").nth(0)).to_contain_text("王建国")
    expect(page.locator(".how-to-vote")).to_contain_text("纸质投票")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not _too_small_targets(page)
    assert not (found := axe_violations(page)), describe_violations(found)
    shoot(page, "meeting-notice-phone", full_page=True)

    # The same notice on a 360 px phone with the text at 200 %: it wraps, it never scrolls sideways.
    page = small_phone()
    large_text(page)
    log_in(page, server, "liu-ayi")
    page.goto(server.url(f"/meetings/{meeting.pk}/"))
    expect(page.locator(".agenda-item")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
