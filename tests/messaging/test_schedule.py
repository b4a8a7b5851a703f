"""The automatic texts (messaging.schedule): each batch made once and only when due — voting opened, a meeting's
notice, the latest reminder slot before the close, the result and each household's bill — and never for old news."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts import sms
from community.models import Representative
from costs.models import Bill
from lifecycle.services import meeting_close, proposal_close
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.models import Meeting, MeetingState
from meetings.services import agenda_matter_add, meeting_publish_notice
from messaging import tasks
from messaging.models import Batch, Message, Policy
from messaging.schedule import batches_make_due, reminder_slot
from messaging.selectors import allowed_from, kinds_open, open_for_texts
from messaging.sending import messages_send_due
from proposals.models import Electorate, Proposal, State, Transition
from tests.costs.conftest import add_plan, consulting, open_voting, pass_it
from tests.meetings.conftest import end_window, make_meeting, make_proposal, open_voting_now
from tests.messaging.conftest import beijing
from tests.voting.conftest import scan
from voting.models import Channel, Choice
from voting.services import ballot_cast


@pytest.fixture
def now():
    """Noon (Beijing) tomorrow: ballots cast in a test are cast at the real time, inside the windows set around it."""
    today = timezone.localtime().date()
    return beijing(today.year, today.month, today.day, 12) + timedelta(days=1)


def window(proposal, opens, closes):
    Proposal.objects.filter(pk=proposal.pk).update(voting_opens_at=opens, voting_closes_at=closes)
    proposal.refresh_from_db()


def keys(batches):
    return sorted(b.key for b in batches)


def test_voting_opened_is_texted_once_to_every_phone(voting, now):
    window(voting, now - timedelta(hours=1), now + timedelta(days=7))
    made = batches_make_due(now=now)
    assert keys(made) == [f"opened:p{voting.pk}"]
    batch = made[0]
    assert batch.kind == Batch.Kind.OPENED and batch.created_by is None and not batch.refused
    assert batch.messages.count() == 5  # 7 households: one owner of two flats, one without a phone

    assert batches_make_due(now=now) == []
    assert batches_make_due(now=now + timedelta(hours=2)) == []
    assert Batch.objects.count() == 1 and Message.objects.count() == 5
    assert messages_send_due(now=now) == 5
    assert {m.template.name for m in sms.sent_messages} == {"voting_opened"}


def test_voting_opened_long_ago_or_not_yet_is_not_texted(voting, now):
    window(voting, now - timedelta(days=2), now + timedelta(days=7))
    assert batches_make_due(now=now) == []  # deploying this texts nobody about last week's proposals

    window(voting, now + timedelta(hours=1), now + timedelta(days=7))
    assert batches_make_due(now=now) == []  # opens later: texted when it opens
    assert keys(batches_make_due(now=now + timedelta(hours=1))) == [f"opened:p{voting.pk}"]


def test_the_committee_can_turn_the_automatic_texts_off(voting, actors, now):
    Policy.objects.create(community=actors.community, notify_on_open=False, reminder_days="")
    window(voting, now - timedelta(hours=1), now + timedelta(hours=20))
    assert batches_make_due(now=now) == []


def test_each_reminder_is_made_once_at_its_slot_for_households_that_have_not_voted(voting, estate, actors, now):
    closes = now + timedelta(days=5)
    window(voting, now - timedelta(days=3), closes)
    assert batches_make_due(now=closes - timedelta(days=3, minutes=1)) == []

    ballot_cast(
        proposal=voting,
        household=estate[3],
        choice=Choice.AGREE,
        channel=Channel.PAPER,
        by=actors.users["committee"],
        evidence=scan(),
    )
    three = batches_make_due(now=closes - timedelta(days=3))
    assert keys(three) == [f"reminder:p{voting.pk}:3d"]
    assert three[0].kind == Batch.Kind.REMINDER and three[0].audience["not_voted"] is True
    assert three[0].messages.count() == 4 and three[0].voted_before == 1
    assert estate[3].owner.phone not in set(three[0].messages.values_list("phone", flat=True))
    assert batches_make_due(now=closes - timedelta(days=2)) == []

    one = batches_make_due(now=closes - timedelta(days=1))
    assert keys(one) == [f"reminder:p{voting.pk}:1d"]
    assert batches_make_due(now=closes - timedelta(hours=1)) == []
    assert batches_make_due(now=closes) == []
    assert Batch.objects.count() == 2


def test_only_the_latest_slot_due_is_sent(voting, now):
    closes = now + timedelta(hours=20)
    window(voting, now - timedelta(days=6), closes)
    assert keys(batches_make_due(now=now)) == [f"reminder:p{voting.pk}:1d"]  # not "3 days left" as well
    assert not Batch.objects.filter(key=f"reminder:p{voting.pk}:3d").exists()


def test_a_slot_before_voting_opened_is_skipped(voting, now):
    closes = now + timedelta(days=2)
    window(voting, now, closes)
    assert keys(batches_make_due(now=now)) == [f"opened:p{voting.pk}"]  # the 3-day slot passed before it opened
    assert keys(batches_make_due(now=closes - timedelta(days=1))) == [f"reminder:p{voting.pk}:1d"]


def test_no_reminder_that_the_quiet_hours_would_hold_past_the_close(voting, now):
    closes = now + timedelta(days=1, hours=-4, minutes=-30)  # 07:30 the day after
    window(voting, now - timedelta(days=5), closes)
    # 06:00: the 1-day slot (07:30 yesterday) was missed, and a text queued now would wait until 08:00.
    assert batches_make_due(now=closes - timedelta(hours=1, minutes=30)) == []
    assert reminder_slot(opens_at=None, closes_at=closes, days=[1], now=closes - timedelta(days=1)) == 1


def test_the_reminder_days_are_the_committees(voting, actors, now):
    Policy.objects.create(community=actors.community, notify_on_open=False, reminder_days="2")
    closes = now + timedelta(days=3)
    window(voting, now - timedelta(days=1), closes)
    assert batches_make_due(now=closes - timedelta(days=2, minutes=1)) == []
    assert keys(batches_make_due(now=closes - timedelta(days=2))) == [f"reminder:p{voting.pk}:2d"]
    assert batches_make_due(now=closes - timedelta(hours=20)) == []  # no "3" or "1" day reminder


# --- Owners' meetings -----------------------------------------------------------------------------------------


def published_meeting(actors, now):
    committee = actors.users["committee"]
    meeting = make_meeting(actors.community, committee)
    matter = make_proposal(actors.community, committee, State.CONSULTATION, title="电动车车库")
    agenda_matter_add(meeting=meeting, by=committee, proposal=matter)
    return meeting_publish_notice(meeting=meeting, by=committee, now=now), matter


def test_a_meetings_notice_is_texted_once_to_the_households_in_its_scope(actors, estate, now):
    meeting, _ = published_meeting(actors, now)
    made = batches_make_due(now=now + timedelta(minutes=1))
    assert keys(made) == [f"meeting:m{meeting.pk}"]
    assert made[0].kind == Batch.Kind.MEETING and made[0].meeting == meeting
    assert made[0].messages.count() == 5
    assert set(made[0].messages.first().params) == {"community", "title", "start", "deadline", "link"}
    assert batches_make_due(now=now + timedelta(hours=1)) == []

    Batch.objects.all().delete()
    assert batches_make_due(now=now + timedelta(days=2)) == []  # published two days ago: old news


def test_a_representatives_meetings_notice_goes_to_the_representatives(actors, estate, now):
    Representative.objects.create(community=actors.community, name="张代表", household=estate[3], phone="13600000001")
    committee = actors.users["committee"]
    meeting = make_meeting(actors.community, committee, title="居民代表会议", electorate=Electorate.REPRESENTATIVES)
    matter = make_proposal(actors.community, committee, State.CONSULTATION)
    agenda_matter_add(meeting=meeting, by=committee, proposal=matter)
    meeting_publish_notice(meeting=meeting, by=committee, now=now)
    made = batches_make_due(now=now)
    assert keys(made) == [f"meeting:m{meeting.pk}"]
    assert list(made[0].messages.values_list("phone", flat=True)) == ["13600000001"]


def test_a_meeting_is_reminded_as_a_whole_and_its_matters_are_not_texted_on_their_own(actors, estate, now):
    meeting, matter = published_meeting(actors, now)
    Meeting.objects.filter(pk=meeting.pk).update(notice_published_at=now - timedelta(days=20))
    meeting = open_voting_now(meeting)
    closes = meeting.voting_closes_at
    made = batches_make_due(now=closes - timedelta(days=1))
    assert keys(made) == [f"reminder:m{meeting.pk}:1d"]
    assert made[0].audience["not_voted"] is True and made[0].messages.count() == 5
    assert not Batch.objects.filter(proposal=matter).exists()


def test_the_job_and_the_pages_open_the_same_subjects_with_the_same_kinds(actors, estate, voting, now):
    """One rule (open_for_texts) for the scheduled job, the compose form and the community's page: a proposal
    while its voting is open; a meeting from its notice, reminded once it votes, until its voting closes."""
    meeting, _ = published_meeting(actors, now)
    window(voting, now - timedelta(days=4), now + timedelta(days=3))
    assert open_for_texts(now, community=actors.community) == [
        (voting, [Batch.Kind.REMINDER, Batch.Kind.OPENED]),
        (meeting, [Batch.Kind.MEETING]),
    ]
    assert kinds_open(meeting, now) == [Batch.Kind.MEETING]
    assert keys(batches_make_due(now=now)) == [f"meeting:m{meeting.pk}", f"reminder:p{voting.pk}:3d"]

    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.VOTING)
    assert kinds_open(meeting, now) == [Batch.Kind.REMINDER, Batch.Kind.MEETING]
    assert open_for_texts(now, community=actors.other_community) == []

    closes = voting.voting_closes_at
    assert kinds_open(voting, closes) == [] and kinds_open(voting, closes - timedelta(seconds=1)) != []
    window(voting, now + timedelta(hours=1), now + timedelta(days=3))  # in the voting state, not open yet
    assert kinds_open(voting, now) == []
    assert [subject for subject, kinds in open_for_texts(now)] == [meeting]


def test_what_may_be_sent_about_one_subject_is_read_for_it_alone(
    actors, estate, voting, now, django_assert_num_queries
):
    """kinds_open asks open_for_texts about its subject only, in one query, however many others are open."""
    meeting, _ = published_meeting(actors, now)
    window(voting, now - timedelta(days=4), now + timedelta(days=3))
    make_proposal(actors.community, actors.users["committee"], State.VOTING)
    with django_assert_num_queries(1):
        assert kinds_open(meeting, now) == [Batch.Kind.MEETING]
    with django_assert_num_queries(1):
        assert kinds_open(voting, now) == [Batch.Kind.REMINDER, Batch.Kind.OPENED]
    assert open_for_texts(now, subject=voting) == [(voting, [Batch.Kind.REMINDER, Batch.Kind.OPENED])]
    assert open_for_texts(now, subject=meeting) == [(meeting, [Batch.Kind.MEETING])]
    assert len(open_for_texts(now, community=actors.community)) == 3
    assert open_for_texts(now, community=actors.other_community, subject=voting) == []


def test_a_proposal_is_open_for_texts_exactly_while_its_voting_status_is_open(actors, voting, now):
    """open_for_texts reads a proposal's window as Proposal.voting_status does (the action bar's reading), at the
    edges of the window [opens, closes) and after it, before the scheduled job closes the proposal."""
    window(voting, now - timedelta(days=1), now + timedelta(days=1))
    opens, closes = voting.voting_opens_at, voting.voting_closes_at
    second = timedelta(seconds=1)
    moments = [opens - second, opens, now, closes - second, closes, closes + timedelta(days=1)]
    is_open = [voting.voting_status(moment) == Proposal.OPEN for moment in moments]
    assert is_open == [False, True, True, True, False, False]
    for moment, expected in zip(moments, is_open, strict=True):
        listed = [subject for subject, kinds in open_for_texts(moment, community=actors.community)] == [voting]
        assert listed == expected


# --- The result and the bills --------------------------------------------------------------------------------


def test_the_result_and_each_households_bill_are_texted_once(actors, estate):
    committee = actors.users["committee"]
    proposal = consulting(actors.community, committee)
    add_plan(proposal, committee, items=(("单元门", "3000.00"),), subsidies=(("sponsor", "1000.00"),))
    open_voting(proposal, committee)
    proposal = pass_it(proposal, committee)
    closed_at = Transition.objects.get(proposal=proposal, to_state=State.CLOSED).at

    made = batches_make_due(now=closed_at + timedelta(minutes=1))
    assert keys(made) == [f"bill:p{proposal.pk}", f"result:p{proposal.pk}"]
    # Every household of the scope has a bill, whose text says the proposal passed: no second text about it.
    result = Batch.objects.get(key=f"result:p{proposal.pk}")
    assert result.messages.count() == 0 and result.households == 0 and "bill" in result.refused

    bill = Batch.objects.get(key=f"bill:p{proposal.pk}")
    twice = estate[1].owner
    assert estate[2].owner == twice
    texts = {m.phone: m.params["amount"] for m in bill.messages.all()}
    both = Bill.objects.filter(proposal=proposal, household__in=estate[1:3]).aggregate(s=Sum("amount"))["s"]
    assert texts[twice.phone] == f"{both:.2f}"  # one text for two flats, with the sum
    assert len(texts) == 5
    assert sum(Decimal(a) for a in texts.values()) + bill_of_household_without_phone(proposal, estate) == Decimal(
        "2000.00"
    )
    assert batches_make_due(now=closed_at + timedelta(minutes=2)) == []

    messages_send_due(now=allowed_from(closed_at + timedelta(minutes=1)))
    sent = {m.phone: m for m in sms.sent_messages if m.template.name == "bill"}
    assert f"您家应分摊{both:.2f}元" in sent[twice.phone].text


def bill_of_household_without_phone(proposal, estate):
    return Bill.objects.get(proposal=proposal, household=estate[6]).amount


def test_a_bill_is_texted_to_owners_only(actors, estate):
    """The residents' representatives are texted on their own numbers: never with an owner's bill."""
    committee = actors.users["committee"]
    proposal = consulting(actors.community, committee)
    add_plan(proposal, committee, items=(("单元门", "3000.00"),), subsidies=(("sponsor", "1000.00"),))
    open_voting(proposal, committee)
    proposal = pass_it(proposal, committee)
    Proposal.objects.filter(pk=proposal.pk).update(electorate=Electorate.REPRESENTATIVES)
    closed_at = Transition.objects.get(proposal=proposal, to_state=State.CLOSED).at
    assert keys(batches_make_due(now=closed_at + timedelta(minutes=1))) == [f"result:p{proposal.pk}"]


def test_a_rejected_proposal_gets_its_result_and_no_bill(voting):
    proposal = proposal_close(proposal=voting, by=voting.created_by)
    assert proposal.passed is False
    closed_at = Transition.objects.get(proposal=proposal, to_state=State.CLOSED).at
    made = batches_make_due(now=closed_at + timedelta(minutes=1))
    assert keys(made) == [f"result:p{voting.pk}"]
    assert made[0].messages.first().params["outcome"] == "未通过"


def test_a_passed_matter_of_a_meeting_gets_its_bills_and_no_result_of_its_own(actors, estate):
    committee = actors.users["committee"]
    meeting = make_meeting(actors.community, committee)
    matter = consulting(actors.community, committee)
    add_plan(matter, committee, items=(("单元门", "3000.00"),), subsidies=(("sponsor", "1000.00"),))
    agenda_matter_add(meeting=meeting, by=committee, proposal=matter)
    meeting = open_voting_now(meeting, committee)
    for household in estate:
        answers = Answers({matter.pk: Choice.AGREE})
        meeting_ballot_cast(meeting=meeting, household=household, answers=answers, channel=Channel.ONLINE, by=committee)
    end_window(meeting)
    meeting_close(meeting=meeting)
    matter.refresh_from_db()
    assert matter.passed and Bill.objects.filter(proposal=matter).exists()

    made = batches_make_due(now=timezone.now() + timedelta(minutes=1))
    assert keys(made) == [f"bill:p{matter.pk}"]
    assert made[0].messages.count() == 5


def test_no_result_for_a_proposal_closed_long_ago_or_when_turned_off(voting, actors):
    proposal = proposal_close(proposal=voting, by=voting.created_by)
    closed_at = Transition.objects.get(proposal=proposal, to_state=State.CLOSED).at
    assert batches_make_due(now=closed_at + timedelta(days=2)) == []
    Policy.objects.create(community=actors.community, notify_results=False)
    assert batches_make_due(now=closed_at + timedelta(minutes=1)) == []


def test_a_run_with_nothing_new_costs_the_same_few_queries_however_many_proposals(
    voting, actors, now, django_assert_num_queries
):
    others = [make_proposal(actors.community, actors.users["committee"], State.VOTING) for _ in range(3)]
    for proposal in [voting, *others]:
        window(proposal, now - timedelta(hours=1), now + timedelta(hours=20))
    assert len(batches_make_due(now=now)) == 4  # opened (the 1-day slot came before it opened)
    assert len(batches_make_due(now=now + timedelta(hours=4))) == 0
    # The proposals voting, the community's policy, the meetings, the proposals closed lately, the keys made.
    with django_assert_num_queries(5):
        assert batches_make_due(now=now + timedelta(minutes=1)) == []


# --- The task queue ------------------------------------------------------------------------------------------


def test_the_task_runs_every_minute():
    task = tasks.batches_make_due_task.task_class()
    minutes = [datetime(2026, 3, 1, 0, 0) + timedelta(minutes=m) for m in range(0, 24 * 60, 7)]
    assert all(task.validate_datetime(minute) for minute in minutes)


def test_the_task_makes_the_due_batches(voting):
    tasks.batches_make_due_task.call_local()
    assert Batch.objects.filter(key=f"opened:p{voting.pk}").exists()
