"""The live tally socket through the real ASGI stack: snapshot on connect, pushes, refusals, coalescing, and the
server's one subscription per proposal."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from voting import live
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


def group_members(group: str) -> set[str]:
    """The channels in a group of the running channel layer (in-memory, or Redis pub/sub on this loop)."""
    layer = get_channel_layer()
    if hasattr(layer, "_get_layer"):  # RedisPubSubChannelLayer: per-loop state
        inner = layer._get_layer()
        return set(inner.groups.get(inner._get_group_channel_name(group), ()))
    return set(layer.groups.get(group, {}))


async def test_the_server_subscribes_once_for_all_watchers_of_a_proposal(proposal, stairwell, residents):
    sockets = []
    try:
        for user in residents[:3]:
            communicator, connected, _ = await connect(proposal, user)
            sockets.append(communicator)
            assert connected
            assert (await communicator.receive_json_from(timeout=5))["version"] == 0
        # One channel in the group, the hub's: a change wakes one task per server, not one consumer per socket.
        assert group_members(live.group_name(proposal.pk)) == {live.hub._channel}
        await cast(proposal, stairwell[5], residents[5])
        for communicator in sockets:
            assert (await communicator.receive_json_from(timeout=5))["version"] == 1
    finally:
        for communicator in sockets:
            await communicator.disconnect()
    # The last watcher gone, the hub leaves the group; a new watcher subscribes again and gets pushes.
    assert group_members(live.group_name(proposal.pk)) == set()
    assert proposal.pk not in live.hub.slots
    communicator, connected, _ = await connect(proposal, residents[0])
    try:
        assert connected
        assert (await communicator.receive_json_from(timeout=5))["version"] == 1
        await cast(proposal, stairwell[6], residents[6])
        assert (await communicator.receive_json_from(timeout=5))["version"] == 2
    finally:
        await communicator.disconnect()


async def test_a_dead_receive_loop_is_restarted_and_the_resync_covers_the_gap(proposal, stairwell, residents, settings):
    settings.TALLY_RESYNC_INTERVAL = 0.2
    communicator, connected, _ = await connect(proposal, residents[0])
    try:
        assert connected
        assert (await communicator.receive_json_from(timeout=5))["version"] == 0
        dead = live.hub._listener
        dead.cancel()
        await asyncio.wait([dead])  # Redis pub/sub unsubscribes the channel as the receive is cancelled
        # Cast while nothing listens: the resync finds the moved tally in the database and pushes it ...
        await cast(proposal, stairwell[1], residents[1])
        assert (await communicator.receive_json_from(timeout=5))["version"] == 1
        # ... and has started a new receive loop on a new channel, in the group again.
        assert live.hub._listener is not dead and not live.hub._listener.done()
        assert group_members(live.group_name(proposal.pk)) == {live.hub._channel}
        live.hub._resync_task.cancel()
        await cast(proposal, stairwell[2], residents[2])
        assert (await communicator.receive_json_from(timeout=5))["version"] == 2
    finally:
        await communicator.disconnect()
