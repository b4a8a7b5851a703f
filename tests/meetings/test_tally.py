"""The meeting's live tally (meetings.tally): one query for every count, the same figures as the engine's recount
voter by voter (engine.evaluate per matter, engine.elect per election), cached by version, and tally.json for
whoever may read the meeting — totals only."""

import json
import random

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lifecycle.services import meeting_close
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.models import MeetingState
from meetings.selectors import election_outcome
from meetings.tally import meeting_markers, meeting_tally_json, meeting_tally_marked
from tests.meetings.conftest import end_window, make_meeting
from voting.models import Channel, Choice
from voting.selectors import count_json, tally_recount

pytestmark = pytest.mark.django_db


def cast(vm, household, matters=None, elections=None, **kwargs):
    kwargs = {"channel": Channel.ONLINE, "by": vm.committee} | kwargs
    answers = Answers(matters or {}, {k: frozenset(v) for k, v in (elections or {}).items()})
    return meeting_ballot_cast(meeting=vm.meeting, household=household, answers=answers, **kwargs)


def assert_matches_the_recount(vm, data):
    """Every figure of the meeting tally equals the engine's recount from the ballots, voter by voter."""
    assert [m["proposal"] for m in data["matters"]] == [m.pk for m in vm.matters]
    for matter, proposal in zip(data["matters"], vm.matters, strict=True):
        outcome = tally_recount(proposal)
        for group in ("electorate", "participated", "agree", "disagree", "abstain"):
            assert matter[group] == count_json(getattr(outcome, group)), (proposal.title, group)
        assert matter["passed"] == outcome.passed
        assert [check["met"] for check in matter["checks"]] == [check.met for check in outcome.checks]
    (election,) = data["elections"]
    result = election_outcome(vm.election)
    first = result.results[str(vm.candidates[0].pk)]
    assert election["electorate"] == count_json(first.electorate)
    assert election["participated"] == count_json(first.participated)
    assert [c["candidate"] for c in election["candidates"]] == [c.pk for c in vm.candidates]
    for candidate in election["candidates"]:
        outcome = result.results[str(candidate["candidate"])]
        assert candidate["agree"] == count_json(outcome.agree)
        assert candidate["qualified"] == outcome.passed
    assert election["elected"] == [int(key) for key in result.elected]
    assert election["tied"] == [int(key) for key in result.tied]
    assert election["next"] == [int(key) for key in result.alternates[: vm.election.alternates]]
    ranks = {c["candidate"]: c["rank"] for c in election["candidates"] if c["rank"] is not None}
    assert sorted(ranks, key=ranks.get) == [int(key) for key in result.ranking]


def test_nobody_has_voted_yet(voting_meeting):
    vm = voting_meeting
    data = meeting_tally_json(vm.meeting)
    assert (data["meeting"], data["state"], data["open"], data["version"]) == (vm.meeting.pk, "voting", True, 0)
    assert_matches_the_recount(vm, data)
    assert [c["name"] for c in data["elections"][0]["candidates"]] == ["王芳", "李强", "张伟"]
    assert data["elections"][0]["seats"] == 2


@pytest.mark.parametrize("seed", range(6))
def test_random_ballots_give_the_engines_figures(voting_meeting, seed):
    vm = voting_meeting
    rnd = random.Random(seed)
    vm.election.alternates = rnd.choice([0, 1])
    vm.election.save(update_fields=["alternates"])
    version = meeting_tally_json(vm.meeting)["version"]
    for _ in range(10):
        household = rnd.choice(vm.households)
        matters = {m.pk: rnd.choice(["", *Choice.values]) for m in vm.matters if rnd.random() < 0.85}
        elections, paper = {}, rnd.random() < 0.3
        if rnd.random() < 0.8:
            # On paper, more names than seats are recorded (an invalid election ballot); online at most the seats.
            elections[vm.election.pk] = set(
                rnd.sample([c.pk for c in vm.candidates], rnd.randint(0, 3 if paper else 2))
            )
        extra = {}
        if paper:
            extra = {"channel": Channel.PAPER, "evidence": SimpleUploadedFile("scan.jpg", b"scan", "image/jpeg")}
        try:
            cast(vm, household, matters, elections, **extra)
        except Exception as error:  # an empty ballot for a household without one: refused, nothing written
            assert "empty" in str(error)
            continue
        data = meeting_tally_json(vm.meeting)
        assert data["version"] > version  # every whole ballot written moves the version on
        version = data["version"]
        assert_matches_the_recount(vm, data)


