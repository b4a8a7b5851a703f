"""The answer to a WebSocket address no app serves: the handshake is refused, quietly (no traceback, no 500)."""

from channels.generic.websocket import AsyncWebsocketConsumer


class NoSuchSocket(AsyncWebsocketConsumer):
    async def connect(self):
        await self.close(code=4404)
