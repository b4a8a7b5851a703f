"""An owners' meeting's printed documents: the notice (会议通知 with 候选人公示) for the notice board, and the batch
of ballots (表决票), one page per household, made as a document job with progress."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from community.qr import join_qr_svg
from documents import meetings as meeting_documents
from documents.models import DocumentJob
from meetings.models import MeetingElector, MeetingState
from meetings.services import agenda_election_add, agenda_matter_add, candidate_add, meeting_publish_notice
from proposals.models import Scope, State
from tests.documents.conftest import pdf_lines, pdf_reader, pdf_text, response_bytes
from tests.factories import EntranceFactory, HouseholdFactory
from tests.meetings.conftest import make_meeting, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def stairwell(actors):
    """3号楼5单元: 6 floors × 2 flats in the actors' community (which has one more household, the bound one)."""
    entrance = EntranceFactory(building__community=actors.community, building__name="3", name="5")
    return [
        HouseholdFactory(entrance=entrance, room=f"{floor}0{r}", floor=floor, area=Decimal("90.00"))
        for floor in range(1, 7)
        for r in (1, 2)
    ]


@pytest.fixture
def committee(actors):
    return actors.users["committee"]


def meeting_with_agenda(actors, committee, stairwell, *, publish=True):
    """A matter for the whole community, a matter for 3号楼5单元 only, and an election of three for two seats."""
    community = actors.community
    meeting = make_meeting(community, committee)
    agenda_matter_add(
        meeting=meeting,
        by=committee,
        proposal=make_proposal(community, committee, State.CONSULTATION, title="建电动车车库"),
    )
    narrow = make_proposal(
        community,
        committee,
        State.CONSULTATION,
        title="更换5单元单元门",
        scope=Scope.ENTRANCES,
        entrances=[stairwell[0].entrance],
    )
    agenda_matter_add(meeting=meeting, by=committee, proposal=narrow)
    election = agenda_election_add(meeting=meeting, by=committee, title="第二届业主委员会", seats=2, alternates=1)
    candidate_add(
        election=election,
        by=committee,
        name="王建国",
        household=stairwell[9],
        statement="退休工程师，熟悉电梯维修",
        party_member=True,
        show_party=True,
    )
    candidate_add(election=election, by=committee, name="李秀兰", statement="社区志愿者", party_member=True)
    candidate_add(election=election, by=committee, name="赵强")
    if publish:
        meeting = meeting_publish_notice(meeting=meeting, by=committee)
    return meeting


def notice_url(meeting) -> str:
    return f"/meetings/{meeting.pk}/documents/notice.pdf"


def ballots_url(meeting) -> str:
    return f"/meetings/{meeting.pk}/documents/ballots.pdf"


# --- The notice ----------------------------------------------------------------------------------------------------


def test_the_notice_prints_the_agenda_the_candidates_and_how_to_vote(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    response = client_as(actors.users["household"]).get(notice_url(meeting))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]
    pdf = response.content
    assert len(pdf_reader(pdf).pages) <= 2
    text = pdf_text(pdf).replace("\n", "")
    for words in (
        "会议通知",
        actors.community.name,
        meeting.title,
        "业主委员会",  # the organiser
        "全体业主",
        "表决事项1: 建电动车车库",
        "表决事项2: 更换5单元单元门",
        "选举3: 第二届业主委员会",
        "应选2人",
        "候补1人",
        "最多选2人，多选无效。",
        "候选人公示",
        "王建国",
        "3号楼5单元502",  # his flat
        "退休工程师，熟悉电梯维修",
        "李秀兰",
        "赵强",
        "网上投票",
        "纸质投票",
        f"http://testserver/meetings/{meeting.pk}/",
        "未填写的事项，视为弃权（计为已参加表决）。",
    ):
        assert words in text, words
    # The agenda in order, each matter with its rule in plain words.
    assert text.index("建电动车车库") < text.index("更换5单元单元门") < text.index("第二届业主委员会")
    assert text.count("表决规则") == 3
    # Party membership only with the candidate's consent: 王建国 agreed, 李秀兰 did not.
    assert text.count("中共党员") == 1
    assert text.index("王建国") < text.index("中共党员") < text.index("李秀兰")


