"""Dotted field names and the expectations a lab step writes about them.

A step's answer is a nested mapping (`instruments.client.Response.fields()`, `DocsProbe.fields()`); a lab
names a value in it with a dotted path: `body.forwarded_headers.x-forwarded-prefix` walks dicts
(keys may contain dashes), `schema.body.servers.0.url` indexes a list. A path that leads nowhere
gives `MISSING`, shown as "(absent)", so "the header was not sent" never looks like "sent empty".

An expectation is a plain value (equal after placeholder expansion, `{client}` and friends, see
proxylab/context.py; `null` also accepts an absent field) or one of three matchers written as a
one-key mapping: `contains:`, `matches:` (a regex search) and `absent: true`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

FIELD_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


class _Missing:
    """The value of a field the answer does not have."""

    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


def lookup(fields: Mapping[str, Any], name: str) -> Any:
    """The value at dotted `name` in `fields`, or MISSING."""
    value: Any = fields
    for part in name.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


class ExpandsPlaceholders(Protocol):
    """What an expectation needs of proxylab.context.Context (or of a stand-in in unit tests)."""

    def expand_any(self, value: Any) -> Any: ...


@dataclass(frozen=True)
class Expectation:
    """What a step expects of one field: `kind` is "equals", "contains", "matches" or "absent"."""

    kind: str
    value: Any  # as written in the lab file; placeholders are expanded at check time

    def expected(self, context: ExpandsPlaceholders) -> Any:
        """The value as this backend makes it: placeholders such as {client} filled in."""
        return context.expand_any(self.value)

    def holds(self, actual: Any, context: ExpandsPlaceholders) -> bool:
        expected = self.expected(context)
        if self.kind == "absent":
            return (actual is MISSING) == bool(expected)
        if actual is MISSING:
            return self.kind == "equals" and expected is None
        if self.kind == "equals":
            return (type(actual) is type(expected) and actual == expected) or _same_number(actual, expected)
        if self.kind == "contains":
            return _contains(actual, expected)
        subject = actual if isinstance(actual, str) else text(actual)
        return re.search(expected, subject) is not None

    def describe(self, context: ExpandsPlaceholders) -> str:
        """The expectation as a person reads it: `200`, `contains /api/v1`, `(absent)`."""
        expected = self.expected(context)
        if self.kind == "equals":
            return text(expected)
        if self.kind == "absent":
            return "(absent)" if expected else "(present)"
        return f"{self.kind} {text(expected)}"

    def as_data(self, context: ExpandsPlaceholders) -> Any:
        """The expectation for a JSON report: the plain value, or the matcher mapping."""
        expected = self.expected(context)
        return expected if self.kind == "equals" else {self.kind: expected}


def parse_expectation(raw: Any) -> Expectation:
    """A lab file's expected value → Expectation; ValueError says what is wrong with it."""
    if not (isinstance(raw, Mapping) and len(raw) == 1 and next(iter(raw)) in _MATCHERS):
        return Expectation("equals", raw)
    kind, value = next(iter(raw.items()))
    if kind == "absent" and not isinstance(value, bool):
        raise ValueError(f"`absent:` takes true or false, not {value!r}")
    if kind == "matches":
        if not isinstance(value, str):
            raise ValueError(f"`matches:` takes a regular expression string, not {value!r}")
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"`matches: {value}` is not a valid regular expression ({error})") from None
    return Expectation(kind, value)


_MATCHERS = ("contains", "matches", "absent")


def text(value: Any) -> str:
    """One value on one line, as the tables, reports and assertion messages print it."""
    if value is MISSING:
        return "(absent)"
    if isinstance(value, str):
        return value if value else '""'
    return json.dumps(value, ensure_ascii=False)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    if isinstance(actual, (list, Mapping)):
        return expected in actual
    return False


def _same_number(actual: Any, expected: Any) -> bool:
    """200 == 200.0, but True is not 1: YAML booleans and numbers stay apart."""
    numbers = (int, float)
    return (
        isinstance(actual, numbers)
        and isinstance(expected, numbers)
        and not isinstance(actual, bool)
        and not isinstance(expected, bool)
        and actual == expected
    )
