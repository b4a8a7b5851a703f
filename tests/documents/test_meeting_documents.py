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


# --- A large batch: a ZIP of PDF volumes -----------------------------------------------------------------------------


def walking_households(meeting, **kwargs):
    from meetings.selectors import agenda_rows

    rows = agenda_rows(meeting)
    return meeting_documents.ballot_households(meeting, rows, base_url="http://testserver", **kwargs)


def walking_order(meeting, **kwargs) -> list[str]:
    return [household.code for household in walking_households(meeting, **kwargs)]


def walking_places(meeting, **kwargs) -> list[str]:
    return [household.place for household in walking_households(meeting, **kwargs)]


def page_codes(pdf: bytes, codes) -> list[str]:
    found = []
    for text in ballot_pages(pdf):
        matches = [code for code in codes if f"户号 {code}" in text]
        assert len(matches) == 1, text
        found.append(matches[0])
    return found


def run_ballots_job(client, meeting, query: str = "") -> DocumentJob:
    client.post(f"{ballots_url(meeting)}{query}")
    job = DocumentJob.objects.latest("pk")
    call_command("run_document_job", job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.message
    return job


def test_a_batch_larger_than_a_volume_is_a_zip_of_volumes_in_walking_order(
    client_as, actors, committee, stairwell, settings
):
    import io
    import zipfile

    settings.MEETING_BALLOTS_PER_VOLUME = 5
    meeting = meeting_with_agenda(actors, committee, stairwell)
    client = client_as(committee)
    page = client.get(ballots_url(meeting)).content.decode()
    assert "表决票超过 5 张：文件是 ZIP 压缩包，按楼栋、单元、楼层顺序分为 3 册 PDF，每册最多 5 张。" in page
    job = run_ballots_job(client, meeting)
    assert (job.pages_total, job.params["volumes"]) == (13, 3)
    assert job.file.name.endswith(".zip")

    page = client.get(f"/documents/jobs/{job.pk}/").content.decode()
    assert "下载 ZIP 压缩包（共3册）" in page and "内含3册 PDF" in page
    status = client.get(f"/documents/jobs/{job.pk}/progress.json").json()  # what the page's script shows when done
    assert status["download_label"] == "下载 ZIP 压缩包（共3册）" and "内含3册 PDF" in status["download_note"]
    response = client.get(f"/documents/jobs/{job.pk}/download/")
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"meeting-ballots-{actors.community.slug}-{meeting.pk}.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response_bytes(response)))
    assert archive.testzip() is None

    order = walking_order(meeting)
    assert len(order) == 13
    names = archive.namelist()
    # Volumes of 5, 5 and 3 ballots, named by number and by their first and last flat, in walking order.
    places = walking_places(meeting)
    assert names == [
        f"表决票-第01册-{places[0]}至{places[4]}.pdf",
        f"表决票-第02册-{places[5]}至{places[9]}.pdf",
        f"表决票-第03册-{places[10]}至{places[12]}.pdf",
    ]
    assert "3号楼5单元602" in places[:5] and "3号楼5单元101" in places
    volumes = [archive.read(name) for name in names]
    assert [len(pdf_reader(pdf).pages) for pdf in volumes] == [5, 5, 3]
    assert [code for pdf in volumes for code in page_codes(pdf, order)] == order
    assert pdf_reader(volumes[1]).metadata.title.endswith("第2册")


def test_a_buildings_batch_is_cut_into_volumes_too(client_as, actors, committee, stairwell, settings):
    import zipfile

    settings.MEETING_BALLOTS_PER_VOLUME = 5
    meeting = meeting_with_agenda(actors, committee, stairwell)
    building = stairwell[0].entrance.building
    job = run_ballots_job(client_as(committee), meeting, f"?building={building.pk}")
    assert (job.pages_total, job.params["volumes"]) == (12, 3)
    archive = zipfile.ZipFile(job.file.open("rb"))
    order = walking_order(meeting, building_id=building.pk)
    assert all(code.startswith("3-5-") for code in order) and len(order) == 12
    volumes = [archive.read(name) for name in archive.namelist()]
    assert [len(pdf_reader(pdf).pages) for pdf in volumes] == [5, 5, 2]
    assert [code for pdf in volumes for code in page_codes(pdf, order)] == order
    assert archive.namelist()[2] == "表决票-第03册-3号楼5单元101至3号楼5单元102.pdf"


def test_a_batch_within_a_volume_stays_one_pdf(client_as, actors, committee, stairwell, settings):
    settings.MEETING_BALLOTS_PER_VOLUME = 13
    meeting = meeting_with_agenda(actors, committee, stairwell)
    client = client_as(committee)
    job = run_ballots_job(client, meeting)
    assert job.file.name.endswith(".pdf") and not job.params.get("volumes")
    assert "ZIP" not in client.get(ballots_url(meeting)).content.decode()
    page = client.get(f"/documents/jobs/{job.pk}/").content.decode()
    assert "下载 PDF" in page and "ZIP" not in page
    response = client.get(f"/documents/jobs/{job.pk}/download/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert f"meeting-ballots-{actors.community.slug}-{meeting.pk}.pdf" in response["Content-Disposition"]
    assert page_codes(response_bytes(response), walking_order(meeting)) == walking_order(meeting)


def test_volumes_rendered_by_worker_processes_keep_their_pages_in_order(monkeypatch):
    """The parallel path: chunks of several volumes are in flight at once, and each volume gets its own pages."""
    import io
    import zipfile

    from documents import ballot_sheets
    from documents.ballot_sheets import BallotAgenda, BallotHousehold, BallotMatter, BallotText
    from documents.chunked import RenderStats

    monkeypatch.setattr(ballot_sheets, "PAGES_PER_CHUNK", 2)
    households = [BallotHousehold(place=f"9号楼1单元{n}01", owner=f"业主{n}", code=f"9-1-{n}01") for n in range(1, 8)]
    agenda = BallotAgenda(matters=(BallotMatter(1, "建电动车车库", "一般事项"),), elections=())
    text = BallotText(
        community="小区",
        title="表决票",
        window="",
        owner_label="业主",
        code_label="户号",
        matters_heading="事项",
        choices=("同意", "不同意", "弃权"),
        not_in_scope="",
        party="",
        instructions=(),
        signature="",
        folio="户号 {code}",
    )
    out, stats, seen = io.BytesIO(), RenderStats(), []
    names = meeting_documents.render_ballot_volumes(
        households,
        agenda,
        text,
        title="表决票",
        out=out,
        per_volume=3,
        workers=2,
        stats=stats,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert names == [
        "表决票-第01册-9号楼1单元101至9号楼1单元301.pdf",
        "表决票-第02册-9号楼1单元401至9号楼1单元601.pdf",
        "表决票-第03册-9号楼1单元701至9号楼1单元701.pdf",
    ]
    archive = zipfile.ZipFile(out)
    codes = [household.code for household in households]
    volumes = [page_codes(archive.read(name), codes) for name in names]
    assert volumes == [codes[0:3], codes[3:6], codes[6:7]]
    assert (stats.pages, stats.chunks, seen[-1]) == (7, 5, (7, 7))
    assert len(stats.peak_kb) >= 3  # the two workers and this process


# --- A representatives' meeting: one ballot per representative --------------------------------------------------------


def test_a_representatives_meeting_prints_one_ballot_per_representative(client_as, actors, committee, stairwell):
    from community.services import representative_add, representative_remove
    from proposals.models import Electorate

    community = actors.community
    reps = [
        representative_add(community=community, by=committee, name=name, household=stairwell[index])
        for name, index in (("周代表", 0), ("吴代表", 11), ("郑代表", 5))
    ]
    representative_remove(representative=reps[2], by=committee)
    meeting = make_meeting(community, committee, electorate=Electorate.REPRESENTATIVES)
    agenda_matter_add(
        meeting=meeting,
        by=committee,
        proposal=make_proposal(community, committee, State.CONSULTATION, title="居民公约"),
    )
    meeting = meeting_publish_notice(meeting=meeting, by=committee)

    def printed(meeting):
        assert meeting_documents.electorate_size(meeting) == 2
        assert [count for _building, count in meeting_documents.electorate_buildings(meeting)] == [2]
        pages = ballot_pages(meeting_documents.render_meeting_ballots(meeting, base_url="http://testserver"))
        assert len(pages) == 2
        # Walking order: 602 (吴) above 101 (周); each with the representative's name, not the flat's owner's.
        assert "3号楼5单元602" in pages[0] and "居民代表：吴代表" in pages[0]
        assert "3号楼5单元101" in pages[1] and "居民代表：周代表" in pages[1]
        assert not any(stairwell[0].owner.name in page or "郑代表" in page for page in pages)
        assert all("居民代表签名" in page for page in pages)

    printed(meeting)  # before voting opens: the active representatives
    page = client_as(committee).get(ballots_url(meeting)).content.decode()
    assert "本次会议每位居民代表一张表决票，共 2 位居民代表" in page and "共 13 户" not in page
    printed(open_voting(meeting, committee))  # once open: the frozen electorate
    assert MeetingElector.objects.filter(meeting=meeting).count() == 2
