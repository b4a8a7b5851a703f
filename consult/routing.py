from django.urls import path

from consult.consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/proposals/<int:proposal_id>/board/", BoardConsumer.as_asgi()),
]
