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
from django.conf import settings
from django.db import transaction

from voting.live import TallyHub

logger = logging.getLogger("gongyi.live")
_last_failure_log = 0.0


def group_name(proposal_id: int) -> str:
    return f"board-{proposal_id}"


def board_changed(proposal_id: int) -> None:
    """Tell watchers' servers the board changed. Never raises: a visit is stored whether or not the push works."""
    global _last_failure_log
    try:
        async_to_sync(get_channel_layer().group_send)(group_name(proposal_id), {"type": "board.changed"})
    except Exception:
        # Logged once a minute, not once per visit, while the channel layer (Redis) is down.
        now = time.monotonic()
        if now - _last_failure_log > 60:
            _last_failure_log = now
            logger.exception("Live board push failed; visits are still stored, watchers catch up on reconnect")


def board_changed_on_commit(proposal_id: int) -> None:
    transaction.on_commit(lambda: board_changed(proposal_id))


def load_board(proposal_id: int, view) -> str:
    from consult.selectors import board_json
    from proposals.models import Proposal

    proposal = Proposal.objects.select_related("community").get(pk=proposal_id)
    return json.dumps(board_json(proposal, view), ensure_ascii=False, separators=(",", ":"))


class BoardHub(TallyHub):
    """TallyHub's watchers and coalescing; each push computes each watcher's view (consumer.view) once."""

    async def _push_loop(self, proposal_id: int, slot) -> None:
        interval = settings.TALLY_PUSH_INTERVAL
        loop = asyncio.get_running_loop()
        try:
            while slot.dirty and slot.watchers:
                wait = slot.last_push + interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                slot.dirty = False
                texts: dict = {}
                for consumer in list(slot.watchers):
                    view = consumer.view
                    if view not in texts:
                        texts[view] = await database_sync_to_async(load_board)(proposal_id, view)
                    try:
                        await consumer.send(text_data=texts[view])
                    except Exception:  # a socket that went away mid-push
                        slot.watchers.discard(consumer)
                slot.last_push = loop.time()
        except Exception:
            logger.exception("Pushing the board of proposal %s failed", proposal_id)
        finally:
            slot.running = False
            if not slot.watchers:
                self.slots.pop(proposal_id, None)


hub = BoardHub()
