"""The committee finds its controls, on a 1280×800 laptop against a real server: from the home page to the
community's dashboard (figures), to a proposal whose action bar is on the first screen, opening voting and closing
it each after a page that asks first."""

import re

import pytest

from community.models import Entrance, Role
from consult.services import assignment_create
from costs.models import CostMethod, Sharers
from costs.services import cost_plan_create, line_item_add
from proposals.models import Category, Proposal, State
from proposals.services import proposal_create, proposal_start_consultation
from tests.browser.conftest import LAPTOP, expect_message, log_in, shoot, staff
from tests.factories import build_community

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# A proposal text as long as a real one: the page's controls were 5.5 screens down below such a text.
BODY = "\n\n".join(f"## 第{n}条\n\n" + "施工期间请住户配合，单元门临时改为人工值守。" * 6 for n in range(1, 13))


def test_the_committee_opens_and_closes_voting_from_the_top_of_the_page(server, laptop):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=2, floors=3, rooms_per_floor=2, slug="xiangjiaoyuan")
    community.name = "橡胶园小区"
    community.save()
    committee = staff(community, Role.Kind.COMMITTEE, "zhou-weiyuan", "周委员", "13600000021")
    canvasser = staff(community, Role.Kind.CANVASSER, "gao-louzhang", "高桂兰", "13600000022")
    proposal = proposal_create(
        community=community,
        by=committee,
        title="更换1号楼单元门",
        summary="两个单元的单元门更换为防盗门",
        body=BODY,
        category=Category.OTHER,
    )
    cost_plan_create(proposal=proposal, by=committee, method=CostMethod.EQUAL, sharers=Sharers.SCOPE)
    line_item_add(proposal=proposal, description="防盗单元门（含安装）", amount="7200")
    proposal = proposal_start_consultation(proposal=proposal, by=committee)
    first = Entrance.objects.get(building__community=community, name="1")
    assignment_create(proposal=proposal, canvasser=canvasser, entrance=first, by=committee)

    page = laptop()
    log_in(page, server, "zhou-weiyuan")
    page.goto(server.url("/"))
    # Home: the community with the button to its dashboard, on the first screen.
    to_dashboard = page.get_by_role("link", name="业委会工作页面")
    expect(to_dashboard).to_be_visible()
    assert to_dashboard.bounding_box()["y"] < LAPTOP["height"]
    to_dashboard.click()

    # The dashboard: what needs the committee, in figures.
    expect(page).to_have_url(re.compile(r"/c/xiangjiaoyuan/dashboard/$"))
    expect(page.locator("#figure-consultation b")).to_have_text("1")
    expect(page.locator("#figure-unassigned b")).to_have_text("1")  # entrance 2 has no canvasser
    row = page.locator(f"#proposal-{proposal.pk}")
    expect(row.locator(".coverage")).to_contain_text("已分配的6户中已见到0户（范围内共12户）")
    expect(page.locator("#canvassing")).to_contain_text("1号楼2单元")
    shoot(page, "committee-dashboard")

    # The proposal page: the state and the next action at the top, on the first screen.
    row.get_by_role("link", name=re.compile("更换1号楼单元门")).click()
    bar = page.locator("#action-bar")
    expect(bar).to_contain_text("征求意见中")
    assert bar.bounding_box()["y"] + bar.bounding_box()["height"] < LAPTOP["height"]
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * LAPTOP["height"]  # a long page
    shoot(page, "committee-action-bar")

    # Opening asks first, saying what it freezes; nothing has happened yet.
    bar.get_by_role("link", name="开始表决…").click()
    expect(page.get_by_role("heading", name="确认开始表决？")).to_be_visible()
    expect(page.locator("#freeze-households")).to_contain_text("12户")
    expect(page.locator("#freeze-plan")).to_contain_text("¥7,200.00")
    expect(page.locator("#freeze-plan")).to_contain_text("由12户分摊")
    assert Proposal.objects.get(pk=proposal.pk).state == State.CONSULTATION
    shoot(page, "committee-open-confirm")
    page.get_by_role("button", name="确认开始表决").click()
    expect_message(page, "表决已开始")
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING and proposal.electorate_households == 12

    # Closing: from the bar, on the first screen, after its own question.
    bar = page.locator("#action-bar")
    expect(bar).to_contain_text("表决中")
    expect(bar).to_contain_text("表决截止")
    close = bar.get_by_role("link", name="结束表决…")
    assert close.bounding_box()["y"] < LAPTOP["height"]
    expect(bar.get_by_role("link", name="表决登记簿")).to_be_visible()
    expect(bar.get_by_role("link", name="录入纸质票")).to_be_visible()
    close.click()
    expect(page.get_by_role("heading", name="确认结束表决？")).to_be_visible()
    assert Proposal.objects.get(pk=proposal.pk).state == State.VOTING
    page.get_by_role("button", name="确认，现在结束表决").click()
    expect_message(page, "表决已结束：议题未通过。")
    expect(page.locator("#action-bar")).to_contain_text("已结束")
    expect(page.locator("#action-bar")).to_contain_text("未通过")
    assert Proposal.objects.get(pk=proposal.pk).state == State.CLOSED


def test_the_dashboard_and_the_bar_fit_a_narrow_phone_at_large_text(server, phone):
    """A committee member on a 360 px phone with the text at 200 %: nothing runs off the side."""
    from playwright.sync_api import expect

    community = build_community(buildings=2, entrances=3, floors=2, rooms_per_floor=2, slug="shanshui")
    committee = staff(community, Role.Kind.COMMITTEE, "li-zhuren", "李主任", "13600000031")
    proposal = proposal_create(
        community=community, by=committee, title="加装电动车充电桩", summary="在2号楼旁加装", category=Category.OTHER
    )
    proposal = proposal_start_consultation(proposal=proposal, by=committee)

    page = phone()
    page.set_viewport_size({"width": 360, "height": 640})
    log_in(page, server, "li-zhuren")
    for path in ("/c/shanshui/dashboard/", f"/proposals/{proposal.pk}/", f"/proposals/{proposal.pk}/open/"):
        page.goto(server.url(path))
        # Twice the root size, as the phone's largest text setting makes it (set through the CSSOM: the page's
        # Content-Security-Policy refuses an added <style>).
        page.evaluate(
            "const root = document.documentElement;"
            "root.style.setProperty('font-size', 2 * parseFloat(getComputedStyle(root).fontSize) + 'px', 'important')"
        )
        expect(page.locator("h1")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow} px too wide"
    expect(page.locator("#freeze-households")).to_contain_text("24户")
