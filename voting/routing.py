from django.urls import path

from voting.consumers import TallyConsumer

websocket_urlpatterns = [
    path("ws/proposals/<int:proposal_id>/tally/", TallyConsumer.as_asgi()),
]