def test_the_counts_are_one_query_and_cached_by_version(voting_meeting, django_assert_num_queries):
    vm = voting_meeting
    for household in vm.households[2:6]:
        cast(vm, household, {m.pk: Choice.AGREE for m in vm.matters}, {vm.election.pk: {vm.candidates[0].pk}})
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        first = meeting_tally_json(vm.meeting)
    # The agenda (with the meeting and the version), then ONE query for every count of every matter and election.
    assert len(queries) == 2
    counting = [q["sql"] for q in queries if "voting_ballot" in q["sql"] or "meetings_approval" in q["sql"]]
    assert len(counting) == 1
    assert all(table in counting[0] for table in ("voting_ballot", "meetings_electionballot", "meetings_approval"))
    with django_assert_num_queries(1):  # a cache hit: the agenda only
        assert meeting_tally_json(vm.meeting) == first
    cast(vm, vm.households[6], {vm.matters[0].pk: Choice.DISAGREE})
    with django_assert_num_queries(2):  # the version moved: counted again
        second = meeting_tally_json(vm.meeting)
    assert second["version"] > first["version"]
    assert second["matters"][0]["disagree"]["households"] == 1


def test_the_same_number_of_queries_for_a_longer_agenda(voting_meeting, django_assert_max_num_queries):
    from meetings.services import agenda_election_add, candidate_add

    cache.clear()
    with CaptureQueriesContext(connection) as small:
        meeting_tally_json(voting_meeting.meeting)
    vm = voting_meeting
    meeting = make_meeting(vm.community, vm.committee)
    for n in range(3):
        election = agenda_election_add(meeting=meeting, by=vm.committee, title=f"选举{n}", seats=3)
        for name in ("甲", "乙", "丙", "丁"):
            candidate_add(election=election, by=vm.committee, name=name)
    with django_assert_max_num_queries(len(small)):
        data = meeting_tally_json(meeting)
    assert len(data["elections"]) == 3 and all(len(e["candidates"]) == 4 for e in data["elections"])


def test_markers_follow_the_version_and_the_state(voting_meeting):
    vm = voting_meeting
    assert meeting_markers([vm.meeting.pk]) == {vm.meeting.pk: (0, MeetingState.VOTING)}
    cast(vm, vm.households[0], {vm.matters[0].pk: Choice.AGREE}, {vm.election.pk: {vm.candidates[1].pk}})
    data, marker = meeting_tally_marked(vm.meeting.pk)
    # Two flats of one owner: two entries in the matter's chain and two in the election's (the blank matter too).
    assert marker == (data["version"], MeetingState.VOTING) and data["version"] == 6
    assert meeting_markers([vm.meeting.pk]) == {vm.meeting.pk: marker}


def test_an_ended_window_reads_as_closed_and_the_closed_meeting_keeps_its_figures(voting_meeting):
    vm = voting_meeting
    for household in vm.households[:6]:
        cast(vm, household, {m.pk: Choice.AGREE for m in vm.matters}, {vm.election.pk: {vm.candidates[2].pk}})
    end_window(vm.meeting)
    ended = meeting_tally_json(vm.meeting)
    assert (ended["state"], ended["open"]) == ("closed", False)
    meeting_close(meeting=vm.meeting)
    closed = meeting_tally_json(vm.meeting)
    assert closed["state"] == "closed" and closed["version"] == ended["version"]
    assert [m["state"] for m in closed["matters"]] == ["closed", "closed"]
    assert closed["matters"][0]["passed"] is True
    assert closed["elections"][0]["elected"] == [vm.candidates[2].pk]
    for matter in vm.matters:
        matter.refresh_from_db()
    assert_matches_the_recount(vm, closed)


