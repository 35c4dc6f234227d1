"""What differs across the grid: every route × field whose cell is not the same in every set.

What: `drifting_cells(grid)` lists each (suite, route, field) with its value per set;
`changes(grid)` lists every step between neighbouring sets where a cell changed: the components
that moved, from which version to which, the cell before and after, and the changelog entries
that step crosses (changelog.py), or none. `silent_entries(grid)` are the listed entries that no
cell shows.
When: after suites.drift.grid.run_grid; the reports read these.
Why: the first release where a cell changed is the step where it changed; naming the entries
crossed by that step is what makes the table useful to someone about to upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass

from instruments.releases.sets import COMPONENTS, ReleaseSet
from suites.drift.changelog import CHANGES, Change, references
from suites.drift.grid import Grid

NO_ENTRY = "no entry listed in suites/drift/changelog.py between these versions: read the release notes"


@dataclass(frozen=True)
class Drift:
    suite: str  # matrix or spoofing
    route: str
    field: str
    values: tuple[str, ...]  # one per set, in the grid's order

    @property
    def field_name(self) -> str:
        return f"{self.suite}:{self.field}"


@dataclass(frozen=True)
class CellChange:
    """A cell that changed between two neighbouring sets."""

    before_set: ReleaseSet
    after_set: ReleaseSet
    drift: Drift
    before: str
    after: str
    entries: tuple[Change, ...]

    @property
    def moved(self) -> list[str]:
        """The components whose version differs between the two sets."""
        return [name for name in COMPONENTS if self.before_set.version(name) != self.after_set.version(name)]

    @property
    def component(self) -> str:
        named = sorted({entry.component for entry in self.entries}, key=COMPONENTS.index)
        return " + ".join(named or self.moved)

    def _versions(self, release_set: ReleaseSet) -> str:
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


def drifting_cells(grid: Grid) -> list[Drift]:
    """Every cell not equal in all sets, in the first set's route order, suite by suite."""
    if not grid.runs:
        return []
    found = []
    for suite, table in grid.runs[0].tables.items():
        for route, cells in table.items():
            for field in cells:
                values = tuple(run.tables[suite].get(route, {}).get(field, "(no cell)") for run in grid.runs)
                if len(set(values)) > 1:
                    found.append(Drift(suite, route, field, values))
    return found


def changes(grid: Grid) -> list[CellChange]:
    found = []
    for drift in drifting_cells(grid):
        for index in range(1, len(grid.runs)):
            before_set, after_set = grid.runs[index - 1].release_set, grid.runs[index].release_set
            before, after = drift.values[index - 1], drift.values[index]
            if before == after:
                continue
            entries = tuple(
                entry
                for name in COMPONENTS
                for entry in references(name, before_set.version(name), after_set.version(name))
            )
            found.append(CellChange(before_set, after_set, drift, before, after, entries))
    return found


def crossed_entries(grid: Grid) -> list[Change]:
    """The listed entries some step between neighbouring sets crosses."""
    crossed = set()
    for before, after in zip(grid.runs, grid.runs[1:]):
        for name in COMPONENTS:
            crossed.update(
                references(name, before.release_set.version(name), after.release_set.version(name))
            )
    return [entry for entry in CHANGES if entry in crossed]


def silent_entries(grid: Grid) -> list[Change]:
    """Entries the grid crosses that changed no cell: the grid's probes do not see them."""
    shown = {entry for step in changes(grid) for entry in step.entries}
    return [entry for entry in crossed_entries(grid) if entry not in shown]
