"""proxylab.check: `make check` passes on the repo's files and catches each kind of drift.

Each mutation test breaks one line of a copy of the lab's files (see conftest.py) and expects the
check that guards that line to fail with a message naming what broke.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from proxylab.check import (
    README_BEGIN,
    README_END,
    Finding,
    check_compose_config,
    check_schema,
    route_table_markdown,
    run_checks,
)
from proxylab.check.schema import compose_pins, schema_file
from proxylab.check.versions import README_HEADING
from proxylab.compose import Stack
from proxylab.errors import ProxylabError
from proxylab.paths import REPO
from proxylab.proxies.nginx.config import read_nginx_servers

CHECKS = [
    "schema",
    "compose",
    "files",
    "ports",
    "trust",
    "traefik",
    "nginx",
    "caddy",
    "haproxy",
    "tls",
    "versions",
    "readme",
]


def failures(findings: list[Finding], check: str) -> list[str]:
    return [finding.message for finding in findings if finding.check == check and not finding.ok]


def write_readme(folder: Path, stack: Stack, table: str | None = None) -> Path:
    """A README with the route table and, as the repo's, the table of versions that differ."""
    readme = folder / "README.md"
    table = route_table_markdown(stack) if table is None else table
    readme.write_text(f"# proxylab\n\n{README_BEGIN}\n{table}{README_END}\n\n{_versions_section()}")
    return readme


def _versions_section() -> str:
    text = (REPO / "README.md").read_text()
    start = text.index(f"### {README_HEADING}")
    end = text.find("\n#", start + 1)
    return text[start : end if end != -1 else None]


# --- the repo's own files -------------------------------------------------------------------


@pytest.mark.parametrize("check", CHECKS)
def test_the_repo_passes_every_check(real_stack: Stack, check: str) -> None:
    """compose.yaml, traefik/, nginx/, tools/ or README.md disagree: `make check` fails on a clean
    checkout."""
    findings = [finding for finding in run_checks(real_stack) if finding.check == check]
    assert findings, f"run_checks() no longer runs the {check} check"
    assert failures(findings, check) == []


def test_an_unedited_copy_passes_every_check(lab_copy: Path, load_copy: Callable[[], Stack]) -> None:
    """The copy the mutation tests break already fails: their failures would prove nothing."""
    stack = load_copy()
    findings = run_checks(stack, readme=write_readme(lab_copy, stack))
    assert [finding for finding in findings if not finding.ok] == []
    assert sorted({finding.check for finding in findings}) == sorted(CHECKS)


# --- one broken line each -------------------------------------------------------------------

TEMPLATE = "nginx/templates/routes.conf.template"
CADDYFILE = "caddy/Caddyfile"
HAPROXY = "haproxy/haproxy.cfg"

