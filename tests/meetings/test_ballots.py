"""The meeting's whole ballot (meetings.ballots): every matter and election at once, one receipt, the blank rule,
an owner's flats voting together, changes until the close, and the chains of every part."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lifecycle.services import meeting_close, meetings_close_due, meetings_open_due, proposal_open_voting
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.models import BlankCountsAs, ElectionBallot, ElectionEvent, Meeting, MeetingElector, MeetingState
from meetings.selectors import election_outcome, household_ballot
from proposals.models import Proposal, State
from proposals.services import proposal_withdraw
from tests.meetings.conftest import end_window, make_meeting, make_proposal, open_voting_now
from voting.audit import ballots_verify
from voting.models import Ballot, BallotEvent, Channel, Choice
from voting.services import VotingError, ballot_cast

pytestmark = pytest.mark.django_db


def cast(vm, household, matters=None, elections=None, **kwargs):
    kwargs = {"channel": Channel.ONLINE, "by": vm.user} | kwargs
    answers = Answers(matters or {}, {k: frozenset(v) for k, v in (elections or {}).items()})
    return meeting_ballot_cast(meeting=vm.meeting, household=household, answers=answers, **kwargs)


def full(vm, choice=Choice.AGREE, picks=(0, 1)):
    return (
        {matter.pk: choice for matter in vm.matters},
        {vm.election.pk: {vm.candidates[i].pk for i in picks}},
    )


def test_opening_freezes_the_meeting_and_every_matter(voting_meeting):
    vm = voting_meeting
    assert vm.meeting.state == MeetingState.VOTING
    assert vm.meeting.electorate_households == 8 and vm.meeting.electorate_heads == 7
    assert MeetingElector.objects.filter(meeting=vm.meeting).count() == 8
    for matter in vm.matters:
        assert matter.state == State.VOTING and matter.on_meeting_ballot
        assert matter.voting_closes_at == vm.meeting.voting_closes_at
        assert matter.electorate_households == 8
    vm.election.refresh_from_db()
    assert len(vm.election.ballot_hash) == 64 and vm.election.ballot_seq == 0


def test_one_ballot_records_every_matter_and_the_election_under_one_receipt(voting_meeting):
    vm = voting_meeting
    matters, elections = full(vm)
    receipt = cast(vm, vm.households[2], matters, elections)
    assert len(receipt) == 8
    assert set(Ballot.objects.filter(household=vm.households[2]).values_list("receipt", flat=True)) == {receipt}
    ballot = ElectionBallot.objects.get(election=vm.election, household=vm.households[2])
    assert ballot.receipt == receipt and not ballot.invalid
    assert set(ballot.approvals.values_list("candidate_id", flat=True)) == {vm.candidates[0].pk, vm.candidates[1].pk}
    mine = household_ballot(vm.meeting, vm.households[2].pk)
    assert mine.matters == {m.pk: Choice.AGREE for m in vm.matters}
    assert mine.elections == {vm.election.pk: frozenset({vm.candidates[0].pk, vm.candidates[1].pk})}
    assert mine.receipt == receipt


def test_an_owners_flats_vote_together(voting_meeting):
    vm = voting_meeting
    matters, elections = full(vm, Choice.DISAGREE, picks=(2,))
    receipt = cast(vm, vm.households[0], matters, elections)
    for household in vm.households[:2]:
        assert household_ballot(vm.meeting, household.pk).matters == {m.pk: Choice.DISAGREE for m in vm.matters}
        assert ElectionBallot.objects.get(household=household).receipt == receipt
    assert ElectionBallot.objects.filter(shared_head=True).count() == 2


def test_confirming_the_same_ballot_again_records_nothing(voting_meeting):
    vm = voting_meeting
    matters, elections = full(vm)
    first = cast(vm, vm.households[2], matters, elections)
    events = BallotEvent.objects.count(), ElectionEvent.objects.count()
    assert cast(vm, vm.households[2], matters, elections) == first
    assert (BallotEvent.objects.count(), ElectionEvent.objects.count()) == events


def test_changing_one_answer_rewrites_the_whole_ballot_under_a_new_receipt(voting_meeting):
    vm = voting_meeting
    matters, elections = full(vm)
    first = cast(vm, vm.households[2], matters, elections)
    matters[vm.matters[1].pk] = Choice.DISAGREE
    second = cast(vm, vm.households[2], matters, elections)
    assert second != first
    assert set(Ballot.objects.filter(household=vm.households[2]).values_list("receipt", flat=True)) == {second}
    assert ElectionBallot.objects.get(household=vm.households[2]).receipt == second
    for matter in vm.matters:
        assert ballots_verify(Proposal.objects.get(pk=matter.pk)) == []


@pytest.mark.parametrize(
    ("blank", "matter_choice", "election_ballots"),
    [(BlankCountsAs.ABSTENTION, Choice.ABSTAIN, 1), (BlankCountsAs.ABSENT, None, 0)],
)
def test_a_blank_counts_as_the_meeting_says(voting_meeting, blank, matter_choice, election_ballots):
    vm = voting_meeting
    Meeting.objects.filter(pk=vm.meeting.pk).update(blank_counts_as=blank)
    vm.meeting.refresh_from_db()
    cast(vm, vm.households[2], {vm.matters[0].pk: Choice.AGREE})
    second = Ballot.objects.filter(proposal=vm.matters[1], household=vm.households[2]).first()
    assert (second.choice if second else None) == matter_choice
    assert ElectionBallot.objects.filter(household=vm.households[2]).count() == election_ballots
    if blank == BlankCountsAs.ABSTENTION:
        assert ElectionBallot.objects.get(household=vm.households[2]).approvals.count() == 0


def test_blanking_an_answer_under_absent_withdraws_it_through_the_log(voting_meeting):
    vm = voting_meeting
    Meeting.objects.filter(pk=vm.meeting.pk).update(blank_counts_as=BlankCountsAs.ABSENT)
    vm.meeting.refresh_from_db()
    matters, elections = full(vm)
    cast(vm, vm.households[2], matters, elections)
    cast(vm, vm.households[2], {vm.matters[0].pk: Choice.AGREE})
    assert not Ballot.objects.filter(proposal=vm.matters[1], household=vm.households[2]).exists()
    assert not ElectionBallot.objects.filter(household=vm.households[2]).exists()
    last = ElectionEvent.objects.filter(household=vm.households[2]).order_by("-seq").first()
    assert last.new == "-"
    assert ballots_verify(Proposal.objects.get(pk=vm.matters[1].pk)) == []


def test_an_empty_ballot_is_refused_when_blanks_do_not_take_part(voting_meeting):
    vm = voting_meeting
    Meeting.objects.filter(pk=vm.meeting.pk).update(blank_counts_as=BlankCountsAs.ABSENT)
    vm.meeting.refresh_from_db()
    with pytest.raises(VotingError, match="empty"):
        cast(vm, vm.households[2])
    assert not Ballot.objects.exists() and not ElectionEvent.objects.exists()


def test_online_more_candidates_than_seats_is_refused_and_nothing_written(voting_meeting):
    vm = voting_meeting
    matters, elections = full(vm, picks=(0, 1, 2))
    with pytest.raises(VotingError, match="at most 2 candidates"):
        cast(vm, vm.households[2], matters, elections)
    assert not Ballot.objects.exists() and not ElectionBallot.objects.exists()


def test_on_paper_more_candidates_than_seats_is_recorded_as_invalid(voting_meeting, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    vm = voting_meeting
    matters, elections = full(vm, picks=(0, 1, 2))
    scan = SimpleUploadedFile("ballot.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    cast(vm, vm.households[3], matters, elections, channel=Channel.PAPER, by=vm.committee, evidence=scan)
    ballot = ElectionBallot.objects.get(household=vm.households[3])
    assert ballot.invalid and ballot.approvals.count() == 0 and ballot.evidence
    assert Ballot.objects.filter(household=vm.households[3]).first().evidence == ballot.evidence.name
    outcome = election_outcome(vm.election)
    assert outcome.invalid == [str(vm.households[3].pk)]
    assert outcome.results[str(vm.candidates[0].pk)].participated.households == 1
    assert outcome.results[str(vm.candidates[0].pk)].agree.households == 0


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"matters": {999999: Choice.AGREE}}, "not on this meeting's agenda"),
        ({"matters": {"m0": "maybe"}}, "agree, disagree or abstain"),
        ({"elections": {"e": {999999}}}, "not a candidate"),
    ],
)
def test_answers_off_the_agenda_are_refused(voting_meeting, answers, message):
    vm = voting_meeting
    matters = {vm.matters[0].pk if k == "m0" else k: v for k, v in answers.get("matters", {}).items()}
    elections = {vm.election.pk if k == "e" else k: v for k, v in answers.get("elections", {}).items()}
    with pytest.raises(VotingError, match=message):
        cast(vm, vm.households[2], matters, elections)
    assert not Ballot.objects.exists() and not ElectionBallot.objects.exists()


def test_a_household_outside_the_electorate_is_refused(voting_meeting, actors):
    with pytest.raises(VotingError, match="not in the electorate"):
        cast(voting_meeting, actors.household_obj, *full(voting_meeting))


def test_paper_needs_its_scan_and_a_proxy_its_name(voting_meeting):
    vm = voting_meeting
    with pytest.raises(VotingError, match="photo or scan"):
        cast(vm, vm.households[2], *full(vm), channel=Channel.PAPER, by=vm.committee)
    with pytest.raises(VotingError, match="proxy's name"):
        cast(vm, vm.households[2], *full(vm), channel=Channel.PROXY, by=vm.committee, evidence=None)


def test_a_matter_takes_no_ballot_of_its_own(voting_meeting):
    vm = voting_meeting
    with pytest.raises(VotingError, match="voted on the meeting's ballot"):
        ballot_cast(
            proposal=vm.matters[0], household=vm.households[2], choice=Choice.AGREE, channel=Channel.ONLINE, by=vm.user
        )
    assert not Ballot.objects.exists()


def test_no_ballot_before_opening_or_after_the_deadline(db):
    from tests.factories import RoleFactory, build_community

    community = build_community(buildings=1, entrances=1, floors=1, rooms_per_floor=2)
    committee = RoleFactory(community=community, kind="committee").user
    meeting = make_meeting(community, committee)
    proposal = make_proposal(community, committee, State.CONSULTATION)
    from meetings.services import agenda_matter_add, meeting_publish_notice

    agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    meeting_publish_notice(meeting=meeting, by=committee)
    household = community.buildings.first().entrances.first().households.first()
    answers = Answers({proposal.pk: Choice.AGREE})
    with pytest.raises(VotingError, match="not open"):
        meeting_ballot_cast(meeting=meeting, household=household, answers=answers, channel="online", by=committee)
    open_voting_now(meeting)
    end_window(meeting)
    with pytest.raises(VotingError, match="ended"):
        meeting_ballot_cast(meeting=meeting, household=household, answers=answers, channel="online", by=committee)


def test_a_published_matter_is_neither_withdrawn_nor_opened_alone(voting_meeting):
    vm = voting_meeting
    with pytest.raises(ValidationError, match="meeting decides it"):
        proposal_withdraw(proposal=vm.matters[0], by=vm.committee, reason="x")
    vm.matters[0].refresh_from_db()
    assert vm.matters[0].state == State.VOTING


def test_the_scheduled_jobs_open_and_close_meetings_at_their_times(db):
    from meetings.services import agenda_matter_add, meeting_publish_notice
    from tests.factories import RoleFactory, build_community

    community = build_community(buildings=1, entrances=1, floors=1, rooms_per_floor=3)
    committee = RoleFactory(community=community, kind="committee").user
    meeting = make_meeting(community, committee)
    proposal = make_proposal(community, committee, State.CONSULTATION)
    agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)
    meeting_publish_notice(meeting=meeting, by=committee)
    assert meetings_open_due() == 0  # the window is weeks away
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(
        voting_opens_at=now - timedelta(minutes=1), voting_closes_at=now + timedelta(hours=1)
    )
    assert meetings_open_due() == 1 and meetings_open_due() == 0
    household = community.buildings.first().entrances.first().households.first()
    meeting.refresh_from_db()
    meeting_ballot_cast(
        meeting=meeting, household=household, answers=Answers({proposal.pk: "agree"}), channel="online", by=committee
    )
    assert meetings_close_due() == 0
    end_window(meeting)
    assert meetings_close_due() == 1
    meeting.refresh_from_db()
    proposal.refresh_from_db()
    assert meeting.state == MeetingState.CLOSED and proposal.state == State.CLOSED
    assert meeting_close(meeting=meeting).state == MeetingState.CLOSED  # closing again changes nothing


def test_a_matter_opened_alone_before_the_notice_cannot_join_an_agenda(actors):
    committee = actors.users["committee"]
    proposal = make_proposal(actors.community, committee, State.CONSULTATION)
    proposal = proposal_open_voting(proposal=proposal, by=committee, closes_at=timezone.now() + timedelta(days=3))
    meeting = make_meeting(actors.community, committee)
    from meetings.services import agenda_matter_add

    with pytest.raises(ValidationError):
        agenda_matter_add(meeting=meeting, by=committee, proposal=proposal)


def test_the_election_is_decided_by_the_engine_from_its_ballots(voting_meeting):
    vm = voting_meeting
    a, b, c = (str(x.pk) for x in vm.candidates)
    # 7 heads: 5 agree with 王芳 and 李强, 1 with 张伟 only, 1 (two flats) did not vote.
    for household in vm.households[2:7]:
        cast(vm, household, *full(vm))
    cast(vm, vm.households[7], *full(vm, picks=(2,)))
    result = election_outcome(vm.election)
    assert result.elected == [a, b]
    assert result.results[a].agree.heads == 5 and result.results[c].agree.heads == 1
    assert not result.results[c].passed


# --- The election's chain (meetings.audit) ------------------------------------------------------------------------


def _voted(vm):
    for household in vm.households[2:5]:
        cast(vm, household, *full(vm))
    cast(vm, vm.households[2], *full(vm, picks=(2,)))  # a change
    vm.election.refresh_from_db()
    return vm.election


def test_an_intact_election_log_verifies(voting_meeting):
    from meetings.audit import election_verify

    election = _voted(voting_meeting)
    assert election_verify(election) == []
    assert election_verify(election, head=(election.ballot_seq, election.ballot_hash)) == []


def test_an_approval_added_behind_the_writer_is_caught(voting_meeting):
    from meetings.audit import election_verify
    from meetings.models import Approval

    vm = voting_meeting
    election = _voted(vm)
    ballot = ElectionBallot.objects.get(election=election, household=vm.households[3])
    Approval.objects.create(ballot=ballot, candidate=vm.candidates[2], head=ballot.head, area=ballot.area)
    assert any("differs from the log" in p for p in election_verify(election))


def test_an_edited_or_deleted_log_entry_is_caught(voting_meeting):
    from meetings.audit import election_verify

    vm = voting_meeting
    election = _voted(vm)
    ElectionEvent.objects.filter(election=election, seq=2).update(new="")
    assert any("entry 2" in p and "altered" in p for p in election_verify(election))
    ElectionEvent.objects.filter(election=election, seq=election.ballot_seq).delete()
    problems = election_verify(election, head=(election.ballot_seq, election.ballot_hash))
    assert any("cut off" in p for p in problems)


def test_an_elector_edited_after_opening_breaks_the_chain(voting_meeting):
    from meetings.audit import election_verify

    vm = voting_meeting
    election = _voted(vm)
    MeetingElector.objects.filter(meeting=vm.meeting, household=vm.households[4]).update(area="999.00")
    assert any("frozen electorate" in p for p in election_verify(election))
