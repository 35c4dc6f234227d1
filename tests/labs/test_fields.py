"""Dotted field lookup, expectations and the placeholders in them, without a stack.

When one of these fails, a lab step would pass or fail for the wrong reason: a field read from
the wrong place, an absent header taken for an empty one, or `{client}` compared literally.
"""

from __future__ import annotations

import pytest

from labs.fields import MISSING, lookup, parse_expectation, text
from proxylab import compose
from proxylab.backend import choose
from proxylab.context import Context

ANSWER = {
    "status": 200,
    "headers": {"location": "http://127.0.0.1:9999/api/v1/items/", "content-type": "application/json"},
    "body": {
        "path": "/api/v1/app",
        "client_host": "127.0.0.77",
        "forwarded_headers": {"x-forwarded-prefix": "/api/v1"},
        "empty": "",
        "nothing": None,
    },
    "schema": {"body": {"servers": [{"url": "/api/v1"}, {"url": "https://stag.example.com"}]}},
    "hops": [],
}

# --- lookup: (dotted name, value) --------------------------------------------------------------

LOOKUPS = [
    ("status", 200),
    ("body.path", "/api/v1/app"),
    # keys may contain dashes: header and forwarded-header names
    ("body.forwarded_headers.x-forwarded-prefix", "/api/v1"),
    ("headers.content-type", "application/json"),
    # list indexes as digits
    ("schema.body.servers.0.url", "/api/v1"),
    ("schema.body.servers.1", {"url": "https://stag.example.com"}),
    ("body.empty", ""),
    ("body.nothing", None),
    ("hops", []),
    # leads nowhere: a distinct MISSING, never None or ""
    ("body.forwarded_headers.x-forwarded-for", MISSING),
    ("schema.body.servers.2.url", MISSING),
    ("body.path.deeper", MISSING),
    ("schema.body.servers.first", MISSING),
    ("nope", MISSING),
]


@pytest.mark.parametrize(("name", "value"), LOOKUPS, ids=[case[0] for case in LOOKUPS])
def test_a_dotted_name_walks_dicts_and_list_indexes(name, value):
    """A lab would read the wrong value, or none, for this field."""
    found = lookup(ANSWER, name)
    assert found is MISSING if value is MISSING else found == value


def test_missing_shows_as_absent():
    """A table would show `None` (or nothing) for a header that was never sent."""
    assert text(MISSING) == "(absent)" and repr(MISSING) == "(absent)"


# --- expectations: (expected as written, actual, holds?) -------------------------------------------

CASES = [
    ("equal string", "/api/v1/app", "/api/v1/app", True),
    ("different string", "/api/v1/app", "/app", False),
    ("equal number", 200, 200, True),
    ("string is not a number", "200", 200, False),
    ("true is not 1", True, 1, False),
    ("equal list of mappings", [{"url": "/api/v1"}], [{"url": "/api/v1"}], True),
    ("equal mapping", {"x-forwarded-prefix": "/api/v1"}, {"x-forwarded-prefix": "/api/v1"}, True),
    ("null matches None", None, None, True),
    ("null matches absent", None, MISSING, True),
    ("a value never matches absent", "", MISSING, False),
    ("contains substring", {"contains": "/api/v1"}, "http://h/api/v1/items/", True),
    ("contains missing substring", {"contains": "/api/v2"}, "http://h/api/v1/items/", False),
    ("contains list element", {"contains": {"url": "/api/v1"}}, [{"url": "/api/v1"}, {"url": "/x"}], True),
    ("contains mapping key", {"contains": "x-real-ip"}, {"x-real-ip": "1.2.3.4"}, True),
    ("contains on absent", {"contains": "a"}, MISSING, False),
    (
        "matches regex search",
        {"matches": r"^http://127\.0\.0\.1:\d+/api/v1/"},
        "http://127.0.0.1:9102/api/v1/app",
        True,
    ),
    ("matches on a number", {"matches": "^30[17]$"}, 307, True),
    ("matches fails", {"matches": "^https://"}, "http://x/", False),
    ("absent true on absent", {"absent": True}, MISSING, True),
    ("absent true on empty string", {"absent": True}, "", False),
    ("absent false on a value", {"absent": False}, "x", True),
    # a one-key mapping whose key is not a matcher is a plain value
    ("plain one-key mapping", {"url": "/api/v1"}, {"url": "/api/v1"}, True),
]


@pytest.mark.parametrize(("expected", "actual", "holds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_expectation_holds_exactly_when_it_should(native_context, expected, actual, holds):
    """A step would pass on a wrong value or fail on a right one."""
    assert parse_expectation(expected).holds(actual, native_context) is holds


# --- placeholders in expectations: the same lab on both backends -------------------------------------

PLACEHOLDERS = [
    ("native", "{client}", "127.0.0.77"),
    ("compose", "{client}", "172.30.0.1"),
    ("native", "http://{upstream:app-server-root-path}/api/v1/app", "http://127.0.0.1:8000/api/v1/app"),
    (
        "compose",
        "http://{upstream:app-server-root-path}/api/v1/app",
        "http://app-server-root-path:8000/api/v1/app",
    ),
    ("compose", "{source:traefik}", "172.30.0.2"),
]


@pytest.mark.parametrize(("backend", "written", "live"), PLACEHOLDERS)
def test_placeholders_in_an_expectation_are_expanded_for_the_backend(backend, written, live):
    """A lab's expectation would hold on one backend only, or compare `{client}` literally."""
    stack = compose.load()
    context = Context(stack, choose(stack, wanted=backend))
    expectation = parse_expectation(written)
    assert expectation.holds(live, context)
    assert expectation.describe(context) == live


def test_placeholders_inside_lists_mappings_and_matchers_are_expanded(native_context):
    """Placeholders would work in plain strings only, not in a list, a mapping or a matcher."""
    assert parse_expectation({"x-forwarded-for": "{client}"}).holds(
        {"x-forwarded-for": "127.0.0.77"}, native_context
    )
    assert parse_expectation(["{client}"]).holds(["127.0.0.77"], native_context)
    assert parse_expectation({"contains": "{client}"}).holds("203.0.113.9, 127.0.0.77", native_context)
    assert parse_expectation({"matches": "^{client}$"}).holds("127.0.0.77", native_context)


@pytest.mark.parametrize(
    ("expected", "described"),
    [
        (200, "200"),
        ("", '""'),
        (None, "null"),
        ({"contains": "/api"}, "contains /api"),
        ({"matches": "^a"}, "matches ^a"),
        ({"absent": True}, "(absent)"),
        ([{"url": "/api/v1"}], '[{"url": "/api/v1"}]'),
    ],
)
def test_an_expectation_reads_as_a_person_would_write_it(native_context, expected, described):
    """The expected column would print Python reprs instead of the values a lab author wrote."""
    assert parse_expectation(expected).describe(native_context) == described
