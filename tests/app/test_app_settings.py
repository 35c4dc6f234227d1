"""Settings.from_env: every variable, its default, and the error a bad value gives.

Each case hands `from_env` its own mapping, so no test touches the process environment.
"""

from __future__ import annotations

import pytest
from uvicorn.config import Config

from app.settings import DOCS_EXAMPLE_SERVERS, UVICORN_DEFAULT_FORWARDED_ALLOW_IPS, Settings, SettingsError


def test_defaults_with_an_empty_environment() -> None:
    """An app started with no PROXYLAB_* variables would not be the plain mode the labs assume."""
    assert Settings.from_env({}) == Settings(
        instance="app",
        app_root_path="",
        root_path_in_servers=True,
        extra_servers=(),
        startup_delay_s=0.0,
        forwarded_allow_ips=None,
    )


# --- one variable at a time: raw value -> parsed field ----------------------------------------
@pytest.mark.parametrize(
    ("variable", "raw", "field", "expected"),
    [
        ("PROXYLAB_INSTANCE", "app-plain", "instance", "app-plain"),
        ("PROXYLAB_INSTANCE", "", "instance", "app"),  # compose's ${VAR:-} gives "", not unset
        ("PROXYLAB_APP_ROOT_PATH", "/api/v1", "app_root_path", "/api/v1"),
        ("PROXYLAB_APP_ROOT_PATH", "", "app_root_path", ""),
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", "false", "root_path_in_servers", False),
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", "FALSE", "root_path_in_servers", False),
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", "0", "root_path_in_servers", False),
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", "No", "root_path_in_servers", False),
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", "True", "root_path_in_servers", True),
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", "1", "root_path_in_servers", True),
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", " yes ", "root_path_in_servers", True),
        ("PROXYLAB_EXTRA_SERVERS", "", "extra_servers", ()),
        ("PROXYLAB_EXTRA_SERVERS", "docs-example", "extra_servers", DOCS_EXAMPLE_SERVERS),
        (
            "PROXYLAB_EXTRA_SERVERS",
            '[{"url": "https://x.example", "description": "X"}, {"url": "/other"}]',
            "extra_servers",
            ({"url": "https://x.example", "description": "X"}, {"url": "/other"}),
        ),
        ("PROXYLAB_STARTUP_DELAY", "2.5", "startup_delay_s", 2.5),
        ("PROXYLAB_STARTUP_DELAY", "0", "startup_delay_s", 0.0),
        ("PROXYLAB_STARTUP_DELAY", "", "startup_delay_s", 0.0),
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", "", "root_path_in_servers", True),  # empty means default
        ("FORWARDED_ALLOW_IPS", "172.30.0.2,172.30.0.3", "forwarded_allow_ips", "172.30.0.2,172.30.0.3"),
        ("FORWARDED_ALLOW_IPS", "", "forwarded_allow_ips", ""),  # uvicorn then trusts nobody
    ],
)
def test_each_variable_is_parsed(variable: str, raw: str, field: str, expected: object) -> None:
    """A compose `environment:` entry would not switch the mode the lab says it switches."""
    assert getattr(Settings.from_env({variable: raw}), field) == expected


def test_docs_example_is_the_docs_tutorial003_servers() -> None:
    """The docs-example mode would no longer reproduce the FastAPI docs' Additional servers section."""
    assert DOCS_EXAMPLE_SERVERS == (
        {"url": "https://stag.example.com", "description": "Staging environment"},
        {"url": "https://prod.example.com", "description": "Production environment"},
    )


# --- bad values stop the app and name the variable --------------------------------------------
@pytest.mark.parametrize(
    ("variable", "raw", "message_part"),
    [
        ("PROXYLAB_ROOT_PATH_IN_SERVERS", "maybe", "true/false, 1/0, yes/no"),
        ("PROXYLAB_STARTUP_DELAY", "soon", "not a number of seconds"),
        ("PROXYLAB_STARTUP_DELAY", "-1", "zero or more"),
        ("PROXYLAB_STARTUP_DELAY", "nan", "finite number"),
        ("PROXYLAB_STARTUP_DELAY", "inf", "finite number"),
        ("PROXYLAB_APP_ROOT_PATH", "api/v1", "must start with '/'"),
        ("PROXYLAB_APP_ROOT_PATH", "/api/v1/", "not end with '/'"),
        ("PROXYLAB_EXTRA_SERVERS", "staging", "neither 'docs-example' nor valid JSON"),
        ("PROXYLAB_EXTRA_SERVERS", '{"url": "https://x"}', "must be a JSON list"),
        ("PROXYLAB_EXTRA_SERVERS", '["https://x"]', "[0] must be an object"),
        ("PROXYLAB_EXTRA_SERVERS", '[{"description": "no url"}]', "needs a non-empty string 'url'"),
        ("PROXYLAB_EXTRA_SERVERS", '[{"url": "https://x", "name": "x"}]', "unknown keys ['name']"),
        (
            "PROXYLAB_EXTRA_SERVERS",
            '[{"url": "https://x", "description": 3}]',
            "description must be a string",
        ),
    ],
)
def test_bad_values_name_the_variable(variable: str, raw: str, message_part: str) -> None:
    """A typo in compose would start an app in some other mode, or fail with an unhelpful error."""
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: raw})
    assert variable in str(raised.value)
    assert message_part in str(raised.value)


# --- what the echo reports as trusted_proxies -------------------------------------------------
@pytest.mark.parametrize(
    ("forwarded_allow_ips", "reported"),
    [
        (None, "127.0.0.1,::1 (uvicorn default)"),
        ("*", "*"),
        ("172.30.0.2,172.30.0.3", "172.30.0.2,172.30.0.3"),
    ],
)
def test_trusted_proxies_reports_the_raw_setting(forwarded_allow_ips: str | None, reported: str) -> None:
    """The echo would misstate which hops uvicorn believes X-Forwarded-* from."""
    assert Settings(forwarded_allow_ips=forwarded_allow_ips).trusted_proxies == reported


def test_the_reported_default_is_uvicorns_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a uvicorn upgrade the echo would report a default uvicorn no longer uses.

    uvicorn 0.55 falls back to "127.0.0.1,::1" (uvicorn/config.py), not the "127.0.0.1" older
    versions and most blog posts mention.
    """
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert Config(app="app.main:app").forwarded_allow_ips == UVICORN_DEFAULT_FORWARDED_ALLOW_IPS
