from django.urls import path

from meetings.consumers import MeetingTallyConsumer

websocket_urlpatterns = [
    path("ws/meetings/<int:meeting_id>/", MeetingTallyConsumer.as_asgi()),
]