MUTATIONS = [
    # traefik-k8s: its routes come from k8s/base's objects (proxylab/proxies/traefik/k8s_check.py)
    pytest.param(
        "compose.yaml",
        "target: 9411, x-route: {app: app-plain, strips: true}",
        "target: 9411, x-route: {app: app-trust-all, strips: true}",
        "traefik",
        ["9411", "Ingress strip-to-app-plain", "app-trust-all"],
        id="k8s-ingress-leads-to-another-app",
    ),
    pytest.param(
        "compose.yaml",
        "target: 9421, x-route: {app: app-plain, strips: true, rewrite: gateway-api}",
        "target: 9421, x-route: {app: app-plain, strips: false, rewrite: gateway-api}",
        "traefik",
        ["9421", "HTTPRoute rewrite-to-app-plain", "strips /api/v1"],
        id="k8s-httproute-strips-where-x-route-keeps",
    ),
    pytest.param(
        "traefik-k8s/traefik.yml",
        'address: ":9431"',
        'address: ":9439"',
        "traefik",
        ["9431", "no entryPoint"],
        id="k8s-port-without-entrypoint",
    ),
    # ports
    pytest.param(
        "compose.yaml",
        'published: "9002"',
        'published: "9001"',
        "ports",
        ["host port 9001"],
        id="duplicate-host-port",
    ),
    pytest.param(
        "compose.yaml",
        "{app: app-plain, strips: true}",
        "{app: app-missing, strips: true}",
        "ports",
        ["app-missing", "9001"],
        id="route-to-unknown-app",
    ),
    pytest.param(
        "compose.yaml",
        "target: 8000, x-route: {app: app-plain}}",
        'target: 8000, x-route: {app: app-plain}}\n      - {name: again, published: "8101", target: 8000}',
        "ports",
        ["app-plain", "container port 8000"],
        id="container-port-published-twice",
    ),
    # trust
    pytest.param(
        "compose.yaml",
        "&trusted-proxies 172.30.0.2,172.30.0.3,172.30.0.6,172.30.0.7",
        "&trusted-proxies 172.30.0.2,172.30.0.3,172.30.0.6",
        "trust",
        ["app-plain", "172.30.0.7"],
        id="trust-misses-a-proxy",
    ),
    pytest.param(
        "compose.yaml",
        "PROXYLAB_INSTANCE: app-plain",
        'PROXYLAB_INSTANCE: app-plain\n      FORWARDED_ALLOW_IPS: "*"',
        "trust",
        ["app-plain", '"*"'],
        id="trust-all-outside-the-demo-app",
    ),
    pytest.param(
        "compose.yaml",
        "networks: {lab: {ipv4_address: 172.30.0.2}}",
        "networks: [lab]",
        "trust",
        ["proxy traefik", "ipv4_address"],
        id="proxy-without-fixed-address",
    ),
    # files
    pytest.param(
        "compose.yaml",
        "./nginx/snippets:",
        "./nginx/snipets:",
        "files",
        ["nginx/snipets"],
        id="missing-volume-source",
    ),
    pytest.param(
        "compose.yaml",
        "dockerfile: app/Dockerfile",
        "dockerfile: app/Dockerfile.gone",
        "files",
        ["app/Dockerfile.gone"],
        id="missing-dockerfile",
    ),
    pytest.param(
        "compose.yaml",
        "--configFile=/etc/traefik/traefik.yml",
        "--configFile=/etc/traefik/traefik.yaml",
        "files",
        ["traefik.yaml"],
        id="traefik-config-file-missing",
    ),
    pytest.param(
        "traefik/traefik.yml",
        "directory: /etc/traefik/dynamic",
        "directory: /etc/traefik/routes",
        "files",
        ["/etc/traefik/routes"],
        id="traefik-provider-folder-missing",
    ),
    # traefik
    pytest.param(
        "traefik/traefik.yml",
        'keep-to-app-plain: {address: ":9011"}',
        "",
        "traefik",
        ["9011", "entryPoint"],
        id="traefik-port-without-entrypoint",
    ),
    pytest.param(
        "traefik/dynamic/routes.yml",
        "entryPoints: [keep-to-app-plain]",
        "entryPoints: [keep-to-app-plain, strip-to-app-plain]",
        "traefik",
        ["9001", "2 routers"],
        id="traefik-two-routers-on-one-port",
    ),
    pytest.param(
        "traefik/dynamic/routes.yml",
        "middlewares: [strip-api-prefix]\n      service: app-plain",
        "service: app-plain",
        "traefik",
        ["9001", "keeps /api/v1"],
        id="traefik-strip-route-keeps",
    ),
    pytest.param(
        "traefik/dynamic/routes.yml",
        "entryPoints: [keep-to-app-plain]",
        "entryPoints: [keep-to-app-plain]\n      middlewares: [strip-api-prefix]",
        "traefik",
        ["9011", "strips /api/v1"],
        id="traefik-keep-route-strips",
    ),
    pytest.param(
        "traefik/dynamic/routes.yml",
        "rule: PathPrefix(`/api/v1`)",
        "rule: PathPrefix(`/api/v2`)",
        "traefik",
        ["9001", "PathPrefix(`/api/v1`)"],
        id="traefik-rule-for-another-prefix",
    ),
    pytest.param(
        "traefik/dynamic/routes.yml",
        'url: "http://app-plain:8000"',
        'url: "http://app-app-root-path:8000"',
        "traefik",
        ["9001", "app-app-root-path"],
        id="traefik-upstream-is-another-app",
    ),
    pytest.param(
        "traefik/dynamic/routes.yml",
        'url: "http://app-plain:8000"',
        'url: "http://app-plain:8080"',
        "traefik",
        ["9001", "app-plain:8080"],
        id="traefik-upstream-wrong-port",
    ),
    pytest.param(
        "compose.yaml",
        "image: traefik:v3.6.12",
        "image: traefik:v3.6.11",
        "traefik",
        ["traefik:v3.6.11", "go.mod"],
        id="traefik-image-differs-from-go-mod",
    ),
    # nginx
    pytest.param(
        TEMPLATE,
        "listen 9113;",
        "listen 9114;",
        "nginx",
        ["9113", "listen 9113"],
        id="nginx-port-without-server",
    ),
    pytest.param(
        TEMPLATE,
        "listen 9103;\n    location /api/v1/ {",
        "listen 9103;\n    location /api/v2/ {",
        "nginx",
        ["9103", "location /api/v1/"],
        id="nginx-wrong-location",
    ),
    pytest.param(
        TEMPLATE,
        "proxy_pass http://app-plain:8000/;",
        "proxy_pass http://app-plain:8000;",
        "nginx",
        ["9101", "keeps /api/v1"],
        id="nginx-strip-route-keeps",
    ),
    pytest.param(
        TEMPLATE,
        "proxy_pass http://app-plain:8000;",
        "proxy_pass http://app-plain:8000/;",
        "nginx",
        ["9111", "strips /api/v1"],
        id="nginx-keep-route-strips",
    ),
    pytest.param(
        TEMPLATE,
        "proxy_pass http://app-plain:8000/;",
        "proxy_pass http://app-trust-all:8000/;",
        "nginx",
        ["9101", "app-trust-all"],
        id="nginx-upstream-is-another-app",
    ),
    pytest.param(
        TEMPLATE,
        "include snippets/forwarded-headers.conf;",
        "",
        "nginx",
        ["9101", "forwarded-headers.conf"],
        id="nginx-route-without-forwarded-headers",
    ),
    pytest.param(
        TEMPLATE,
        "listen 9120;\n    location /api/v1/ {",
        "listen 9120;\n    location /api/v1/ {\n        include snippets/forwarded-headers.conf;",
        "nginx",
        ["9120", "defaults"],
        id="nginx-defaults-route-sets-headers",
    ),
    # nginx, the ingress-nginx rewrite
    pytest.param(
        TEMPLATE,
        'rewrite "(?i)/api/v1(/|$)(.*)" /$2 break;\n        proxy_pass http://app-plain:8000;',
        "proxy_pass http://app-plain:8000;",
        "nginx",
        ["9160", "does not rewrite"],
        id="ingress-route-without-rewrite",
    ),
    pytest.param(
        TEMPLATE,
        'listen 9162;\n    location ~* "^/api/v1(/|$)(.*)"',
        'listen 9162;\n    location ~* "^/api/v2(/|$)(.*)"',
        "nginx",
        ["9162", "regex location"],
        id="ingress-route-other-prefix",
    ),
    pytest.param(
        TEMPLATE,
        'proxy_set_header X-Forwarded-Prefix "/api/v1";\n    }\n}\n\n'
        "server {\n    # ingress-strip-to-app-server-root-path",
        "}\n}\n\nserver {\n    # ingress-strip-to-app-server-root-path",
        "nginx",
        ["9160", "x-forwarded-prefix"],
        id="ingress-route-without-prefix-header",
    ),
    # caddy
    pytest.param(CADDYFILE, ":9213 {", ":9214 {", "caddy", ["9213", "0 sites"], id="caddy-port-without-site"),
    pytest.param(
        CADDYFILE,
        "# strip-to-app-plain\n\thandle_path /api/v1/*",
        "# strip-to-app-plain\n\thandle /api/v1/*",
        "caddy",
        ["9201", "keeps /api/v1"],
        id="caddy-strip-route-keeps",
    ),
    pytest.param(
        CADDYFILE,
        "# keep-to-app-plain\n\thandle /api/v1/*",
        "# keep-to-app-plain\n\thandle_path /api/v1/*",
        "caddy",
        ["9211", "strips /api/v1"],
        id="caddy-keep-route-strips",
    ),
    pytest.param(
        CADDYFILE,
        "reverse_proxy app-plain:8000 {",
        "reverse_proxy app-trust-all:8000 {",
        "caddy",
        ["9201", "app-trust-all"],
        id="caddy-upstream-is-another-app",
    ),
    pytest.param(
        "compose.yaml",
        "image: caddy:2.11.9-alpine",
        "image: caddy:2.11.8-alpine",
        "caddy",
        ["caddy:2.11.8-alpine", "go.mod"],
        id="caddy-image-differs-from-go-mod",
    ),
    pytest.param(
        CADDYFILE,
        "tls /etc/proxylab/certs/server.pem",
        "tls /etc/ssl/other.pem",
        "tls",
        ["9241", "/etc/ssl/other.pem"],
        id="caddy-certificate-outside-run-certs",
    ),
    pytest.param(
        CADDYFILE,
        ":9213 {",
        "https://:9213 {",
        "tls",
        ["9213", "terminates TLS"],
        id="caddy-plain-route-terminates-tls",
    ),
    # haproxy
    pytest.param(
        HAPROXY,
        "bind :9313",
        "bind :9314",
        "haproxy",
        ["9313", "0 frontends"],
        id="haproxy-port-without-frontend",
    ),
    pytest.param(
        HAPROXY,
        "http-request set-path %[path,regsub(^/api/v1/?,/)]\n    default_backend app-plain",
        "default_backend app-plain",
        "haproxy",
        ["9301", "keeps /api/v1"],
        id="haproxy-strip-route-keeps",
    ),
    pytest.param(
        HAPROXY,
        "server app-plain app-plain:8000",
        "server app-plain app-trust-all:8000",
        "haproxy",
        ["9301", "app-trust-all"],
        id="haproxy-upstream-is-another-app",
    ),
    pytest.param(
        HAPROXY,
        "    http-request set-header X-Forwarded-Proto http\n    # HAProxy does not say",
        "    # HAProxy does not say",
        "haproxy",
        ["9301", "X-Forwarded-Proto"],
        id="haproxy-route-passes-forged-proto",
    ),
    pytest.param(
        HAPROXY,
        "    bind :9350\n",
        "    bind :9350\n    http-request set-header X-Forwarded-Proto http\n",
        "haproxy",
        ["9350", "defaults"],
        id="haproxy-defaults-route-sets-proto",
    ),
    pytest.param(
        HAPROXY,
        "bind :9341 ssl crt /etc/proxylab/certs/server-with-key.pem",
        "bind :9341",
        "tls",
        ["9341", "does not terminate"],
        id="haproxy-tls-route-serves-http",
    ),
    pytest.param(
        HAPROXY,
        "crt /etc/proxylab/certs/server-with-key.pem",
        "crt /etc/ssl/other.pem",
        "tls",
        ["9341", "/etc/ssl/other.pem"],
        id="haproxy-certificate-outside-run-certs",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "check", "names"), MUTATIONS)
