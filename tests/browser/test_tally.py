"""The live tally as people read it (issue 14): while voting is open it says in plain, neutral words what is still
needed ("还需 14 户同意即可通过"), never a red "不通过" from the first minute; once closed it gives the result in its
colour and says it is final, with nothing live any more; the decision rule stays inside its card on a laptop; and
at 200 % text the counts wrap on a 390-pixel phone instead of widening the page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Household, Role
from lifecycle.services import proposal_close, proposal_open_voting
from proposals.models import Category, RuleCode
from proposals.services import proposal_create, proposal_start_consultation
from tests.browser.conftest import log_in, shoot, staff
from tests.factories import HouseholdBindingFactory, build_community
from voting.models import Channel
from voting.services import ballot_cast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

DISAGREE_RED = "rgb(155, 28, 28)"  # --disagree in static/css/voting.css

# Counts the page's WebSockets (before any script of the page runs): a final tally must not open another one.
COUNT_SOCKETS = """
(() => {
  const Original = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Original(url) : new Original(url, protocols);
    window.__sockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Original.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
"""

# Whatever of an element lies beyond the right edge of the screen (nothing, when it fits).
BEYOND_THE_SCREEN = """
el => [el, ...el.querySelectorAll("*")]
  .filter(part => part.getBoundingClientRect().right > window.innerWidth + 0.5)
  .map(part => `${part.className} ${Math.round(part.getBoundingClientRect().right)}: ${part.textContent.slice(0, 30)}`)
"""

# "200 % text": twice the root font size the page sets (its rem sizes follow it), through the CSSOM, which the
# Content-Security-Policy allows (an injected style attribute or <style> would be refused). This holds whether the
# root is a fixed size or follows the browser's own text size.
DOUBLE_TEXT = """
() => {
  const root = document.documentElement;
  root.style.fontSize = 2 * parseFloat(getComputedStyle(root).fontSize) + "px";
  return parseFloat(getComputedStyle(root).fontSize);
}
"""


def _unanimous_matter(slug: str, *, floors: int = 7, rooms_per_floor: int = 2):
    """floors × rooms flats (14 by default), each its own owner, of 81 m² or more; a unanimous matter open for
    voting; the committee member."""
    community = build_community(buildings=1, entrances=1, floors=floors, rooms_per_floor=rooms_per_floor, slug=slug)
    committee = staff(community, Role.Kind.COMMITTEE, f"{slug}-wei", "钱委员", "13600000021")
    proposal = proposal_create(
        community=community,
        by=committee,
        title="安装楼道声控灯",
        summary="1号楼1单元楼道加装声控灯",
        category=Category.OTHER,
        rule=RuleCode.UNANIMOUS,
    )
    proposal_start_consultation(proposal=proposal, by=committee)
    proposal = proposal_open_voting(proposal=proposal, by=committee, closes_at=timezone.now() + timedelta(days=7))
    return community, committee, proposal


def test_the_tally_says_what_is_still_needed_then_that_it_is_final(server, phone):
    from playwright.sync_api import expect

    community, committee, proposal = _unanimous_matter("shengkongdeng")
    assert proposal.electorate_households == 14

    page = phone()
    page.add_init_script(COUNT_SOCKETS)
    page.clock.install()  # time runs as usual, and can be run ahead to fire whatever reconnection was scheduled
    log_in(page, server, "shengkongdeng-wei")
    page.goto(server.url(f"/proposals/{proposal.pk}/"))
    tally = page.locator("[data-tally]")
    verdict, badge = tally.locator('[data-part="verdict"]'), tally.locator('[data-part="live"]')
    # The tally's scripts come when it comes near the screen (static/js/page.js): none before, as a household
    # that votes and leaves never scrolls down to it.
    page.wait_for_load_state("load")
    assert tally.bounding_box()["y"] > page.viewport_size["height"]  # below the first screen, under the vote
    assert page.evaluate("window.__sockets.length") == 0 and page.evaluate("typeof window.GongyiTally") == "undefined"
    tally.scroll_into_view_if_needed()

    # Right after opening: nobody has voted, and all 14 flats agreeing would pass it.
    expect(badge).to_have_class(re.compile(r"\blive\b"))  # the socket is connected
    expect(verdict).to_have_text("还需 14 户同意即可通过")
    expect(verdict).to_have_class(re.compile(r"\bopen\b"))
    assert verdict.evaluate("el => getComputedStyle(el).color") == page.evaluate(
        "getComputedStyle(document.body).color"
    )  # the page's own colour, neither red nor green
    expect(tally).not_to_contain_text("不通过")
    expect(tally).not_to_contain_text("无法通过")
    expect(tally).not_to_contain_text("≥")
    expect(tally).to_contain_text("全部住户参与表决")
    for check in tally.locator(".bar-met").all():
        assert check.evaluate("el => getComputedStyle(el).color") != DISAGREE_RED

    # A household agrees: the line follows without a reload, in the same words as the server's. (This process cannot
    # push beside Playwright's event loop; the server's resync, every TALLY_RESYNC_INTERVAL = 5 s, pushes it.)
    voter = Household.objects.get(entrance__building__community=community, room="101")
    ballot_cast(
        proposal=proposal,
        household=voter,
        choice="agree",
        channel=Channel.ONLINE,
        by=HouseholdBindingFactory(household=voter).user,
    )
    expect(verdict).to_have_text("还需 13 户同意即可通过")
    shoot(page, "phone-tally-open", top=tally)

    # Closed: the result in its colour, the badge says it is final, and the socket is closed for good.
    proposal_close(proposal=proposal, by=committee)
    expect(verdict).to_have_text("表决结果：未通过")
    expect(verdict).to_have_class(re.compile(r"\bfail\b"))
    expect(badge).to_have_text("最终结果")
    expect(badge).to_have_class(re.compile(r"\bfinal\b"))
    expect(tally).not_to_contain_text("实时")
    page.wait_for_function("window.__sockets.every(socket => socket.readyState === WebSocket.CLOSED)")
    opened = page.evaluate("window.__sockets.length")
    page.clock.run_for(60_000)  # past every backoff of static/js/tally.js (at most 10 s) and its 5 s polling
    assert page.evaluate("window.__sockets.length") == opened  # no new socket
    expect(badge).to_have_text("最终结果")
    shoot(page, "phone-tally-final", top=tally)

    # Opened again, the page is final from the server and opens no socket at all.
    page.reload()
    expect(badge).to_have_text("最终结果")
    expect(verdict).to_have_text("表决结果：未通过")
    tally.scroll_into_view_if_needed()
    page.wait_for_function("typeof window.GongyiTally === 'object'")  # its scripts ran
    assert page.evaluate("window.__sockets.length") == 0
    expect(tally).not_to_contain_text("实时")


def test_the_rule_stays_in_its_card_on_a_laptop(server, laptop):
    from playwright.sync_api import expect

    _, _, proposal = _unanimous_matter("guizeka")
    page = laptop()
    log_in(page, server, "guizeka-wei")  # the committee: its panel brings the proposals' stylesheet along
    page.goto(server.url(f"/proposals/{proposal.pk}/"))
    card = page.locator("section.card.facts")
    expect(card).to_contain_text("全体业主一致同意")
    box = card.bounding_box()
    for part in card.locator("dt, dd").all():
        inner = part.bounding_box()
        assert inner["x"] >= box["x"] and inner["x"] + inner["width"] <= box["x"] + box["width"] + 0.5, (
            part.inner_text(),
            inner,
            box,
        )
    assert card.evaluate("el => el.scrollWidth <= el.clientWidth")


@pytest.mark.parametrize("where", ["proposal", "screen"])
def test_the_counts_wrap_at_200_percent_text_on_a_phone(server, phone, where):
    from playwright.sync_api import expect

    # 200 flats: three-digit counts and areas past 10,000 m², as in a real stairwell block.
    community, _, proposal = _unanimous_matter(f"dazi-{where}", floors=25, rooms_per_floor=8)
    voter = Household.objects.get(entrance__building__community=community, room="101")
    ballot_cast(
        proposal=proposal,
        household=voter,
        choice="agree",
        channel=Channel.ONLINE,
        by=HouseholdBindingFactory(household=voter).user,
    )
    page = phone()
    log_in(page, server, f"dazi-{where}-wei")
    page.goto(server.url(f"/proposals/{proposal.pk}/" + ("screen/" if where == "screen" else "")))
    tally = page.locator("[data-tally]")
    expect(tally.locator('[data-part="verdict"]')).to_have_text("还需 199 户同意即可通过")
    before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert page.evaluate(DOUBLE_TEXT) == 2 * before
    assert page.evaluate("window.innerWidth") == 390
    expect(tally.locator(".count")).to_have_count(4)
    # The count boxes wrap inside the tally, and nothing of the tally reaches past the 390-pixel screen.
    right = tally.evaluate("el => el.getBoundingClientRect().right")
    for count in tally.locator(".count").all():
        box = count.bounding_box()
        assert box["x"] + box["width"] <= right + 0.5, (count.inner_text(), box, right)
    assert tally.evaluate(BEYOND_THE_SCREEN) == []
    if where == "screen":
        # The big screen is the tally alone: the page itself must not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"phone-tally-200-{where}", top=tally)
