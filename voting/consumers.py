"""WebSocket /ws/proposals/<id>/tally/: the current tally on connect, then every (coalesced) change."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from core.params import int_param
from proposals.models import Proposal
from voting import live


class TallyConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.proposal_id = int_param(self.scope["url_route"]["kwargs"]["proposal_id"])
        if self.proposal_id is None or not await database_sync_to_async(self._allowed)():
            await self.close(code=4403)
            return
        # The server's hub subscribes to the proposal's group (once per server); this socket does not join it.
        await live.hub.join(self.proposal_id, self)
        await self.accept()
        # Joined before reading, so no change falls between the snapshot and the first push.
        text, marker = await database_sync_to_async(live.load_tally_marked)(self.proposal_id)
        await self.send(text_data=text)
        live.hub.seen(self.proposal_id, marker)

    def _allowed(self) -> bool:

        user = self.scope.get("user")
        proposal = Proposal.objects.select_related("community").filter(pk=self.proposal_id).first()
        return bool(proposal and user and user.has_perm("voting.view_tally", proposal))

    async def disconnect(self, code):
        if hasattr(self, "proposal_id"):
            await live.hub.leave(self.proposal_id, self)

    async def receive(self, text_data=None, bytes_data=None):
        # Watchers only listen; anything they send is ignored.
        return