def test_each_check_catches_its_drift(
    edit: Callable[[str, str, str], None],
    load_copy: Callable[[], Stack],
    file: str,
    old: str,
    new: str,
    check: str,
    names: list[str],
) -> None:
    """A broken config passes `make check`, and a lab would measure a route that is not what its
    port promises."""
    edit(file, old, new)
    messages = failures(run_checks(load_copy(), readme=Path("/nonexistent/README.md")), check)
    assert any(all(name in message for name in names) for message in messages), messages


def test_a_malformed_route_fails_instead_of_crashing(
    edit: Callable[[str, str, str], None], load_copy: Callable[[], Stack]
) -> None:
    """`make check` would stop with a traceback on an x-route without `app`, instead of naming it."""
    edit("compose.yaml", "{app: app-plain, strips: true}", "{strips: true}")
    findings = run_checks(load_copy(), readme=Path("/nonexistent/README.md"))
    assert any("x-route.app None" in message for message in failures(findings, "ports"))
    assert sorted({finding.check for finding in findings}) == sorted(CHECKS)


def test_a_head_start_that_is_no_number_is_named(
    edit: Callable[[str, str, str], None], load_copy: Callable[[], Stack]
) -> None:
    """The native `up` would stop on a bare float() ValueError, naming neither the service nor the key."""
    edit("compose.yaml", "x-native-head-start: 1", "x-native-head-start: soon")
    with pytest.raises(ProxylabError) as raised:
        load_copy()
    assert "app-probes: x-native-head-start must be a number of seconds, not 'soon'" in raised.value.cause


