"""The owners' meeting's resolution (会议决议) and result notice (会议结果公告): made once the meeting has closed, with
every matter as its proposal's resolution says it and every election's elected, alternates and tied; signed by the
committee as a proposal's is, verified by its fingerprint or its pasted text, printed; a passed matter is billed."""

import json
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from community.models import Household, Role
from costs.models import Bill, CostMethod, Sharers
from costs.services import cost_plan_create, line_item_add
from lifecycle.services import meeting_close
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.models import Approval, Election, MeetingState
from meetings.selectors import election_outcome
from meetings.services import agenda_election_add, agenda_matter_add, candidate_add
from proposals.models import Proposal, State
from resolutions import canonical as resolution
from resolutions.models import NoticeStage, Resolution, ResultNotice, Signature, SignerRole
from resolutions.selectors import meeting_resolution_content, resolution_canonical, resolution_content
from resolutions.services import resolution_sign, result_notice_publish
from tests.documents.conftest import pdf_text
from tests.factories import RoleFactory, build_community
from tests.meetings.conftest import (  # noqa: F401 - the meeting fixtures
    end_window,
    make_meeting,
    make_proposal,
    open_voting_now,
    voting_meeting,
)
from tests.resolutions.conftest import PASSWORD
from voting import engine
from voting.models import Channel, Choice

pytestmark = pytest.mark.django_db

A, D = Choice.AGREE, Choice.DISAGREE


def cast(meeting, household, by, matters, picks, election):
    answers = Answers(matters, {election.pk: frozenset(c.pk for c in picks)})
    return meeting_ballot_cast(meeting=meeting, household=household, answers=answers, channel=Channel.ONLINE, by=by)


def close(vm):
    end_window(vm.meeting)
    meeting_close(meeting=vm.meeting, by=vm.committee)
    vm.meeting.refresh_from_db()
    return vm.meeting


@pytest.fixture
def voted(voting_meeting):  # noqa: F811
    """Every flat votes (flats 0 and 1 are one owner's, so 7 heads): the first matter passes, the second (a major
    matter, 3/4 needed) does not; 王芳 is elected with 6 heads, 李强 and 张伟 have 4 heads each and 李强 the larger
    area, so 李强 takes the second seat and 张伟 is the alternate (the election provides for one)."""
    vm = voting_meeting
    Election.objects.filter(pk=vm.election.pk).update(alternates=1)
    vm.election.refresh_from_db()
    c0, c1, c2 = vm.candidates
    h = vm.households
    first, second = vm.matters
    for household, (one, two), picks in [
        (h[0], (A, A), (c0, c1)),
        (h[2], (A, D), (c0, c1)),
        (h[3], (A, D), (c0, c2)),
        (h[4], (A, A), (c0, c1)),
        (h[5], (A, D), (c0, c2)),
        (h[6], (A, A), (c0, c2)),
        (h[7], (A, D), (c1, c2)),
    ]:
        cast(vm.meeting, household, vm.committee, {first.pk: one, second.pk: two}, picks, vm.election)
    return vm


@pytest.fixture
def closed(voted):
    close(voted)
    return voted


@pytest.fixture
def tied(db):
    """A meeting of 8 equal flats electing 2 of 3: 7 households vote, 王芳 gets 6, 李强 and 张伟 4 each with the same
    area: they tie for the last seat."""
    community = build_community(buildings=1, entrances=2, floors=2, rooms_per_floor=2)
    Household.objects.of(community).update(area="80.00")
    households = list(Household.objects.of(community).order_by("entrance__name", "room"))
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    meeting = make_meeting(community, committee)
    election = agenda_election_add(meeting=meeting, by=committee, title="第二届业主委员会", seats=2, alternates=1)
    c0, c1, c2 = [candidate_add(election=election, by=committee, name=name) for name in ("王芳", "李强", "张伟")]
    open_voting_now(meeting, committee)
    meeting.refresh_from_db()
    for household, picks in zip(
        households, [(c0, c1), (c0, c1), (c0, c1), (c0, c2), (c0, c2), (c0, c2), (c1, c2)], strict=False
    ):
        cast(meeting, household, committee, {}, picks, election)
    vm = SimpleNamespace(meeting=meeting, committee=committee, election=election)
    close(vm)
    return vm