# --- tally.json -------------------------------------------------------------------------------------------------


def test_tally_json_is_the_tally_for_the_community_and_totals_only(voting_meeting, client_as):
    vm = voting_meeting
    receipt = cast(vm, vm.households[2], {vm.matters[0].pk: Choice.AGREE}, {vm.election.pk: {vm.candidates[0].pk}})
    url = reverse("meeting_tally_json", args=[vm.meeting.pk])
    for user in (vm.committee, vm.user):
        response = client_as(user).get(url)
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        assert response.json() == json.loads(json.dumps(meeting_tally_json(vm.meeting)))
    text = response.content.decode()
    assert receipt not in text and vm.households[2].code not in text and "household_id" not in text


def test_tally_json_refuses_others_with_json(voting_meeting, actors, client_as):
    vm = voting_meeting
    url = reverse("meeting_tally_json", args=[vm.meeting.pk])
    for user in (None, actors.users["other_household"], actors.users["other_committee"]):
        response = client_as(user).get(url)
        assert response.status_code == 403 and response.json() == {"error": "forbidden"}
    assert client_as(vm.committee).get(reverse("meeting_tally_json", args=[999999])).status_code == 404
    assert client_as(vm.committee).post(url).status_code == 405


def test_a_drafts_candidates_show_at_once(actors, committee):
    from meetings.services import agenda_election_add, candidate_add

    meeting = make_meeting(actors.community, committee)
    election = agenda_election_add(meeting=meeting, by=committee, title="业委会", seats=1)
    assert meeting_tally_json(meeting)["elections"][0]["candidates"] == []
    candidate_add(election=election, by=committee, name="王芳")  # no ballot moves the version of a draft
    assert [c["name"] for c in meeting_tally_json(meeting)["elections"][0]["candidates"]] == ["王芳"]


def test_a_draft_meetings_tally_is_for_the_committee_only(actors, committee, client_as):
    meeting = make_meeting(actors.community, committee)
    url = reverse("meeting_tally_json", args=[meeting.pk])
    assert client_as(actors.users["household"]).get(url).status_code == 403
    assert client_as(committee).get(url).json()["state"] == "draft"


# --- The pages --------------------------------------------------------------------------------------------------


def test_the_meeting_page_shows_every_matter_and_the_election_live(voting_meeting, client_as):
    vm = voting_meeting
    cast(vm, vm.households[2], {vm.matters[0].pk: Choice.AGREE}, {vm.election.pk: {vm.candidates[1].pk}})
    page = client_as(vm.user).get(reverse("meeting_detail", args=[vm.meeting.pk])).content.decode()
    assert f'data-ws="/ws/meetings/{vm.meeting.pk}/"' in page and "meeting-tally.js" in page
    for matter in vm.matters:
        assert f'data-matter="{matter.pk}"' in page and matter.title in page
    assert page.count("data-matter-tally") == 2 and " data-tally " not in page  # one socket: the meeting's
    assert all(f'data-candidate="{c.pk}"' in page for c in vm.candidates)
    assert reverse("meeting_screen", args=[vm.meeting.pk]) in page


def test_no_tally_on_the_notice_before_voting_opens(actors, committee, client_as):
    meeting = make_meeting(actors.community, committee)
    page = client_as(committee).get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "data-meeting-tally" not in page


def test_the_big_screen(voting_meeting, actors, client_as):
    vm = voting_meeting
    url = reverse("meeting_screen", args=[vm.meeting.pk])
    page = client_as(vm.user).get(url).content.decode()
    assert 'data-cycle="10000"' in page and "big-screen" in page and page.count("data-slide") == 3
    assert 'data-cycle="2000"' in client_as(vm.user).get(url + "?every=1").content.decode()
    assert 'data-cycle="10000"' in client_as(vm.user).get(url + "?every=x").content.decode()
    assert client_as(actors.users["other_household"]).get(url).status_code == 403
    assert client_as(None).get(url).status_code == 302