# --- schema ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pinned_schema() -> Path:
    try:
        return schema_file()
    except ProxylabError as error:
        pytest.skip(f"the pinned Compose schema cannot be had here: {error.render()}")


def test_schema_catches_an_unknown_key(
    edit: Callable[[str, str, str], None], load_copy: Callable[[], Stack], pinned_schema: Path
) -> None:
    """A misspelt key (`portz:`) would pass, and Compose would refuse the file that `make check` approved."""
    edit(
        "compose.yaml",
        "    ports:\n      - {name: direct-app-plain",
        "    portz:\n      - {name: direct-app-plain",
    )
    messages = failures(check_schema(load_copy(), pinned_schema), "schema")
    assert messages == [
        "compose.yaml at $.services['app-plain']: 'portz' is not a key the Compose Specification knows here; "
        "change it to what the Compose Specification allows"
    ]


def test_a_missing_schema_is_a_skip_not_a_failure(real_stack: Stack, tmp_path: Path) -> None:
    """Where the schema cannot be had (no Go), `make check` would fail for a file it cannot read."""
    findings = check_schema(real_stack, tmp_path / "absent.json")
    assert findings == [Finding("schema", True, f"skipped: {tmp_path / 'absent.json'} not found")]


def test_the_schema_is_the_one_the_pinned_compose_requires(pinned_schema: Path) -> None:
    """`make check` would validate against a schema other than the one Compose itself loads with."""
    assert pinned_schema.parent.name == compose_pins()["COMPOSE_VERSION"]
    assert json.loads(pinned_schema.read_text())["title"] == "Compose Specification"