# --- The content -----------------------------------------------------------------------------------------------


def test_the_content_lists_every_matter_in_agenda_order_as_its_proposals_resolution_says_it(closed):
    content = meeting_resolution_content(closed.meeting)
    assert content["format"] == resolution.MEETING_FORMAT
    assert [m["number"] for m in content["matters"]] == [1, 2]
    for matter, proposal in zip(content["matters"], closed.matters, strict=True):
        proposal.refresh_from_db()
        assert proposal.state == State.CLOSED
        # The matter is exactly what the proposal's own resolution says: rule, figures, head of its ballot log.
        assert matter["resolution"] == resolution_content(proposal)
        assert matter["resolution"]["ballots"] == {"seq": proposal.ballot_seq, "hash": proposal.ballot_hash}
        assert matter["resolution"]["tally"]["participated"]["heads"] == 7
    first, second = (m["resolution"] for m in content["matters"])
    assert first["tally"]["passed"] is True and first["rule"]["code"] == "civil_code_ordinary"
    assert first["tally"]["agree"]["households"] == 8
    assert second["tally"]["passed"] is False and second["rule"]["code"] == "civil_code_major"
    assert second["tally"]["agree"]["heads"] == 3 and second["tally"]["disagree"]["heads"] == 4


def test_the_content_names_the_elected_and_the_alternates_with_every_candidates_figures(closed):
    content = meeting_resolution_content(closed.meeting)
    (election,) = content["elections"]
    closed.election.refresh_from_db()
    outcome = election_outcome(closed.election)
    assert election["number"] == 3 and election["title"] == "第二届业主委员会"
    assert election["seats"] == 2 and election["alternates_provided"] == 1
    assert election["elected"] == ["王芳", "李强"]
    assert election["alternates"] == ["张伟"]
    assert election["tied"] == [] and election["open_seats"] == 0 and election["invalid"] == 0
    assert election["ballots"] == {"seq": closed.election.ballot_seq, "hash": closed.election.ballot_hash}
    assert closed.election.ballot_seq == 8  # one entry per flat: flats 0 and 1 vote together
    figures = {c["name"]: (c["tally"]["agree"]["heads"], c["rank"], c["standing"]) for c in election["candidates"]}
    assert figures == {"王芳": (6, 1, "elected"), "李强": (4, 2, "elected"), "张伟": (4, 3, "alternate")}
    # The same figures as the engine's result, which the meeting's pages read.
    for candidate, key in zip(election["candidates"], outcome.results, strict=True):
        assert candidate["id"] == int(key)
        assert candidate["tally"]["agree"]["area"] == outcome.results[key].agree.area


def test_no_more_alternates_than_the_election_provides(closed):
    Election.objects.filter(pk=closed.election.pk).update(alternates=0)
    (election,) = meeting_resolution_content(closed.meeting)["elections"]
    assert election["alternates"] == [] and election["elected"] == ["王芳", "李强"]


def test_candidates_tied_for_the_last_seat_are_listed_for_a_run_off(tied):
    (election,) = meeting_resolution_content(tied.meeting)["elections"]
    assert election["elected"] == ["王芳"]
    assert election["tied"] == ["李强", "张伟"]
    assert election["alternates"] == [] and election["open_seats"] == 1
    text = pdf_text(_pdf_of(tied.meeting))
    assert "李强、张伟" in text and "决选" in text


