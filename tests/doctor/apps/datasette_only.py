"""Datasette 0.65 as the whole app: an ASGI app that is not Starlette, with no routes to read.

The doctor once called it "works" in all 16 configurations after sending no request at all.
Its pages name /-/static/app.css and /_memory from the site's root: it takes its prefix from its
own base_url setting, not from the ASGI root_path.
"""

from datasette.app import Datasette

app = Datasette(memory=True).app()