def test_compose_s_own_loader_catches_what_the_schema_cannot(
    edit: Callable[[str, str, str], None], load_copy: Callable[[], Stack]
) -> None:
    """A depends_on naming no service is valid JSON-schema-wise; only Compose's loader refuses it,
    and `make up` would be the first to say so."""
    findings = check_compose_config(load_copy())
    if findings[0].message.startswith("skipped"):
        pytest.skip(findings[0].message)
    edit(
        "compose.yaml",
        "      certs: {condition: service_completed_successfully}\n      app-plain:",
        "      certz: {condition: service_completed_successfully}\n      app-plain:",
    )
    messages = failures(check_compose_config(load_copy()), "compose")
    assert messages and "certz" in messages[0]


# --- README and its route table -------------------------------------------------------------


def test_a_readme_without_markers_names_the_fix(real_stack: Stack, tmp_path: Path) -> None:
    """A README with no route table passes, or fails without saying how to add one."""
    readme = tmp_path / "README.md"
    readme.write_text("# proxylab\n")
    assert run_checks(real_stack, readme=readme)[-1] == Finding(
        "readme",
        False,
        "README.md has no route table; paste the output of `python -m proxylab routes --markdown` "
        "between <!-- routes:begin --> and <!-- routes:end -->",
    )


def test_a_stale_route_table_fails(real_stack: Stack, tmp_path: Path) -> None:
    """The README would list a port compose.yaml no longer publishes, and readers would try it."""
    stale = route_table_markdown(real_stack).replace(":9999/", ":9998/")
    messages = failures(run_checks(real_stack, readme=write_readme(tmp_path, real_stack, stale)), "readme")
    assert len(messages) == 1 and ":9998/" in messages[0]


