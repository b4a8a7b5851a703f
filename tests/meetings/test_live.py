"""The meeting's live tally socket through the real ASGI stack and channel layer: the whole meeting tally on
connect, a push with a higher version after a whole ballot, the close pushed as final, one subscription per server,
the resync, and refusals for anyone who may not read the meeting."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from lifecycle.services import meeting_close
from meetings import live
from meetings.ballots import Answers, meeting_ballot_cast
from meetings.tally import meeting_tally_json
from tests.meetings.conftest import end_window
from tests.voting.test_consumers import group_members, session_headers
from voting.models import Channel, Choice

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(meeting_id, user):
    communicator = WebsocketCommunicator(
        application, f"/ws/meetings/{meeting_id}/", headers=await database_sync_to_async(session_headers)(user)
    )
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


def _cast(vm, household, choice, picks):
    answers = Answers(
        {m.pk: choice for m in vm.matters}, {vm.election.pk: frozenset(vm.candidates[i].pk for i in picks)}
    )
    return meeting_ballot_cast(
        meeting=vm.meeting, household=household, answers=answers, channel=Channel.ONLINE, by=vm.committee
    )


async def cast(vm, household, choice=Choice.AGREE, picks=(0,)):
    return await database_sync_to_async(_cast)(vm, household, choice, picks)


async def test_the_whole_tally_on_connect_then_a_push_with_a_higher_version(voting_meeting):
    vm = voting_meeting
    communicator, connected, _ = await connect(vm.meeting.pk, vm.user)
    try:
        assert connected
        snapshot = await communicator.receive_json_from(timeout=5)
        assert snapshot == json.loads(json.dumps(await database_sync_to_async(meeting_tally_json)(vm.meeting)))
        assert snapshot["version"] == 0 and len(snapshot["matters"]) == 2 and len(snapshot["elections"]) == 1
        receipt = await cast(vm, vm.households[2], picks=(0, 1))
        pushed = await communicator.receive_json_from(timeout=5)
        assert pushed["version"] > snapshot["version"]
        assert [m["agree"]["households"] for m in pushed["matters"]] == [1, 1]
        agree = {c["candidate"]: c["agree"]["households"] for c in pushed["elections"][0]["candidates"]}
        assert agree == {vm.candidates[0].pk: 1, vm.candidates[1].pk: 1, vm.candidates[2].pk: 0}
        # Totals only: nothing in the push says who voted how.
        text = json.dumps(pushed, ensure_ascii=False)
        code = await database_sync_to_async(lambda: vm.households[2].code)()
        assert receipt not in text and code not in text and "household_id" not in text
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "household", "other_household", "other_committee"])
async def test_anyone_outside_the_meetings_community_is_refused(who, voting_meeting, actors):
    communicator, connected, code = await connect(voting_meeting.meeting.pk, actors.users[who])
    try:
        assert not connected and code == 4403
    finally:
        await communicator.disconnect()


async def test_an_unknown_meeting_is_refused(voting_meeting):
    communicator, connected, code = await connect(999999, voting_meeting.committee)
    try:
        assert not connected and code == 4403
    finally:
        await communicator.disconnect()


async def test_the_close_is_pushed_as_final(voting_meeting):
    vm = voting_meeting
    await cast(vm, vm.households[3])
    communicator, connected, _ = await connect(vm.meeting.pk, vm.committee)
    try:
        assert connected
        before = await communicator.receive_json_from(timeout=5)
        assert before["state"] == "voting"
        await database_sync_to_async(end_window)(vm.meeting)
        await database_sync_to_async(meeting_close)(meeting=vm.meeting)
        closed = await communicator.receive_json_from(timeout=5)
        assert closed["state"] == "closed" and closed["version"] == before["version"] and not closed["open"]
        assert [m["state"] for m in closed["matters"]] == ["closed", "closed"]
    finally:
        await communicator.disconnect()


async def test_one_subscription_per_server_and_a_burst_ends_on_the_final_tally(voting_meeting, settings):
    settings.TALLY_PUSH_INTERVAL = 0.3
    vm = voting_meeting
    sockets = []
    try:
        for user in (vm.user, vm.committee):
            communicator, connected, _ = await connect(vm.meeting.pk, user)
            assert connected
            await communicator.receive_json_from(timeout=5)
            sockets.append(communicator)
        assert group_members(live.group_name(vm.meeting.pk)) == {live.hub._channel}
        for household in vm.households[2:8]:
            await cast(vm, household, Choice.DISAGREE, picks=(2,))
        final = json.loads(json.dumps(await database_sync_to_async(meeting_tally_json)(vm.meeting)))
        for communicator in sockets:
            pushes = []
            while not await communicator.receive_nothing(timeout=1.5):
                pushes.append(await communicator.receive_json_from(timeout=1))
            assert pushes and len(pushes) < 6 and pushes[-1] == final
    finally:
        for communicator in sockets:
            await communicator.disconnect()
    assert group_members(live.group_name(vm.meeting.pk)) == set() and vm.meeting.pk not in live.hub.slots


async def test_a_lost_message_is_caught_up_by_the_resync(voting_meeting, settings):
    settings.TALLY_RESYNC_INTERVAL = 0.2
    vm = voting_meeting
    communicator, connected, _ = await connect(vm.meeting.pk, vm.user)
    try:
        assert connected
        assert (await communicator.receive_json_from(timeout=5))["version"] == 0
        dead = live.hub._listener
        dead.cancel()
        await asyncio.wait([dead])
        # Cast while nothing listens: the resync reads the meeting's version (meeting_markers) and pushes.
        await cast(vm, vm.households[4])
        assert (await communicator.receive_json_from(timeout=5))["version"] > 0
        live.hub._resync_task.cancel()
    finally:
        await communicator.disconnect()
