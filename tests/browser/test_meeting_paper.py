"""The secretary enters one household's whole paper ballot of an owners' meeting on a laptop, against a real server:
from the meeting page to the entry screen, the household found by its code, every matter and the election ticked,
多选无效 shown while too many candidates are ticked, the scan attached, then the receipt and the recorded ballot."""

import re

import pytest

from community.models import Role
from meetings.models import ElectionBallot
from meetings.selectors import household_ballot
from tests.browser.conftest import (
    SMALL_PHONE,
    axe_violations,
    describe_violations,
    expect_message,
    log_in,
    shoot,
    staff,
    tiny_png,
)
from tests.meetings.conftest import voting_meeting  # noqa: F401  (the meeting open for voting)
from voting.models import Channel, Choice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _too_small_targets(page) -> list[str]:
    """The answer boxes and buttons of the entry form lower than 44 px."""
    return page.evaluate(
        """() => [...document.querySelectorAll('form.whole-ballot label:has(input), form.whole-ballot button')]
            .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
            .map(el => el.outerHTML.slice(0, 80))"""
    )


def test_the_secretary_enters_a_whole_paper_ballot_on_a_laptop(server, laptop, voting_meeting):  # noqa: F811
    from playwright.sync_api import expect

    vm = voting_meeting
    staff(vm.community, Role.Kind.SECRETARY, "li-mishu", "李秘书", "13600000041")
    household = vm.households[4]  # 1-2-101

    page = laptop()
    log_in(page, server, "li-mishu")
    page.goto(server.url(f"/meetings/{vm.meeting.pk}/"))
    page.get_by_role("link", name="录入纸质表决票").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{vm.meeting.pk}/paper/$"))
    expect(page.get_by_role("heading", name="会议纸质表决票录入")).to_be_visible()

    page.get_by_label("房屋").fill("1-2-101")
    page.get_by_role("button", name="查找").click()
    expect(page.locator(".household-card .label")).to_have_text("1-2-101")
    expect(page.locator(".household-card")).to_contain_text("尚无表决记录")

    form = page.locator("form.whole-ballot")
    garage, fund = form.locator("fieldset.matter").all()
    expect(garage.locator("legend")).to_have_text("1. 电动车车库")
    garage.get_by_label("同意", exact=True).check()
    fund.get_by_label("弃权", exact=True).check()

    election = form.locator("fieldset.election")
    warning = election.locator(".overvote")
    for name in ("王芳", "李强", "张伟"):
        election.get_by_label(name).check()
    expect(warning).to_be_visible()  # three ticked for two seats
    expect(warning).to_contain_text("多选无效")
    shoot(page, "meeting-paper-overvote", top=election)
    election.get_by_label("张伟").uncheck()
    expect(warning).to_be_hidden()

    form.locator("#evidence").set_input_files(
        files=[{"name": "表决票.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    assert _too_small_targets(page) == []
    assert not (found := axe_violations(page)), describe_violations(found)
    form.get_by_role("button", name="录入整张表决票").click()

    expect(page).to_have_url(re.compile(rf"/meetings/{vm.meeting.pk}/paper/\?household={household.pk}$"))
    recorded = household_ballot(vm.meeting, household.pk)
    expect_message(page, f"回执码：{recorded.receipt}")
    lines = page.locator(".recorded-lines li")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_contain_text("同意")
    expect(lines.nth(1)).to_contain_text("弃权")
    expect(lines.nth(2)).to_contain_text("王芳、李强")
    expect(page.locator(".receipt-code")).to_have_text(recorded.receipt)
    shoot(page, "meeting-paper-recorded")

    # The same screen on a small phone: nothing wider than the screen.
    page.set_viewport_size(SMALL_PHONE)
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    shoot(page, "meeting-paper-small-phone", full_page=True)

    assert recorded.matters == {vm.matters[0].pk: Choice.AGREE, vm.matters[1].pk: Choice.ABSTAIN}
    assert recorded.elections == {vm.election.pk: frozenset({vm.candidates[0].pk, vm.candidates[1].pk})}
    ballot = ElectionBallot.objects.get(household=household)
    assert ballot.channel == Channel.PAPER and not ballot.invalid and ballot.evidence
