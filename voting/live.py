"""Live tallies: after a ballot commits, every server with watchers recomputes the tally and pushes it.

The committing request sends one small "changed" message to the proposal's group. Each server process
coalesces those per proposal (TallyHub): the first change is pushed at once, further changes within
TALLY_PUSH_INTERVAL wait and are pushed together, and a change that arrives while a push is being computed
triggers one more push — so the last push always carries the final tally.
"""

import asyncio
import json
import logging
import time

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

logger = logging.getLogger("gongyi.live")
_last_failure_log = 0.0


def group_name(proposal_id: int) -> str:
    return f"tally-{proposal_id}"


def tally_changed(proposal_id: int) -> None:
    """Tell watchers' servers the tally changed. Never raises: a ballot is stored whether or not the push works."""
    global _last_failure_log
    try:
        async_to_sync(get_channel_layer().group_send)(group_name(proposal_id), {"type": "tally.changed"})
    except Exception:
        # Logged once a minute, not once per ballot, while the channel layer (Redis) is down.
        now = time.monotonic()
        if now - _last_failure_log > 60:
            _last_failure_log = now
            logger.exception("Live tally push failed; ballots are still stored, watchers catch up on reconnect")


def load_tally(proposal_id: int) -> str:
    from proposals.models import Proposal
    from voting.selectors import tally_json

    proposal = Proposal.objects.get(pk=proposal_id)
    return json.dumps(tally_json(proposal), ensure_ascii=False)


class _Slot:
    __slots__ = ("dirty", "last_push", "running", "watchers")

    def __init__(self):
        self.watchers: set = set()
        self.running = False
        self.dirty = False
        self.last_push = 0.0


class TallyHub:
    """Per server process: the sockets watching each proposal, and one coalesced push loop per proposal."""

    def __init__(self):
        self.slots: dict[int, _Slot] = {}

    def join(self, proposal_id: int, consumer) -> None:
        self.slots.setdefault(proposal_id, _Slot()).watchers.add(consumer)

    def leave(self, proposal_id: int, consumer) -> None:
        slot = self.slots.get(proposal_id)
        if slot:
            slot.watchers.discard(consumer)
            if not slot.watchers and not slot.running:
                del self.slots[proposal_id]

    def changed(self, proposal_id: int) -> None:
        slot = self.slots.get(proposal_id)
        if slot is None:
            return
        slot.dirty = True
        if not slot.running:
            slot.running = True
            asyncio.get_running_loop().create_task(self._push_loop(proposal_id, slot))

    async def _push_loop(self, proposal_id: int, slot: _Slot) -> None:
        interval = settings.TALLY_PUSH_INTERVAL
        loop = asyncio.get_running_loop()
        try:
            while slot.dirty and slot.watchers:
                wait = slot.last_push + interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                slot.dirty = False
                text = await database_sync_to_async(load_tally)(proposal_id)
                slot.last_push = loop.time()
                for consumer in list(slot.watchers):
                    try:
                        await consumer.send(text_data=text)
                    except Exception:  # a socket that went away mid-push
                        slot.watchers.discard(consumer)
        except Exception:
            logger.exception("Pushing the tally of proposal %s failed", proposal_id)
        finally:
            slot.running = False
            if not slot.watchers:
                self.slots.pop(proposal_id, None)


hub = TallyHub()