ROWS = {
    # port: (URL, proxy, strips, app configuration, note)
    8001: ("http://127.0.0.1:8001/app", "— direct", "—", "app-plain: no root_path", ""),
    8000: (
        "http://127.0.0.1:8000/app",
        "— direct",
        "—",
        "app-server-root-path: uvicorn --root-path /api/v1",
        "the FastAPI docs' URL",
    ),
    8002: (
        "http://127.0.0.1:8002/app",
        "— direct",
        "—",
        'app-app-root-path: FastAPI(root_path="/api/v1")',
        "",
    ),
    8003: (
        "http://127.0.0.1:8003/app",
        "— direct",
        "—",
        "app-trust-all: uvicorn --root-path /api/v1; trusts * (built to show why not)",
        "",
    ),
    9001: ("http://127.0.0.1:9001/api/v1/app", "traefik", "yes", "app-plain: no root_path", ""),
    9013: (
        "http://127.0.0.1:9013/api/v1/app",
        "traefik",
        "no",
        'app-app-root-path: FastAPI(root_path="/api/v1")',
        "",
    ),
    9999: (
        "http://127.0.0.1:9999/api/v1/app",
        "traefik",
        "yes",
        "app-server-root-path: uvicorn --root-path /api/v1",
        "the FastAPI docs' URL",
    ),
    9111: ("http://127.0.0.1:9111/api/v1/app", "nginx", "no", "app-plain: no root_path", ""),
    9120: (
        "http://127.0.0.1:9120/api/v1/app",
        "nginx",
        "yes",
        "app-server-root-path: uvicorn --root-path /api/v1",
        "nginx defaults",
    ),
    9160: (
        "http://127.0.0.1:9160/api/v1/app",
        "nginx",
        "yes",
        "app-plain: no root_path",
        "Kubernetes ingress-nginx rewrite-target",
    ),
    9202: (
        "http://127.0.0.1:9202/api/v1/app",
        "caddy",
        "yes",
        "app-server-root-path: uvicorn --root-path /api/v1",
        "",
    ),
    9341: (
        "https://127.0.0.1:9341/api/v1/app",
        "haproxy",
        "yes",
        "app-server-root-path: uvicorn --root-path /api/v1",
        "lab 08: TLS",
    ),
    9350: (
        "http://127.0.0.1:9350/api/v1/app",
        "haproxy",
        "yes",
        "app-server-root-path: uvicorn --root-path /api/v1",
        "haproxy defaults",
    ),
}


def table_rows(markdown: str) -> list[tuple[str, ...]]:
    return [
        tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
        for line in markdown.splitlines()[2:]
    ]


@pytest.mark.parametrize(("port", "row"), ROWS.items(), ids=[str(port) for port in ROWS])
def test_route_table_row(real_stack: Stack, port: int, row: tuple[str, ...]) -> None:
    """The README's route table would tell readers the wrong URL, proxy or app setup for this port."""
    rows = {
        int(cells[0].split(":")[2].split("/")[0]): cells
        for cells in table_rows(route_table_markdown(real_stack))
    }
    assert rows[port] == row


def test_route_table_has_one_row_per_route_in_file_order(real_stack: Stack) -> None:
    """The table would drop, repeat or shuffle routes, and the README diff would churn."""
    urls = [cells[0] for cells in table_rows(route_table_markdown(real_stack))]
    assert urls == [
        f"{route.base_url}{'/app' if route.is_direct else '/api/v1/app'}" for route in real_stack.routes
    ]
    assert (
        route_table_markdown(real_stack).splitlines()[0]
        == "| URL | proxy | strips /api/v1? | app configuration | note |"
    )


def test_app_configuration_is_read_from_the_service(
    edit: Callable[[str, str, str], None], load_copy: Callable[[], Stack]
) -> None:
    """The table would describe apps by name, and go on describing them after their command changed."""
    edit(
        "compose.yaml",
        '[uvicorn, app.main:app, --host, 0.0.0.0, --port, "8000"]',
        '[uvicorn, app.main:app, --port, "8000", --root-path, /x]',
    )
    rows = table_rows(route_table_markdown(load_copy()))
    assert rows[0][3] == "app-plain: uvicorn --root-path /x"


# --- the nginx reader -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listen", "ports"),
    [
        ("listen 9101;", [9101]),
        ("listen 127.0.0.1:9101;", [9101]),
        ("listen [::]:9101 default_server;", [9101]),
        ("listen 9101; listen 9102;", [9101, 9102]),
        ("listen unix:/run/nginx.sock;", []),
    ],
)
def test_nginx_reader_finds_listen_ports(tmp_path: Path, listen: str, ports: list[int]) -> None:
    """The nginx check would miss a server block written with an address, and report its route missing."""
    conf = tmp_path / "x.conf"
    conf.write_text(
        f"server {{\n    {listen}  # a comment {{\n    location /api/v1/ {{ proxy_pass http://a:1/; }}\n}}\n"
    )
    [server] = read_nginx_servers(conf)
    assert server.listen == ports
    assert server.locations == {"/api/v1/": [("proxy_pass", "http://a:1/")]}
