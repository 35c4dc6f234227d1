"""Every lab step the doctor names exists, so a reader who runs `python -m labs present NN` finds it.
A failure means a lab step was renamed or removed: update doctor/lessons.py to the new title."""

from __future__ import annotations

import pytest

from doctor import lessons
from labs.model import find_labs, load_lab


@pytest.mark.parametrize("lesson", lessons.ALL, ids=lambda lesson: f"{lesson.lab}: {lesson.step}")
def test_the_named_step_is_in_that_lab(lesson: lessons.Lesson) -> None:
    path = next(p for p in find_labs() if p.name.startswith(lesson.lab + "-"))
    titles = [step.title for step in load_lab(path).steps]
    assert lesson.step in titles, f"lab {lesson.lab} has no step {lesson.step!r}; its steps: {titles}"
