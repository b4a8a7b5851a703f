"""WebSocket routes of every app, gathered for config/asgi.py."""

websocket_urlpatterns: list = []
