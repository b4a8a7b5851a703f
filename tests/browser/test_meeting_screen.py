"""The hall's big screen of an owners' meeting, against a real server: large type, one matter or election at a
time, cycling through every item of the agenda, and a whole ballot cast meanwhile reaches it without a reload; and
the same live tally on the meeting page, inside a 390-pixel phone."""

import pytest

from community.models import Household, Role
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.services import agenda_election_add, agenda_matter_add, candidate_add
from proposals.models import RuleCode, State
from tests.browser.conftest import log_in, shoot, staff
from tests.factories import build_community
from tests.meetings.conftest import make_meeting, make_proposal, open_voting_now
from voting.models import Channel, Choice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _meeting(slug: str, phone: str):
    """A meeting open for voting: two matters and an election of 2 seats among 3 candidates; its committee member."""
    community = build_community(buildings=1, entrances=1, floors=3, rooms_per_floor=2, slug=slug)
    committee = staff(community, Role.Kind.COMMITTEE, f"{slug}-wei", "钱委员", phone)
    meeting = make_meeting(community, committee, title="2027年业主大会")
    matters = [
        make_proposal(community, committee, State.CONSULTATION, title="建设电动车车库"),
        make_proposal(community, committee, State.CONSULTATION, title="使用维修资金", rule=RuleCode.CIVIL_CODE_MAJOR),
    ]
    for matter in matters:
        agenda_matter_add(meeting=meeting, by=committee, proposal=matter)
    election = agenda_election_add(meeting=meeting, by=committee, title="第二届业主委员会", seats=2)
    candidates = [candidate_add(election=election, by=committee, name=name) for name in ("王芳", "李强", "张伟")]
    open_voting_now(meeting, committee)
    meeting.refresh_from_db()
    return community, committee, meeting, matters, election, candidates


def test_the_big_screen_cycles_through_the_matters_and_the_election(server, laptop, csp_violations):
    from playwright.sync_api import expect

    community, committee, meeting, matters, election, candidates = _meeting("dapingmu", "13600000041")
    page = laptop()
    log_in(page, server, "dapingmu-wei")
    page.goto(server.url(f"/meetings/{meeting.pk}/screen/?every=2"))
    screen = page.locator("[data-meeting-tally]")
    slides = screen.locator("[data-slide]")
    expect(slides).to_have_count(3)
    expect(screen.locator('[data-part="meeting-live"]')).to_have_class("tally-live live")  # the socket is connected

    # One item at a time, in agenda order, large enough to read from the back of the hall; then round again.
    seen = []
    for expected in ("建设电动车车库", "使用维修资金", "第二届业主委员会", "建设电动车车库"):
        current = screen.locator("[data-slide].current")
        expect(current).to_contain_text(expected, timeout=5000)
        expect(screen.locator("[data-slide]:visible")).to_have_count(1)
        title = current.locator(".slide-title")
        assert title.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 40
        seen.append(screen.get_attribute("data-current"))
        if expected == "第二届业主委员会":
            shoot(page, "laptop-meeting-screen-election")
        # Wait for this slide to give way (every 2 s here; 10 s in the hall).
        expect(screen).not_to_have_attribute("data-current", seen[-1], timeout=5000)
    assert seen == ["0", "1", "2", "0"]

    # A household's whole ballot reaches the screen without a reload (the server's resync pushes it at the latest).
    voter = Household.objects.filter(entrance__building__community=community).order_by("pk").first()
    meeting_ballot_cast(
        meeting=meeting,
        household=voter,
        answers=Answers({m.pk: Choice.AGREE for m in matters}, {election.pk: frozenset({candidates[1].pk})}),
        channel=Channel.ONLINE,
        by=committee,
    )
    row = screen.locator(f'[data-candidate="{candidates[1].pk}"]')
    expect(row.locator('[data-c="agree.households"]')).to_have_text("1", timeout=15000)
    matter = screen.locator(f'[data-matter="{matters[0].pk}"]')
    expect(matter.locator('[data-field="agree.households"]')).to_have_text("1")
    assert screen.get_attribute("data-version") != "0"


def test_the_meeting_page_shows_the_live_tally_within_a_phone(server, phone):
    from playwright.sync_api import expect

    _community, _committee, meeting, _matters, _election, candidates = _meeting("huiyi-shouji", "13600000042")
    page = phone()
    log_in(page, server, "huiyi-shouji-wei")
    page.goto(server.url(f"/meetings/{meeting.pk}/"))
    card = page.locator("#tally")
    card.scroll_into_view_if_needed()  # its scripts come when it comes near (static/js/page.js)
    tally = card.locator("[data-meeting-tally]")
    expect(tally.locator('[data-part="meeting-live"]')).to_have_class("tally-live live")
    expect(tally.locator("[data-matter]")).to_have_count(2)
    expect(tally.locator(f'[data-candidate="{candidates[0].pk}"]')).to_contain_text("王芳")
    # Every matter's and candidate's counts wrap inside the card: nothing reaches past the 390-pixel screen.
    assert page.evaluate("window.innerWidth") == 390
    beyond = tally.evaluate(
        """el => [el, ...el.querySelectorAll("*")]
        .filter(part => part.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(part => part.className)"""
    )
    assert beyond == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "phone-meeting-tally", top=card)
