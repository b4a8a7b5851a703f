"""WebSocket /ws/meetings/<id>/: the meeting's whole tally on connect, then every (coalesced) change."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from core.params import int_param
from meetings import live
from meetings.models import Meeting


class MeetingTallyConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.meeting_id = int_param(self.scope["url_route"]["kwargs"]["meeting_id"])
        if self.meeting_id is None or not await database_sync_to_async(self._allowed)():
            await self.close(code=4403)
            return
        # The server's hub subscribes to the meeting's group (once per server); this socket does not join it.
        await live.hub.join(self.meeting_id, self)
        await self.accept()
        # Joined before reading, so no change falls between the snapshot and the first push.
        text, marker = await database_sync_to_async(live.hub.load)(self.meeting_id)
        await self.send(text_data=text)
        live.hub.seen(self.meeting_id, marker)

    def _allowed(self) -> bool:
        user = self.scope.get("user")
        meeting = Meeting.objects.select_related("community").filter(pk=self.meeting_id).first()
        return bool(meeting and user and user.has_perm("meetings.view_meeting", meeting))

    async def disconnect(self, code):
        if hasattr(self, "meeting_id"):
            await live.hub.leave(self.meeting_id, self)

    async def receive(self, text_data=None, bytes_data=None):
        # Watchers only listen; anything they send is ignored.
        return
