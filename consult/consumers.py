"""WebSocket /ws/proposals/<id>/board/: the building board on connect, then every (coalesced) change.

The server's BoardHub follows the board's group (visits) and the tally's group (ballots: "voted" marks during
voting) for all its sockets.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from consult import live
from consult.selectors import board_view_for
from core.params import int_param
from proposals.models import Proposal


class BoardConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.view = None
        self.proposal_id = int_param(self.scope["url_route"]["kwargs"]["proposal_id"])
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("building", [""])[0]
        building_id = int_param(query)
        if self.proposal_id is None or (query and building_id is None):
            await self.close(code=4400)  # no id a database row could have: refused before any query
            return
        self.view = await database_sync_to_async(self._view)(building_id)
        if self.view is None:
            await self.close(code=4403)
            return
        # The server's hub subscribes to the proposal's groups (once per server); this socket does not join them.
        await live.hub.join(self.proposal_id, self)
        await self.accept()
        # Joined before reading, so no change falls between the snapshot and the first push.
        await self.send(text_data=await database_sync_to_async(live.load_board)(self.proposal_id, self.view))

    def _view(self, building_id: int | None):
        """What this user may see of the board (consult.selectors.BoardView), or None if nothing."""
        user = self.scope.get("user")
        proposal = Proposal.objects.select_related("community").filter(pk=self.proposal_id).first()
        if not (proposal and user and user.has_perm("consult.view_board", proposal)):
            return None
        return board_view_for(proposal, user, building_id)

    async def disconnect(self, code):
        if getattr(self, "view", None) is not None:
            await live.hub.leave(self.proposal_id, self)

    async def receive(self, text_data=None, bytes_data=None):
        # Watchers only listen; anything they send is ignored.
        return
