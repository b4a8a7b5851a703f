"""WebSocket routes of every app, gathered for config/asgi.py."""

from consult.routing import websocket_urlpatterns as consult_routes
from voting.routing import websocket_urlpatterns as voting_routes

websocket_urlpatterns = [*voting_routes, *consult_routes]
