"""A module whose `app` is data, not an ASGI application."""

app = {"name": "settings, not an app"}