def test_the_notice_says_what_a_blank_matter_counts_as(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    type(meeting).objects.filter(pk=meeting.pk).update(blank_counts_as="absent")
    text = pdf_text(client_as(committee).get(notice_url(meeting)).content).replace("\n", "")
    assert "未填写的事项，视为未参加该事项的表决。" in text
    assert "视为弃权" not in text


def test_the_notice_carries_a_qr_code_of_the_meeting_page(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    url = f"http://testserver/meetings/{meeting.pk}/"
    # The project draws QR codes with segno (community.qr) and has no decoder: the notice embeds exactly the code of
    # the meeting's address, and the PDF draws it (an inline SVG: hundreds of vector line segments).
    assert join_qr_svg(url) in meeting_documents.notice_html(meeting, base_url="http://testserver")
    pdf = client_as(committee).get(notice_url(meeting)).content
    assert sum(page.get_contents().get_data().count(b" l\n") for page in pdf_reader(pdf).pages) > 100


def test_the_notice_is_rendered_once_and_served_again(client_as, actors, committee, stairwell, settings):
    from pathlib import Path

    meeting = meeting_with_agenda(actors, committee, stairwell)
    first = client_as(actors.users["household"]).get(notice_url(meeting)).content
    stored = list((Path(settings.MEDIA_ROOT) / "documents" / "rendered").glob("meeting-notice-*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == first
    assert client_as(committee).get(notice_url(meeting)).content == first


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("household", 403), ("other_household", 403), ("other_committee", 403)],
)
def test_a_draft_notice_is_refused_to_households_and_others(client_as, actors, committee, stairwell, who, status):
    meeting = meeting_with_agenda(actors, committee, stairwell, publish=False)
    assert client_as(actors.users[who]).get(notice_url(meeting)).status_code == status


def test_the_committee_is_told_to_publish_the_notice_first(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell, publish=False)
    response = client_as(committee).get(notice_url(meeting))
    assert response.status_code == 409
    assert "本次会议的通知尚未发布：请先发布通知，再打印会议文件。" in response.content.decode()


@pytest.mark.parametrize("who", ["other_household", "other_committee"])
def test_another_communitys_people_cannot_print_a_published_notice(client_as, actors, committee, stairwell, who):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    assert client_as(actors.users[who]).get(notice_url(meeting)).status_code == 403


def test_the_meeting_page_links_the_documents(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    household_page = client_as(actors.users["household"]).get(f"/meetings/{meeting.pk}/").content.decode()
    assert notice_url(meeting) in household_page and ballots_url(meeting) not in household_page
    committee_page = client_as(committee).get(f"/meetings/{meeting.pk}/").content.decode()
    assert notice_url(meeting) in committee_page and ballots_url(meeting) in committee_page
    draft = meeting_with_agenda(actors, committee, stairwell, publish=False)
    draft_page = client_as(committee).get(f"/meetings/{draft.pk}/").content.decode()
    assert notice_url(draft) not in draft_page and ballots_url(draft) not in draft_page


# --- The ballots ---------------------------------------------------------------------------------------------------


def ballot_pages(pdf: bytes) -> list[str]:
    return [page.extract_text().replace("\n", "") for page in pdf_reader(pdf).pages]


def test_the_batch_of_ballots_is_a_job_with_one_page_per_household(
    client_as, actors, committee, stairwell, django_capture_on_commit_callbacks
):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    client = client_as(committee)
    page = client.get(ballots_url(meeting))
    assert page.status_code == 200
    assert "共 13 户" in page.content.decode()  # 3号楼5单元's 12 and the bound household
    assert not DocumentJob.objects.exists()  # a GET only asks
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(ballots_url(meeting))
    assert len(callbacks) == 1
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/jobs/{job.pk}/"
    assert (job.kind, job.state, job.community, job.params["meeting"]) == (
        "meeting_ballots",
        "queued",
        actors.community,
        meeting.pk,
    )
    assert client.get(f"/documents/jobs/{job.pk}/progress.json").json()["percent"] == 0

    call_command("run_document_job", job.pk)

    status = client.get(f"/documents/jobs/{job.pk}/progress.json").json()
    assert (status["state"], status["percent"], status["pages_done"], status["pages_total"]) == ("done", 100, 13, 13)
    pdf = response_bytes(client.get(status["download_url"]))
    pages = ballot_pages(pdf)
    assert len(pages) == 13
    households = {h.code: h for h in [*stairwell, actors.household_obj]}
    seen = set()
    for text in pages:
        codes = [code for code in households if f"户号 {code}" in text]
        assert len(codes) == 1, text
        seen.add(codes[0])
        household = households[codes[0]]
        assert household.owner.name in text
        assert f"{meeting.title} 表决票" in text
        assert "建电动车车库" in text and "第二届业主委员会" in text
        assert "最多选2人，多选无效。" in text
        assert all(name in text for name in ("王建国", "李秀兰", "赵强"))
        assert text.count("同意") >= 2 and "不同意" in text and "弃权" in text
        assert "未填写的事项，视为弃权（计为已参加表决）。" in text
        # The entrance's matter is on every ballot, to be voted only by 3号楼5单元.
        outside = "本户不参加此事项的表决。" in text
        assert outside == (household not in stairwell), codes
    assert seen == set(households)
    # Roster order: top floor first within the entrance.
    order = [next(code for code in households if f"户号 {code}" in text) for text in pages]
    assert order.index("3-5-601") < order.index("3-5-101")
    # The household code is printed big and carried by a QR code on every page.
    first = pdf_reader(pdf).pages[0].get_contents().get_data()
    assert first.count(b" l\n") > 100


def open_voting(meeting, committee):
    """Bring the window to now, then open voting through the lifecycle service (it freezes the electorates)."""
    from datetime import timedelta

    from django.utils import timezone

    from lifecycle.services import meeting_open_voting

    now = timezone.now()
    type(meeting).objects.filter(pk=meeting.pk).update(
        voting_opens_at=now - timedelta(minutes=1), voting_closes_at=now + timedelta(days=3)
    )
    meeting.refresh_from_db()
    return meeting_open_voting(meeting=meeting, by=committee)


def test_the_ballots_follow_the_frozen_electorate_once_voting_opened(actors, committee, stairwell):
    meeting = open_voting(meeting_with_agenda(actors, committee, stairwell), committee)
    assert MeetingElector.objects.filter(meeting=meeting).count() == 13
    late = HouseholdFactory(entrance=stairwell[0].entrance, room="701", floor=7)  # joined the roster after opening
    assert meeting_documents.electorate_size(meeting) == 13
    pages = ballot_pages(meeting_documents.render_meeting_ballots(meeting, base_url="http://testserver"))
    assert len(pages) == 13
    assert not any(f"户号 {late.code}" in text for text in pages)
    # The entrance's matter: its frozen electorate is 3号楼5单元's 12 households.
    assert sum("本户不参加此事项的表决。" in text for text in pages) == 1


def test_each_ballots_qr_code_opens_the_paper_entry_on_its_household(client_as, actors, committee, stairwell):
    from meetings.selectors import agenda_rows

    meeting = open_voting(meeting_with_agenda(actors, committee, stairwell), committee)
    households = meeting_documents.ballot_households(meeting, agenda_rows(meeting), base_url="http://testserver")
    ballot = next(h for h in households if h.code == "3-5-502")
    assert ballot.entry == f"http://testserver/meetings/{meeting.pk}/paper/?household={stairwell[9].pk}"
    from documents import ballot_sheets

    agenda = meeting_documents.ballot_agenda(agenda_rows(meeting))
    text = meeting_documents.ballot_text(meeting, base_url="http://testserver")
    assert join_qr_svg(ballot.entry) in ballot_sheets.ballots_html([ballot], agenda, text)
    page = client_as(actors.users["secretary"]).get(ballot.entry.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert stairwell[9].code in page.content.decode()


def test_the_ballots_are_for_the_committee_and_secretary_of_the_community(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    assert client_as(actors.users["secretary"]).get(ballots_url(meeting)).status_code == 200
    for who in ("household", "canvasser", "other_committee"):
        assert client_as(actors.users[who]).post(ballots_url(meeting)).status_code == 403
    assert client_as(None).post(ballots_url(meeting)).status_code == 302
    assert not DocumentJob.objects.exists()


def test_a_draft_meeting_has_no_ballots_and_nothing_is_queued(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell, publish=False)
    response = client_as(committee).post(ballots_url(meeting))
    assert response.status_code == 409
    assert "请先发布通知" in response.content.decode()
    assert not DocumentJob.objects.exists()


def test_a_meeting_with_no_agenda_is_refused_clearly_and_nothing_is_queued(client_as, actors, committee, stairwell):
    meeting = make_meeting(actors.community, committee)
    # The publishing service refuses an empty agenda; a meeting that got there anyway is refused here too.
    type(meeting).objects.filter(pk=meeting.pk).update(
        state=MeetingState.NOTICE, notice_published_at=meeting.created_at
    )
    client = client_as(committee)
    for response in (
        client.get(ballots_url(meeting)),
        client.post(ballots_url(meeting)),
        client.get(notice_url(meeting)),
    ):
        assert response.status_code == 409
        assert "本次会议没有任何议程，没有可打印的内容。" in response.content.decode()
    assert not DocumentJob.objects.exists()


def test_the_job_page_is_refused_to_households(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    client_as(committee).post(ballots_url(meeting))
    job = DocumentJob.objects.get()
    assert client_as(actors.users["household"]).get(f"/documents/jobs/{job.pk}/").status_code == 403
    assert client_as(actors.users["secretary"]).get(f"/documents/jobs/{job.pk}/").status_code == 200


def test_progress_is_reported_chunk_by_chunk(actors, committee, stairwell, monkeypatch):
    from documents import ballot_sheets

    monkeypatch.setattr(ballot_sheets, "PAGES_PER_CHUNK", 5)
    meeting = meeting_with_agenda(actors, committee, stairwell)
    seen = []
    meeting_documents.render_meeting_ballots(
        meeting, base_url="http://testserver", workers=1, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(0, 13), (5, 13), (10, 13), (13, 13)]


def test_the_ballot_lines_are_in_the_readers_language(actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    lines = pdf_lines(meeting_documents.render_meeting_ballots(meeting, base_url="http://testserver"))
    assert "表决事项（每项选一格打“√”）" in lines
    assert any(line.startswith("业主签名") for line in lines)


def test_a_large_communitys_ballots_can_be_made_building_by_building(client_as, actors, committee, stairwell):
    meeting = meeting_with_agenda(actors, committee, stairwell)
    building = stairwell[0].entrance.building
    client = client_as(committee)
    page = client.get(ballots_url(meeting)).content.decode()
    assert f'action="?building={building.pk}"' in page
    assert "3号楼：12 张表决票" in page and f"{actors.household_obj.entrance.building}：1 张表决票" in page
    response = client.post(f"{ballots_url(meeting)}?building={building.pk}")
    job = DocumentJob.objects.get()
    assert response["Location"] == f"/documents/jobs/{job.pk}/"
    assert job.params["building"] == building.pk and "3号楼" in job.title

    call_command("run_document_job", job.pk)

    job.refresh_from_db()
    assert (job.state, job.pages_total) == ("done", 12)
    pages = ballot_pages(job.file.read())
    assert len(pages) == 12 and all("户号 3-5-" in text for text in pages)
    # Another community's building, or a number that is none: not found, nothing queued.
    other = EntranceFactory(building__community=actors.other_community).building
    for value in (other.pk, "x"):
        assert client.post(f"{ballots_url(meeting)}?building={value}").status_code == 404
    assert DocumentJob.objects.count() == 1