def test_the_election_section_is_a_pure_function_of_the_engines_result():
    voters = [engine.Voter(key=k, area=Decimal("80.00"), owner=k) for k in "abcde"]
    approvals = {"a": {"x", "y"}, "b": {"x", "y"}, "c": {"x", "z"}, "d": {"y", "z"}, "e": {"x", "y", "z"}}
    result = engine.elect(engine.CIVIL_CODE_ORDINARY, voters, approvals, ["x", "y", "z"], 2)
    candidates = {key: {"name": name} for key, name in (("x", "王芳"), ("y", "李强"), ("z", "张伟"))}
    section = resolution.election_section(result, candidates=candidates, alternates=1)
    # e named more than the seats: it took part, agreed with no one. 张伟 has 2 of 5: not qualified, no alternate.
    assert section["elected"] == ["王芳", "李强"] and section["alternates"] == [] and section["invalid"] == 1
    assert [(c["standing"], c["rank"], c["qualified"]) for c in section["candidates"]] == [
        ("elected", 1, True),
        ("elected", 2, True),
        ("", None, False),
    ]
    assert section["candidates"][2]["tally"]["agree"] == {"households": 2, "heads": 2, "area": Decimal("160.00")}
    # Only the engine's candidates, in ballot order, can be named.
    with pytest.raises(ValueError):
        resolution.election_section(result, candidates=dict(reversed(candidates.items())), alternates=1)
    assert resolution.canonical(section) == resolution.canonical(
        resolution.election_section(result, candidates=candidates, alternates=1)
    )


