"""The doctor: a user's own ASGI app behind every proxy, probed, and what works for it.

`python -m doctor MODULE:ATTR --prefix /api/v1` (doctor/cli.py) runs the user's app under
uvicorn, with and without `--root-path`, behind Traefik, Nginx, Caddy and HAProxy, each in a
configuration that strips the prefix and one that keeps it, and checks through each of those 16
configurations what a user of the API would meet. One module per job:

    inspect_app.py  runs in the user's interpreter: the app's routes, docs, mounts (never imported here)
    layout.py       the 16 configurations and their ports
    servers.py      starting and stopping every process; the app's own faults as clear errors
    proxies.py      the proxies' configs (templates/), the running one and the snippet a user copies
    probes.py       the HTTP checks, each compared with the app directly
    crawl.py        the pages from / and each mount's root: assets, links, forms, redirects, JSON URLs
    upgrades.py     a WebSocket upgrade through each configuration, compared with the app directly
    fetch.py        the GETs: streams judged on their head, the direct app's answers remembered
    checks.py       one configuration's record: statuses, symptoms, how much was exercised
    browser.py      Swagger UI in Chromium
    mounted_ui.py   each mounted UI's root page in Chromium: the requests that failed or left
    lessons.py      the lab step that explains each kind of fault
    verdict.py      works, broken or not tested; reasons; what to deploy
    report.py       reports/doctor.md, reports/doctor.json and the terminal table
    examples/       apps to try it on: strip_ready, usual_mistakes, realworld
"""
