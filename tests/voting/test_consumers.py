"""The live tally socket through the real ASGI stack: snapshot on connect, pushes, refusals, coalescing."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from voting.models import Channel
from voting.selectors import tally_json
from voting.services import ballot_cast

pytestmark = pytest.mark.django_db(transaction=True)


def session_headers(user) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


async def connect(proposal, user):
    communicator = WebsocketCommunicator(
        application, f"/ws/proposals/{proposal.pk}/tally/", headers=await database_sync_to_async(session_headers)(user)
    )
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def cast(proposal, household, user, choice="agree"):
    await database_sync_to_async(ballot_cast)(
        proposal=proposal, household=household, choice=choice, channel=Channel.ONLINE, by=user
    )


async def test_snapshot_on_connect_then_push_after_a_ballot(proposal, stairwell, residents):
    communicator, connected, _ = await connect(proposal, residents[0])
    try:
        assert connected
        snapshot = await communicator.receive_json_from(timeout=5)
        assert snapshot["version"] == 0
        assert snapshot["electorate"]["households"] == 12
        await cast(proposal, stairwell[3], residents[3])
        pushed = await communicator.receive_json_from(timeout=5)
        assert pushed["version"] == 1
        assert pushed["agree"] == {"households": 1, "heads": 1, "area": "100.00"}
        # Totals only: no household label or key in the push says who voted.
        text = json.dumps(pushed, ensure_ascii=False)
        assert stairwell[3].code not in text and "household_id" not in text and "receipt" not in text
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "other_household", "other_committee"])
async def test_outsiders_are_refused(who, proposal, actors):
    user = actors.users[who]
    communicator, connected, code = await connect(proposal, user)
    try:
        assert not connected
        assert code == 4403
    finally:
        await communicator.disconnect()


async def test_committee_and_canvasser_of_the_community_may_watch(proposal, member_of, community):
    from community.models import Role

    for kind in (Role.Kind.COMMITTEE, Role.Kind.CANVASSER):
        user = await database_sync_to_async(member_of)(community, kind)
        communicator, connected, _ = await connect(proposal, user)
        try:
            assert connected
            assert (await communicator.receive_json_from(timeout=5))["proposal"] == proposal.pk
        finally:
            await communicator.disconnect()


async def test_a_burst_is_coalesced_and_the_last_push_is_the_final_tally(proposal, stairwell, residents, settings):
    settings.TALLY_PUSH_INTERVAL = 0.3
    communicator, connected, _ = await connect(proposal, residents[0])
    try:
        assert connected
        await communicator.receive_json_from(timeout=5)
        for household, user in zip(stairwell, residents, strict=True):
            await cast(proposal, household, user)
        pushes = []
        # receive_nothing waits without cancelling the consumer (a timed-out receive would).
        while not await communicator.receive_nothing(timeout=1.5):
            pushes.append(await communicator.receive_json_from(timeout=1))
        final = await database_sync_to_async(tally_json)(proposal)
        assert pushes, "no push arrived"
        assert len(pushes) < len(stairwell), f"{len(pushes)} pushes for {len(stairwell)} ballots"
        assert pushes[-1] == final
        assert final["agree"]["households"] == 12
        versions = [p["version"] for p in pushes]
        assert versions == sorted(versions)
    finally:
        await communicator.disconnect()
