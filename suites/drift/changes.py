"""What differs across the grid: every route × field whose cell is not the same in every step of an axis.

What: the grid has axes (the release sets; one per proxy, its releases oldest first), and each is
read on its own: `drifting_cells(grid)` lists each (axis, suite, route, field) with its value per
step of that axis; `changes(grid)` lists every step between neighbours of an axis where a cell
changed: the components that moved (uvicorn, ...; or the proxy), from which version to which,
the cell before and after, and the changelog entries that step crosses (changelog.py), or none.
`silent_entries(grid)` are the listed entries that no cell shows.
When: after suites.drift.grid.run_grid; the reports read these.
Why: the first release where a cell changed is the step where it changed; naming the entries
crossed by that step is what makes the table useful to someone about to upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass

from suites.drift.changelog import CHANGES, Change, references
from suites.drift.grid import Grid, SetRun, Step

NO_ENTRY = "no entry listed in suites/drift/changelog.py between these versions: read the release notes"


@dataclass(frozen=True)
class Drift:
    suite: str  # matrix or spoofing
    route: str
    field: str
    values: tuple[str, ...]  # one per step of its axis, in the axis's order
    axis: str = "python"  # "python" (the release sets) or the proxy whose releases the axis walks

    @property
    def field_name(self) -> str:
        return f"{self.suite}:{self.field}"


@dataclass(frozen=True)
class CellChange:
    """A cell that changed between two neighbouring steps of one axis."""

    before_set: Step
    after_set: Step
    drift: Drift
    before: str
    after: str
    entries: tuple[Change, ...]

    @property
    def moved(self) -> list[str]:
        """The components whose version differs between the two steps."""
        return [name for name in self.before_set.components if _moved(self.before_set, self.after_set, name)]

    @property
    def component(self) -> str:
        order = self.before_set.components
        named = sorted({entry.component for entry in self.entries}, key=order.index)
        return " + ".join(named or self.moved)

    def _versions(self, release_set: Step) -> str:
        return ", ".join(release_set.version(name) for name in self.component.split(" + "))

    def as_json(self) -> dict[str, str]:
        return {
            "component": self.component,
            "from_version": self._versions(self.before_set),
            "to_version": self._versions(self.after_set),
            "route": self.drift.route,
            "field": self.drift.field_name,
            "before": self.before,
            "after": self.after,
            "reference": "; ".join(
                f"{e.reference} ({e.component} {e.version}: {e.summary})" for e in self.entries
            )
            or NO_ENTRY,
        }


def _moved(before: Step, after: Step, name: str) -> bool:
    return before.version(name) != after.version(name)


def _crossed(before: Step, after: Step) -> tuple[Change, ...]:
    """The listed entries a step from `before` to `after` crosses, component by component."""
    return tuple(
        entry
        for name in before.components
        for entry in references(name, before.version(name), after.version(name))
    )


def _axis_cells(axis: str, runs: list[SetRun]) -> list[Drift]:
    found = []
    for suite, table in runs[0].tables.items():
        for route, cells in table.items():
            for field in cells:
                values = tuple(run.tables[suite].get(route, {}).get(field, "(no cell)") for run in runs)
                if len(set(values)) > 1:
                    found.append(Drift(suite, route, field, values, axis))
    return found


def drifting_cells(grid: Grid) -> list[Drift]:
    """Every cell not equal in all steps of its axis, axis by axis, in the first step's route
    order, suite by suite."""
    return [drift for axis, runs in grid.axes() for drift in _axis_cells(axis, runs)]


def changes(grid: Grid) -> list[CellChange]:
    """Every change between neighbouring steps of an axis: a cell that changed twice is listed twice."""
    found = []
    for axis, runs in grid.axes():
        for drift in _axis_cells(axis, runs):
            for index in range(1, len(runs)):
                before, after = drift.values[index - 1], drift.values[index]
                if before == after:
                    continue
                steps = runs[index - 1].release_set, runs[index].release_set
                found.append(CellChange(*steps, drift, before, after, _crossed(*steps)))
    return found


def first_changes(grid: Grid) -> list[CellChange]:
    """Each drifting cell's first change along its axis: the first version that changed it."""
    seen: set[tuple[str, str, str, str]] = set()
    first = []
    for change in changes(grid):
        key = (change.drift.axis, change.drift.suite, change.drift.route, change.drift.field)
        if key not in seen:
            seen.add(key)
            first.append(change)
    return first


def crossed_entries(grid: Grid) -> list[Change]:
    """The listed entries some step between neighbours of an axis crosses."""
    crossed = {
        entry
        for _, runs in grid.axes()
        for before, after in zip(runs, runs[1:])
        for entry in _crossed(before.release_set, after.release_set)
    }
    return [entry for entry in CHANGES if entry in crossed]


def silent_entries(grid: Grid) -> list[Change]:
    """Entries the grid crosses that changed no cell: the grid's probes do not see them."""
    shown = {entry for step in changes(grid) for entry in step.entries}
    return [entry for entry in crossed_entries(grid) if entry not in shown]
