"""A whole owners' meeting against a real server (issue 15): its notice is published and voting opens at the notice's
time; an elderly owner votes the whole ballot on a small phone with large text (every matter, at most the seats of
the election, read back, confirmed once, one receipt) and changes one answer; the big screen follows; the paper
ballots of other households arrive; the window ends and the scheduled job closes the meeting; the chair signs the
meeting's resolution on a laptop; anyone checks it on a phone."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from community.models import Household, HouseholdBinding, Role
from lifecycle.services import meetings_close_due
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.models import ElectionBallot, MeetingState
from meetings.services import agenda_election_add, agenda_matter_add, candidate_add
from proposals.models import Proposal, State
from resolutions.models import Resolution
from tests.browser.conftest import (
    PASSWORD,
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
from tests.meetings.conftest import end_window, make_meeting, make_proposal, open_voting_now
from voting.models import Ballot, Channel, Choice

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _too_small_targets(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll(
                'main button, main a.button, main label.choice, main label.candidate-choice')]
            .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
            .map(el => el.outerHTML.slice(0, 80))"""
    )


def test_a_whole_meeting_from_the_phone_ballot_to_the_signed_resolution(server, laptop, phone, small_phone):
    from playwright.sync_api import expect

    community = build_community(buildings=1, entrances=2, floors=2, rooms_per_floor=2, slug="shanshui")
    community.name = "山水名城"
    community.save()
    chair = staff(community, Role.Kind.COMMITTEE, "wang-zhuren", "王主任", "13600000051")
    Role.objects.filter(user=chair).update(office=Role.Office.CHAIR)
    households = list(Household.objects.of(community).order_by("entrance__name", "room"))
    resident = User.objects.create(
        username="liu-ayi", display_name="刘淑芬", phone="13700000051", phone_verified=True, password=_password_hash()
    )
    HouseholdBinding.objects.create(user=resident, household=households[0], relation=HouseholdBinding.Relation.OWNER)

    # The notice was published with two matters and an election of 2 among 3, and its voting window has come.
    meeting = make_meeting(community, chair, title="2027年第一次业主大会会议")
    garage = make_proposal(community, chair, State.CONSULTATION, title="建设电动车车库")
    fund = make_proposal(community, chair, State.CONSULTATION, title="续聘物业服务企业")
    for matter in (garage, fund):
        agenda_matter_add(meeting=meeting, by=chair, proposal=matter)
    election = agenda_election_add(meeting=meeting, by=chair, title="第二届业主委员会", seats=2)
    candidates = [
        candidate_add(election=election, by=chair, name=name, statement=statement)
        for name, statement in (("王芳", "退休教师"), ("李强", "工程师"), ("张伟", ""))
    ]
    meeting = open_voting_now(meeting, chair)

    # --- The hall's big screen, on a laptop, from before the first ballot ---------------------------------------
    hall = laptop()
    log_in(hall, server, "wang-zhuren")
    hall.goto(server.url(f"/meetings/{meeting.pk}/screen/"))

    # --- An elderly owner on a 360 px phone with the text at 200 % ----------------------------------------------
    page = small_phone()
    large_text(page)
    log_in(page, server, "liu-ayi")
    page.goto(server.url(f"/meetings/{meeting.pk}/"))
    page.get_by_role("link", name="投票：填写我的表决票").click()
    expect(page.get_by_role("heading", name="我的表决票")).to_be_visible()
    matters = page.locator("fieldset.matter")
    expect(matters).to_have_count(2)
    matters.nth(0).get_by_label("同意", exact=True).check()
    matters.nth(1).get_by_label("不同意").check()
    ballot = page.locator("fieldset.election")
    expect(ballot).to_contain_text("最多选2人")
    ballot.get_by_label(re.compile("王芳")).check()
    ballot.get_by_label(re.compile("李强")).check()
    # Two of two seats chosen: the third candidate cannot be ticked (untick one to choose another).
    expect(ballot.get_by_label(re.compile("张伟"))).to_be_disabled()
    expect(ballot.locator(".chosen-count")).to_have_text("已选 2/2 人")
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert not _too_small_targets(page)
    assert not (found := axe_violations(page)), describe_violations(found)
    shoot(page, "meeting-ballot-phone", full_page=True)
    page.get_by_role("button", name="检查整张表决票").click()

    # The whole ballot is read back before anything is recorded.
    expect(page.get_by_role("heading", name="确认整张表决票")).to_be_visible()
    summary = page.locator(".ballot-summary")
    expect(summary).to_contain_text("建设电动车车库：同意")
    expect(summary).to_contain_text("续聘物业服务企业：不同意")
    expect(summary).to_contain_text("王芳、李强")
    assert not Ballot.objects.exists()
    assert not (found := axe_violations(page)), describe_violations(found)
    page.get_by_role("button", name="确认提交整张表决票").click()
    expect_message(page, re.compile("您的整张表决票已记录，回执码 [A-Z0-9]{8}"))
    receipt = ElectionBallot.objects.get(household=households[0]).receipt
    assert set(Ballot.objects.filter(household=households[0]).values_list("receipt", flat=True)) == {receipt}
    expect(page.locator(".receipt-code")).to_have_text(receipt)

    # She changes her mind on the second matter: the form shows what is recorded, a new receipt covers it all.
    expect(page.locator("fieldset.matter").nth(1).get_by_label("不同意")).to_be_checked()
    page.locator("fieldset.matter").nth(1).get_by_label("同意", exact=True).check()
    page.get_by_role("button", name="检查整张表决票").click()
    page.get_by_role("button", name="确认提交整张表决票").click()
    expect_message(page, "您的整张表决票已记录")
    assert Ballot.objects.get(household=households[0], proposal=fund).choice == Choice.AGREE
    assert ElectionBallot.objects.get(household=households[0]).receipt != receipt

    # The big screen has followed the ballot, live.
    expect(hall.locator("main")).to_contain_text("王芳", timeout=15_000)

    # --- Paper ballots of the other households, entered by the secretary (their screen has its own test) --------
    papers = [(0, 1), (0, 2), (0, 1, 2), (0, 1), (1, 2), (0,)]  # (0, 1, 2): more than the seats, invalid
    for household, picks in zip(households[1:7], papers, strict=True):
        meeting_ballot_cast(
            meeting=meeting,
            household=household,
            answers=Answers({garage.pk: Choice.AGREE}, {election.pk: frozenset(candidates[i].pk for i in picks)}),
            channel=Channel.PAPER,
            by=chair,
            evidence=SimpleUploadedFile("ballot.jpg", b"\xff\xd8\xff" + b"0" * 64, content_type="image/jpeg"),
        )

    # --- The window ends; the scheduled job closes the meeting and its matters ---------------------------------
    end_window(meeting)
    assert meetings_close_due() == 1
    meeting.refresh_from_db()
    garage.refresh_from_db()
    assert meeting.state == MeetingState.CLOSED and garage.state == State.CLOSED and garage.passed

    # --- The chair signs the meeting's resolution on a laptop ------------------------------------------------
    desk = laptop()
    log_in(desk, server, "wang-zhuren")
    desk.goto(server.url(f"/meetings/{meeting.pk}/"))
    desk.locator(".meeting-resolution").get_by_role("link", name=re.compile("决议")).first.click()
    expect(desk.locator("main")).to_contain_text("王芳")
    desk.get_by_label("您的密码").fill(PASSWORD)
    desk.get_by_role("button", name="签署", exact=True).click()
    expect_message(desk, "签署决议")
    record = Resolution.objects.get(meeting=meeting)
    assert record.signatures.count() == 1
    shoot(desk, "meeting-resolution-laptop", full_page=True)

    # --- Anyone with the printed resolution checks it on a phone --------------------------------------------
    reader = phone()
    reader.goto(server.url(f"/verify/{record.fingerprint}"))
    expect(reader.locator(".verify-verdict")).to_have_text("记录完好")
    expect(reader.locator("main")).to_contain_text(meeting.title)
    assert Proposal.objects.get(pk=fund.pk).state == State.CLOSED
