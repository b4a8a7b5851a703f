"""The floors: the cheapest way this stack records a POST (one row) and broadcasts to a group (bare group_send)."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from bench.floor.models import FloorRow

FLOOR_GROUP = "bench-floor"


@require_POST
def floor_insert(request):
    """The authenticated floor: same middleware as a ballot (session, CSRF, auth), reads request.user — the session
    and the signed-in user, as every page for a household does — then one INSERT and a redirect like the vote
    view's."""
    FloorRow.objects.create(n=request.user.pk or 0)
    return HttpResponse(status=302, headers={"Location": "/bench/floor/"})


class FloorConsumer(AsyncWebsocketConsumer):
    """Joins one group and relays whatever text is broadcast to it: a bare group_send."""

    async def connect(self):
        await self.channel_layer.group_add(FLOOR_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(FLOOR_GROUP, self.channel_name)

    async def floor_message(self, event):
        await self.send(text_data=event["text"])
