"""The live building board: after a visit (or a ballot) commits, every server with watchers recomputes the board.

The same design as voting.live: the committing request sends one small "changed" message to the proposal's
group f"board-{id}"; each server process coalesces those per proposal (BoardHub, a TallyHub) and pushes the whole
board. Watchers may see different parts of it (a canvasser only their entrances), so each push computes each
distinct view once and sends it to the watchers of that view.
"""

import asyncio
import json
import logging
import time

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from voting.live import SEND_TIMEOUT, TallyHub
from voting.live import group_name as tally_group_name

logger = logging.getLogger("gongyi.live")
_last_failure_log = 0.0


def group_name(proposal_id: int) -> str:
    return f"board-{proposal_id}"


def board_changed(proposal_id: int) -> None:
    """Tell watchers' servers the board changed. Never raises: a visit is stored whether or not the push works."""
    global _last_failure_log
    try:
        async_to_sync(_announce)(proposal_id)
    except Exception:
        # Logged once a minute, not once per visit, while the channel layer (Redis) is down.
        now = time.monotonic()
        if now - _last_failure_log > 60:
            _last_failure_log = now
            logger.exception("Live board push failed; visits are still stored, watchers catch up on reconnect")


async def _announce(proposal_id: int) -> None:
    # Bounded like voting.live's: a frozen Redis must not hold the canvasser's response.
    message = {"type": "board.changed", "proposal": proposal_id}
    await asyncio.wait_for(get_channel_layer().group_send(group_name(proposal_id), message), SEND_TIMEOUT)


def board_changed_on_commit(proposal_id: int) -> None:
    transaction.on_commit(lambda: board_changed(proposal_id))


def load_board(proposal_id: int, view) -> str:
    from consult.selectors import board_json
    from proposals.models import Proposal

    proposal = Proposal.objects.select_related("community").get(pk=proposal_id)
    return json.dumps(board_json(proposal, view), ensure_ascii=False, separators=(",", ":"))


class BoardHub(TallyHub):
    """TallyHub's watchers and coalescing; each push computes each watcher's view (consumer.view) once."""

    def groups(self, proposal_id: int) -> tuple[str, ...]:
        # Visits change the board, and so do ballots (the "voted" marks during voting).
        return (group_name(proposal_id), tally_group_name(proposal_id))

    async def push(self, proposal_id: int, slot) -> None:
        texts: dict = {}
        for consumer in list(slot.watchers):
            view = consumer.view
            if view not in texts:
                texts[view] = await database_sync_to_async(load_board)(proposal_id, view)
            await self.send(slot, consumer, texts[view])


hub = BoardHub()
