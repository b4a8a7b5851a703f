"""The live building board: after a visit (or a ballot) commits, every server with watchers recomputes the board.

The same design as voting.live: the committing request sends one small "changed" message to the proposal's
group f"board-{id}"; each server process coalesces those per proposal (BoardHub, a TallyHub) and pushes the whole
board. Watchers may see different parts of it (a canvasser only their entrances), so each push computes each
distinct view once and sends it to the watchers of that view.
"""

import json

from channels.db import database_sync_to_async
from django.db import transaction

from consult.selectors import board_json
from proposals.models import Proposal
from voting.live import TallyHub, announce
from voting.live import group_name as tally_group_name


def group_name(proposal_id: int) -> str:
    return f"board-{proposal_id}"


def board_changed(proposal_id: int) -> None:
    """Tell watchers' servers the board changed. Never raises: a visit is stored whether or not the push works."""
    announce(
        group_name(proposal_id),
        {"type": "board.changed", "proposal": proposal_id},
        failure="Live board push failed; visits are still stored, watchers catch up on reconnect",
    )


def board_changed_on_commit(proposal_id: int) -> None:
    transaction.on_commit(lambda: board_changed(proposal_id))


def load_board(proposal_id: int, view) -> str:

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
