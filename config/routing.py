"""WebSocket routes of every app, gathered for config/asgi.py; any other address is refused by the last route."""

from django.urls import re_path

from consult.routing import websocket_urlpatterns as consult_routes
from core.sockets import NoSuchSocket
from meetings.routing import websocket_urlpatterns as meeting_routes
from voting.routing import websocket_urlpatterns as voting_routes

websocket_urlpatterns = [*voting_routes, *consult_routes, *meeting_routes, re_path(r"", NoSuchSocket.as_asgi())]
