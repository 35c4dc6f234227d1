"""A real-world shaped app: routers, a WebSocket, a mounted sub-application with its own docs, an
admin-style UI and StaticFiles.

python -m doctor doctor.examples.realworld.main:app --prefix /api/v1
"""
