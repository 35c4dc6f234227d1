"""A real-world shaped app: routers, a mounted sub-application with its own docs, and StaticFiles.

python -m doctor doctor.examples.realworld.main:app --prefix /api/v1
"""
