"""`python -m app.probe URL [--timeout S]`: exit 0 if URL answers 2xx, else 1 with one line why.

What: one GET with urllib (standard library only); redirects are not followed, so a probe of
/health/ready that gets a 307 fails instead of silently probing some other path.
When: the Docker HEALTHCHECK in app/Dockerfile and compose healthchecks; the slim image has no
curl or wget.
Why: a health check must be cheap, bounded by a timeout, and say in one line what went wrong,
because that line is what `docker inspect` shows.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

DEFAULT_TIMEOUT_S = 3.0


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Turn every 3xx into an HTTPError so the probe judges the URL it was given."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def probe(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> str | None:
    """None if `url` answered 2xx within `timeout_s`, else the reason it did not."""
    opener = urllib.request.build_opener(_RefuseRedirects)
    try:
        with opener.open(url, timeout=timeout_s) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return f"GET {url} answered {error.code} {error.reason}"
    except urllib.error.URLError as error:
        return f"GET {url} failed: {error.reason}"
    except (TimeoutError, OSError, ValueError) as error:
        return f"GET {url} failed: {type(error).__name__}: {error}"
    if not 200 <= status < 300:
        return f"GET {url} answered {status}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, probe once, print the failure reason to stderr."""
    parser = argparse.ArgumentParser(
        prog="python -m app.probe", description="Exit 0 if URL answers 2xx, else 1."
    )
    parser.add_argument("url", help="e.g. http://127.0.0.1:8000/health/ready")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds (default: %(default)s)"
    )
    arguments = parser.parse_args(argv)
    reason = probe(arguments.url, arguments.timeout)
    if reason is not None:
        print(f"probe: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