def test_a_resolution_and_a_notice_belong_to_exactly_one_proposal_or_meeting(closed):
    proposal = closed.matters[0]
    for fields in ({}, {"proposal": proposal, "meeting": closed.meeting}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Resolution.objects.create(content="{}", fingerprint=f"{len(fields)}" * 64, **fields)
        with pytest.raises(IntegrityError), transaction.atomic():
            ResultNotice.objects.create(
                stage=NoticeStage.FINAL, content="{}", published_at=timezone.now(), by=closed.committee, **fields
            )


# --- Generating and signing --------------------------------------------------------------------------------------


def test_generating_before_the_meeting_closes_is_refused_with_a_clear_message(voted, client_as):
    with pytest.raises(ValidationError) as error, translation.override("en"):
        resolution_sign(meeting=voted.meeting, user=voted.committee, password=PASSWORD)
    assert error.value.code == "state"
    assert (
        "once the meeting has closed at the end of its voting window; this meeting is voting"
        in (error.value.messages[0])
    )
    client = client_as(voted.committee)
    page = client.get(f"/meetings/{voted.meeting.pk}/resolution/")
    assert page.status_code == 409
    assert "会议表决结束、会议关闭后才能生成会议决议" in page.content.decode()
    assert client.get(f"/meetings/{voted.meeting.pk}/resolution.pdf").status_code == 409
    response = client.post(f"/meetings/{voted.meeting.pk}/resolution/sign/", {"password": PASSWORD})
    assert "会议表决结束、会议关闭后才能生成" in client.get(response["Location"]).content.decode()
    with pytest.raises(ValidationError):
        result_notice_publish(meeting=voted.meeting, by=voted.committee, stage=NoticeStage.PRELIMINARY)
    assert not Resolution.objects.exists() and not ResultNotice.objects.exists()


def test_committee_members_sign_in_their_office_and_the_first_signature_freezes_the_content(closed, client_as):
    chair = RoleFactory(community=closed.community, kind=Role.Kind.COMMITTEE, office=Role.Office.CHAIR).user
    response = client_as(chair).post(f"/meetings/{closed.meeting.pk}/resolution/sign/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == f"/meetings/{closed.meeting.pk}/resolution/"
    record = Resolution.objects.get()
    assert record.meeting == closed.meeting and record.proposal is None
    assert record.content == resolution_canonical(closed.meeting)
    assert record.fingerprint == resolution.fingerprint(record.content)
    second = resolution_sign(meeting=closed.meeting, user=closed.committee, password=PASSWORD)
    assert second.resolution == record
    assert [(s.user, s.role) for s in Signature.objects.all()] == [
        (chair, SignerRole.CHAIR),
        (closed.committee, SignerRole.MEMBER),
    ]
    with pytest.raises(ValidationError) as twice:
        resolution_sign(meeting=closed.meeting, user=chair, password=PASSWORD)
    assert twice.value.code == "already_signed"
    page = client_as(chair).get(f"/meetings/{closed.meeting.pk}/resolution/").content.decode()
    assert record.fingerprint in page and "王芳、李强" in page


@pytest.mark.parametrize("who", ["secretary", "household", "other_committee"])
def test_anybody_else_is_refused_and_nothing_is_signed(closed, client_as, who):
    community = closed.community
    if who == "secretary":
        user = RoleFactory(community=community, kind=Role.Kind.SECRETARY).user
    elif who == "household":
        user = closed.user
    else:
        user = RoleFactory(kind=Role.Kind.COMMITTEE).user  # the committee of another community
    with pytest.raises(ValidationError) as error:
        resolution_sign(meeting=closed.meeting, user=user, password=PASSWORD)
    assert error.value.code == "no_role"
    response = client_as(user).post(f"/meetings/{closed.meeting.pk}/resolution/sign/", {"password": PASSWORD})
    assert response.status_code == (403 if who == "other_committee" else 302)
    with pytest.raises(ValidationError) as wrong:
        resolution_sign(meeting=closed.meeting, user=closed.committee, password="wrong")
    assert wrong.value.code == "wrong_password"
    assert not Resolution.objects.exists() and not Signature.objects.exists()


# --- Verifying -------------------------------------------------------------------------------------------------


@pytest.fixture
def signed(closed):
    resolution_sign(meeting=closed.meeting, user=closed.committee, password=PASSWORD)
    closed.record = Resolution.objects.get(meeting=closed.meeting)
    return closed


def test_the_fingerprint_verifies_the_meeting_resolution(signed, client):
    page = client.get(f"/verify/{signed.record.fingerprint}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "记录完好" in text and signed.meeting.title in text and "王芳、李强" in text and "张伟" in text


def test_pasting_the_fingerprint_or_the_text_finds_it_and_a_changed_text_does_not(signed, client):
    where = f"/verify/{signed.record.fingerprint}"
    assert client.post("/verify/", {"text": f"  {signed.record.fingerprint.upper()} "})["Location"] == where
    assert client.post("/verify/", {"text": signed.record.content})["Location"] == where
    # Copied with line breaks and indentation, it is still the same content.
    pretty = json.dumps(json.loads(signed.record.content), ensure_ascii=False, indent=2)
    assert client.post("/verify/", {"text": pretty})["Location"] == where
    changed = signed.record.content.replace('"elected":["王芳","李强"]', '"elected":["王芳","张伟"]')
    assert changed != signed.record.content
    response = client.post("/verify/", {"text": changed})
    assert response.status_code == 404 and "与任何已签署的决议都不相符" in response.content.decode()
    assert client.post("/verify/", {"text": "not a resolution"}).status_code == 404
    assert client.get("/verify/").status_code == 200


def _delete_approval(approval):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Approval._meta.db_table} WHERE id = %s", [approval.pk])


def test_the_committee_downloads_the_signed_text_that_the_verify_page_takes(signed, client_as):
    where = f"/meetings/{signed.meeting.pk}/resolution.json"
    assert where in client_as(signed.committee).get(f"/meetings/{signed.meeting.pk}/resolution/").content.decode()
    response = client_as(signed.committee).get(where)
    assert response.status_code == 200 and response.content.decode() == signed.record.content
    assert resolution.fingerprint(response.content.decode()) == signed.record.fingerprint
    # The share tables name every household: not for households nor the public.
    assert client_as(signed.user).get(where).status_code == 403
    assert client_as(None).get(where)["Location"].startswith("/accounts/login/")


def test_an_election_ballot_changed_behind_the_platforms_back_shows_on_the_verify_page(signed, client):
    # The last flat (an owner of one flat) no longer agrees with 李强: the election's figures change.
    _delete_approval(Approval.objects.get(candidate=signed.candidates[1], ballot__household=signed.households[7]))
    page = client.get(f"/verify/{signed.record.fingerprint}").content.decode()
    assert "记录已被改动" in page and "选举及其结果" in page
    assert "表决事项及其结果" not in page  # the matters are untouched


def test_ballots_no_platform_write_can_produce_show_as_altered(signed, client):
    # Flats 0 and 1 are one owner's: one of them alone loses an approval, which the engine refuses to count.
    _delete_approval(Approval.objects.filter(ballot__household=signed.households[0]).first())
    page = client.get(f"/verify/{signed.record.fingerprint}")
    assert page.status_code == 200
    assert "记录已被改动" in page.content.decode()


def test_the_verify_page_finds_a_matters_own_resolution_and_the_meetings_apart(signed, client):
    matter = signed.matters[0]
    matter.refresh_from_db()
    resolution_sign(proposal=matter, user=signed.committee, password=PASSWORD)
    own = Resolution.objects.get(proposal=matter)
    assert own.fingerprint != signed.record.fingerprint
    page = client.get(f"/verify/{own.fingerprint}").content.decode()
    assert "记录完好" in page and "电动车车库" in page and "第二届业主委员会" not in page
    assert client.post("/verify/", {"text": own.content})["Location"] == f"/verify/{own.fingerprint}"


# --- The printed resolution and the notice -----------------------------------------------------------------------


def _pdf_of(meeting, user=None):
    from django.test import Client

    client = Client()
    client.force_login(user or meeting.created_by)
    response = client.get(f"/meetings/{meeting.pk}/resolution.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_pdf_renders_with_the_chinese_text(signed):
    text = pdf_text(_pdf_of(signed.meeting))
    for words in (
        "业主大会会议决议",
        signed.meeting.title,
        "电动车车库",
        "使用维修资金",
        "第二届业主委员会",
        "王芳、李强",
        "张伟",
        "当选",
        "候补",
        signed.record.fingerprint[:32],
    ):
        assert words in text, words
    assert "未签署" not in text


def test_the_result_notice_has_an_objection_window_then_the_final_notice_publishes_the_matters(signed, client_as):
    client = client_as(signed.committee)
    response = client.post(
        f"/meetings/{signed.meeting.pk}/notices/",
        {"stage": "preliminary", "objection_days": "7", "note": "异议请交业委会"},
    )
    assert response.status_code == 302
    notice = ResultNotice.objects.get()
    assert notice.meeting == signed.meeting and notice.proposal is None
    assert notice.content == signed.record.content and notice.fingerprint == signed.record.fingerprint
    text = pdf_text(client.get(f"/meetings/{signed.meeting.pk}/notices/{notice.pk}.pdf").content)
    assert "会议结果公告" in text and "王芳、李强" in text and "异议请交业委会" in text
    with pytest.raises(ValidationError) as early:
        result_notice_publish(meeting=signed.meeting, by=signed.committee, stage=NoticeStage.FINAL)
    assert early.value.code == "window_open"
    ResultNotice.objects.filter(pk=notice.pk).update(
        published_at=timezone.now() - timedelta(days=8), objections_until=timezone.now() - timedelta(days=1)
    )
    final = result_notice_publish(meeting=signed.meeting, by=signed.committee, stage=NoticeStage.FINAL)
    assert final.stage == NoticeStage.FINAL
    assert set(Proposal.objects.filter(pk__in=[m.pk for m in signed.matters]).values_list("state", flat=True)) == {
        State.PUBLISHED
    }


def test_the_meeting_page_links_the_resolution_for_the_committee_once_closed_and_households_once_signed(
    closed, client_as
):
    where = f"/meetings/{closed.meeting.pk}/resolution/"
    assert where in client_as(closed.committee).get(f"/meetings/{closed.meeting.pk}/").content.decode()
    assert where not in client_as(closed.user).get(f"/meetings/{closed.meeting.pk}/").content.decode()
    resolution_sign(meeting=closed.meeting, user=closed.committee, password=PASSWORD)
    assert where in client_as(closed.user).get(f"/meetings/{closed.meeting.pk}/").content.decode()


def test_who_may_open_the_meetings_resolution_pages(closed, client_as):
    where = f"/meetings/{closed.meeting.pk}/resolution/"
    assert client_as(None).get(where)["Location"].startswith("/accounts/login/")
    assert client_as(RoleFactory(kind=Role.Kind.COMMITTEE).user).get(where).status_code == 403
    draft = client_as(closed.committee).get(where).content.decode()
    assert "草稿（未签署）" in draft and "签署决议" in draft
    household = client_as(closed.user)
    assert household.get(where).status_code == 200
    refused = household.post(f"/meetings/{closed.meeting.pk}/notices/", {"stage": "preliminary"})
    assert refused.status_code == 403 and not ResultNotice.objects.exists()


def test_the_committee_sees_no_link_while_voting(voted, client_as):
    page = client_as(voted.committee).get(f"/meetings/{voted.meeting.pk}/").content.decode()
    assert f"/meetings/{voted.meeting.pk}/resolution/" not in page


# --- 一事一议: a passed matter with a cost plan is billed when the meeting closes ----------------------------------


def test_closing_the_meeting_bills_a_passed_matter_with_a_cost_plan(db):
    community = build_community(buildings=1, entrances=1, floors=2, rooms_per_floor=2)
    households = list(Household.objects.of(community))
    committee = RoleFactory(community=community, kind=Role.Kind.COMMITTEE).user
    meeting = make_meeting(community, committee)
    billed = make_proposal(community, committee, State.CONSULTATION, title="更换单元门")
    cost_plan_create(proposal=billed, by=committee, method=CostMethod.AREA, sharers=Sharers.SCOPE)
    line_item_add(proposal=billed, description="单元门及安装", amount="1000.00")
    refused = make_proposal(community, committee, State.CONSULTATION, title="外墙翻新")
    cost_plan_create(proposal=refused, by=committee, method=CostMethod.AREA, sharers=Sharers.SCOPE)
    line_item_add(proposal=refused, description="外墙", amount="9000.00")
    for proposal in (billed, refused):
        agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    open_voting_now(meeting, committee)
    meeting.refresh_from_db()
    for household in households:
        answers = Answers({billed.pk: A, refused.pk: D}, {})
        meeting_ballot_cast(meeting=meeting, household=household, answers=answers, channel=Channel.ONLINE, by=committee)
    assert not Bill.objects.exists()
    end_window(meeting)
    meeting_close(meeting=meeting, by=committee)
    assert meeting.__class__.objects.get(pk=meeting.pk).state == MeetingState.CLOSED
    bills = Bill.objects.filter(proposal=billed)
    assert bills.count() == 4 and sum(bill.amount for bill in bills) == 1000
    assert not Bill.objects.filter(proposal=refused).exists()
    # The resolution carries the matter's cost sharing as the proposal's own resolution does.
    (first, second) = meeting_resolution_content(meeting)["matters"]
    assert first["resolution"]["costs"]["to_share"] == 1000 and first["resolution"]["tally"]["passed"] is True
    assert second["resolution"]["tally"]["passed"] is False


def test_a_rewritten_election_log_fails_the_check(signed):
    from meetings.models import ElectionEvent
    from resolutions.selectors import resolution_check

    record, election = signed.record, signed.election
    assert resolution_check(record, record.fingerprint, fresh=True).audit_problems == []
    ElectionEvent.objects.filter(election=election, seq=1).update(new="")
    check = resolution_check(record, record.fingerprint, fresh=True)
    assert any(problem.startswith(f"{election.title}: ") for problem in check.audit_problems)
