"""An app module whose import fails: a dependency that is not installed."""

import package_that_is_not_installed  # noqa: F401

app = None
