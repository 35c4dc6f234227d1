"""A lab file (labs/NN-slug.yaml), read and checked into `Lab` and `Step` before anything runs.

Every fault a lab author can make (bad YAML, an unknown key, a missing title or steps, a step
with no action or two, `expect` that is not a mapping, a malformed field name, a bad regex) is a
`LabFileError` naming the file, the step and the problem, so a typo fails at load time with a
message rather than as a puzzling mismatch on a projector. labs/README.md describes the format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from labs.evidence import Evidence, parse_evidence
from labs.fields import FIELD_NAME, Expectation, parse_expectation
from labs.kinds import KINDS, Action, StepKind
from proxylab import compose, yamlload
from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.paths import REPO

LABS_DIR = Path(__file__).resolve().parent
FILE_NAME = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.yaml$")
LAB_KEYS = ("title", "time", "goal", "steps", "remember", "backends", "profiles", "side_by_side")
BACKENDS = ("compose", "native")  # proxylab.backend.NAMES; a lab may name the ones it runs on
# What adds a compose.yaml profile a lab needs to `make up`; any other profile: COMPOSE_PROFILES
# itself. A later `make lab` sees the profiles the stack was started with (compose.PROFILES_FILE).
PROFILE_SWITCH = {"k8s": "K8S=1"}
STEP_KEYS = ("title", "show", "expect", "why", "evidence")


class LabFileError(ProxylabError):
    """A lab file that cannot run as written: which file, which step, what is wrong."""

    def __init__(self, path: Path, problem: str, step: tuple[int, str | None] | None = None) -> None:
        where = _shown(path)
        if step is not None:
            number, title = step
            where += f", step {number}" + (f" ({title!r})" if title else " (no title)")
        super().__init__(where, problem, "fix the lab file; labs/README.md describes the format")


@dataclass(frozen=True)
class Step:
    number: int  # from 1, in file order
    title: str
    kind: str  # the action key: request, docs, ...
    action: Action
    show: tuple[str, ...]
    expect: dict[str, Expectation]
    why: str
    evidence: tuple[Evidence, ...] = ()  # where the why comes from (labs/evidence.py)

    @property
    def field_names(self) -> list[str]:
        """The fields a table shows: `show` in order, then every expected field not in it."""
        return [*self.show, *(name for name in self.expect if name not in self.show)]


@dataclass(frozen=True)
class Lab:
    path: Path
    title: str
    time: str
    goal: str
    steps: tuple[Step, ...]
    remember: tuple[str, ...]
    backends: tuple[str, ...] = BACKENDS  # where it runs; elsewhere every step is skipped
    # compose.yaml profiles whose routes it uses (`[k8s]`); where one is not active, every step is skipped.
    profiles: tuple[str, ...] = ()
    # Where steps that restart and load disjoint services may run at once (labs/side_by_side.py);
    # elsewhere, and by default everywhere, one step at a time.
    side_by_side: tuple[str, ...] = ()

    def runs_on(self, backend: str) -> bool:
        return backend in self.backends

    def skip_reason(self, backend: str, stack: Stack) -> str | None:
        """Why every step is skipped on this stack ("runs on the native backend only"), or None."""
        if not self.runs_on(backend):
            only = " and ".join(self.backends)
            return f"runs on the {only} backend only: `make down`, then `BACKEND={self.backends[0]} make up`"
        missing = [profile for profile in self.profiles if profile in stack.inactive]
        if missing:
            how = " ".join(PROFILE_SWITCH.get(profile, f"COMPOSE_PROFILES={profile}") for profile in missing)
            return (
                f"needs compose.yaml's profile {', '.join(missing)}, which the stack runs without: "
                f"`make down`, then `make up {how}`"
            )
        return None

    @property
    def name(self) -> str:  # 01-behind-a-stripping-proxy
        return self.path.stem

    @property
    def number(self) -> str:  # 01
        return self.name[:2]


def find_labs(directory: Path = LABS_DIR) -> list[Path]:
    """Every lab file in `directory`, in number order; two labs with one number is an error."""
    paths = sorted(directory.glob("[0-9]*.yaml"))
    seen: dict[str, Path] = {}
    for path in paths:
        if path.name[:2] in seen:
            raise LabFileError(
                path, f"lab number {path.name[:2]} is taken by {seen[path.name[:2]].name}; number labs once"
            )
        seen[path.name[:2]] = path
    return paths


def select(wanted: list[str], directory: Path = LABS_DIR) -> list[Path]:
    """The lab files named by number (`1`, `01`), name (`01-behind-a-stripping-proxy`) or path
    (a draft elsewhere); every lab in `directory` if none."""
    paths = find_labs(directory)
    if not wanted:
        return paths
    chosen = []
    for word in wanted:
        if word.endswith(".yaml") and Path(word).is_file():
            chosen.append(Path(word))
            continue
        key = word.removesuffix(".yaml").split("/")[-1]
        key = key.zfill(2) if key.isdigit() else key
        match = [path for path in paths if path.stem == key or path.name[:2] == key]
        if not match:
            raise ProxylabError(
                f"lab {word}", f"no such lab in {_shown(directory)}/", "`python -m labs list` shows the labs"
            )
        chosen += match
    return chosen


def load_lab(path: Path) -> Lab:
    """Read and check one lab file; LabFileError on any fault."""
    if not FILE_NAME.match(path.name):
        raise LabFileError(
            path,
            "a lab file is named NN-slug.yaml (two digits, lower-case slug), "
            "e.g. 01-behind-a-stripping-proxy.yaml",
        )
    try:
        with path.open(encoding="utf-8") as stream:  # a stream: YAML's error names the file
            data = yamlload.safe_load(stream)
    except (OSError, yaml.YAMLError) as error:
        raise LabFileError(path, f"cannot be read as YAML: {error}") from None
    if not isinstance(data, Mapping):
        raise LabFileError(path, f"a lab file is a mapping with {', '.join(LAB_KEYS)}")
    _check_keys(path, data, LAB_KEYS, "a lab", None)
    for key in ("title", "steps"):
        if not data.get(key):
            raise LabFileError(path, f"`{key}:` is missing or empty")
    steps = data["steps"]
    if not isinstance(steps, list):
        raise LabFileError(path, "`steps:` is a list of steps")
    remember = data.get("remember") or []
    if not isinstance(remember, list) or not all(isinstance(line, str) for line in remember):
        raise LabFileError(path, "`remember:` is a list of strings")
    backends = data.get("backends") or list(BACKENDS)
    if not isinstance(backends, list) or not backends or any(name not in BACKENDS for name in backends):
        raise LabFileError(path, f"`backends:` is a list of {' and '.join(BACKENDS)}")
    profiles = data.get("profiles") or []
    known = _profiles()
    if not isinstance(profiles, list) or any(name not in known for name in profiles):
        raise LabFileError(
            path, f"`profiles:` is a list of compose.yaml's profiles ({', '.join(sorted(known))})"
        )
    side_by_side = data.get("side_by_side") or []
    if not isinstance(side_by_side, list) or any(name not in BACKENDS for name in side_by_side):
        raise LabFileError(
            path,
            f"`side_by_side:` is a list of backends ({' and '.join(BACKENDS)}) "
            "where steps that share no service run at once",
        )
    return Lab(
        path=path,
        title=_text(path, data, "title", None),
        time=_text(path, data, "time", None),
        goal=_text(path, data, "goal", None).strip(),
        steps=tuple(_step(path, number, spec) for number, spec in enumerate(steps, start=1)),
        remember=tuple(remember),
        backends=tuple(backends),
        profiles=tuple(profiles),
        side_by_side=tuple(side_by_side),
    )


@cache
def _profiles() -> frozenset[str]:
    """Every profile a service of compose.yaml names, whichever are active."""
    services = compose.load(profiles=compose.ALL_PROFILES).services.values()
    return frozenset(profile for service in services for profile in service.profiles)


def _step(path: Path, number: int, spec: Any) -> Step:
    if not isinstance(spec, Mapping):
        raise LabFileError(path, "a step is a mapping with a title and one action", (number, None))
    title = spec.get("title") if isinstance(spec.get("title"), str) else None
    where = (number, title)
    _check_keys(path, spec, (*STEP_KEYS, *KINDS), "a step", where, f"; actions: {', '.join(KINDS)}")
    if title is None:
        raise LabFileError(path, "`title:` is missing or not a string", where)
    actions = [key for key in spec if key in KINDS]
    if len(actions) != 1:
        found = f"{len(actions)} ({', '.join(actions)})" if actions else "none"
        raise LabFileError(
            path, f"a step takes exactly one action ({', '.join(KINDS)}); found {found}", where
        )
    kind = KINDS[actions[0]]
    try:
        action = kind.parse(spec[kind.name])
    except ValueError as error:
        raise LabFileError(path, str(error), where) from None
    show = spec.get("show") or []
    if not isinstance(show, list):
        raise LabFileError(path, f"`show:` is a list of field names, not {show!r}", where)
    expect = spec.get("expect") or {}
    if not isinstance(expect, Mapping):
        raise LabFileError(path, f"`expect:` is a mapping of field: expected value, not {expect!r}", where)
    for name in [*show, *expect]:
        _check_field(path, where, kind, name)
    expectations = {}
    for name, raw in expect.items():
        try:
            expectations[name] = parse_expectation(raw)
        except ValueError as error:
            raise LabFileError(path, f"`expect: {name}`: {error}", where) from None
    evidence = spec.get("evidence") or []
    if not isinstance(evidence, list):
        raise LabFileError(path, f"`evidence:` is a list of `kind: reference` lines, not {evidence!r}", where)
    try:
        sources = tuple(parse_evidence(line) for line in evidence)
    except ValueError as error:
        raise LabFileError(path, str(error), where) from None
    return Step(
        number,
        title,
        kind.name,
        action,
        tuple(show),
        expectations,
        _text(path, spec, "why", where).strip(),
        sources,
    )


def _check_field(path: Path, where: tuple[int, str | None], kind: StepKind, name: Any) -> None:
    if not isinstance(name, str) or not FIELD_NAME.match(name):
        raise LabFileError(
            path, f"{name!r} is not a dotted field name (like body.path or schema.body.servers.0.url)", where
        )
    if name.split(".")[0] not in kind.fields:
        raise LabFileError(
            path, f"{name!r} is not a field of a {kind.name} step ({', '.join(kind.fields)})", where
        )


def _check_keys(
    path: Path,
    data: Mapping[str, Any],
    allowed: tuple[str, ...],
    what: str,
    where: tuple[int, str | None] | None,
    hint: str = "",
) -> None:
    unknown = [key for key in data if key not in allowed]
    if unknown:
        named = [key for key in allowed if key not in KINDS]
        raise LabFileError(path, f"unknown key {unknown[0]!r}: {what} takes {', '.join(named)}{hint}", where)


def _text(path: Path, data: Mapping[str, Any], key: str, where: tuple[int, str | None] | None) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str):
        raise LabFileError(path, f"`{key}:` is text, not {value!r}", where)
    return value


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)
