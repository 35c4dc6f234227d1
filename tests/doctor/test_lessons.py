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


def _redirected(asked: str, wanted: str) -> lessons.Lesson:
    """The lesson for a redirect the app makes from `asked` to `wanted` (paths as the app sees
    them), seen through Nginx stripping /api/v1 from an app without --root-path: the Location
    comes back without the prefix, as every such redirect does there."""
    from doctor.checks import Checks
    from doctor.crawl import check_redirect
    from doctor.fetch import Answer
    from doctor.layout import AppMode, Configuration

    config = Configuration("nginx", True, AppMode(None, 9910), 9911, "/api/v1")
    answer = Answer(config.public_base + asked, 307, f"{config.origin}{wanted}", b"")
    baseline = Answer(f"http://127.0.0.1:9910{asked}", 307, f"http://127.0.0.1:9910{wanted}", b"")
    checks = Checks()
    check_redirect(config, "redirects", answer.url, answer, baseline, wanted, checks)
    (symptom,) = checks.symptoms
    return lessons.lesson(symptom, config)


def test_a_redirect_the_app_makes_itself_is_not_sent_to_the_trailing_slash_step() -> None:
    """Gradio's /logout → / is no trailing-slash redirect: pointing its reader at redirect_slashes
    would teach the wrong cause. The slash redirect keeps its own step."""
    assert _redirected("/items", "/items/").step == lessons.SLASH_NO_ROOT.step
    made = _redirected("/logout", "/")
    assert made.step == lessons.REDIRECT_NO_ROOT.step and "url_for" in made.why
    assert "/api/v1" in made.why and "PREFIX" not in made.why
