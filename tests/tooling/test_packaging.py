"""pyproject.toml's [tool.setuptools]: what `make venv`'s `pip install -e` and app/Dockerfile's
`pip install .` make of the repository, quietly.

When these fail, every `make venv` (the first `make up`) prints setuptools' forty-line
BuildBackendWarning again, "Package 'app.x' is absent from the `packages` configuration", or the
app image lacks a file the app serves (its /static mount would answer 404).
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from proxylab.paths import REPO

SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def _folders_of_the_app() -> dict[str, Path]:
    """Every folder under app/ as the dotted name Python could import it by (app.static)."""
    app = REPO / "app"
    folders = [app, *(path for path in app.rglob("*") if path.is_dir() and path.name != "__pycache__")]
    return {".".join(folder.relative_to(REPO).parts): folder for folder in folders}


def test_every_folder_of_the_app_is_a_package() -> None:
    """setuptools takes any folder under a package for a package (a namespace one, with no
    __init__.py), and warns at every install about one that `packages` leaves out; listing a data
    folder is what its documentation asks (userguide/datafiles.html, "Subdirectory for Data Files")."""
    assert sorted(SETUPTOOLS["packages"]) == sorted(_folders_of_the_app())


def test_every_file_the_app_serves_is_package_data() -> None:
    """A file no pattern matches stays out of the image's site-packages (the app serves app/static)."""
    patterns = SETUPTOOLS["package-data"]
    missing = [
        str(path.relative_to(REPO))
        for package, folder in _folders_of_the_app().items()
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix not in (".py", ".pyc")
        and path.name != "Dockerfile"
        and not any(fnmatch(path.name, pattern) for pattern in patterns.get(package, []))
    ]
    assert missing == []


def test_the_editable_install_puts_the_repository_on_the_path() -> None:
    """With the root as the one package folder (and a simple layout), setuptools' editable install
    is a .pth file naming the repository: `app` and the tooling (proxylab, labs, suites...) import
    from any folder, and setuptools has no "Editable installation" warning to give, as it does
    for the finder it installs otherwise (its editable_wheel._select_strategy)."""
    assert SETUPTOOLS["package-dir"] == {"": "."}
