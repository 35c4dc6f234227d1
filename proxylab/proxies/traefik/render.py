"""The native copy of Traefik's config: traefik.yml and its file-provider folder, with only
addresses and paths changed (proxylab/native/render.py says which)."""

from __future__ import annotations

from pathlib import Path

import yaml

from proxylab import yamlload
from proxylab.compose import Service
from proxylab.errors import ProxylabError
from proxylab.native.addresses import NativeAddresses
from proxylab.native.render import host_paths, mounted_file


def render_traefik(service: Service, addresses: NativeAddresses, out: Path) -> Path:
    """A native copy of Traefik's static config and its file-provider folder; return its path."""
    config_arg = next((a for a in service.command or [] if a.startswith("--configFile=")), None)
    container_path = config_arg.split("=", 1)[1] if config_arg else "/etc/traefik/traefik.yml"
    static = yamlload.safe_load(mounted_file(service, container_path, "static config").read_text())
    for entrypoint in static.get("entryPoints", {}).values():
        port = int(entrypoint["address"].rpartition(":")[2])
        host, native_port = addresses.bind(service.name, port)
        entrypoint["address"] = f"{host}:{native_port}"
        # trustedIPs names the hops Traefik believes: as the apps' FORWARDED_ALLOW_IPS, natively
        # the address each of them connects from (the edge's own 127.30.0.5, lab 12).
        forwarded = entrypoint.get("forwardedHeaders") or {}
        if "trustedIPs" in forwarded:
            forwarded["trustedIPs"] = [
                addresses.native_trust_item(str(item)) for item in forwarded["trustedIPs"]
            ]
    # The Kubernetes providers (traefik-k8s): the API server by its native address, the CA and
    # token by the host paths behind their mounts (.run/k8s).
    for name, spec in static.get("providers", {}).items():
        if name.startswith("kubernetes") and isinstance(spec, dict):
            for key in ("endpoint", "token", "certAuthFilePath"):
                if key in spec:
                    spec[key] = host_paths(
                        addresses.rewrite_service_refs(str(spec[key])),
                        service,
                        str(Path(container_path).parent),
                    )
    provider = static.get("providers", {}).get("file", {})
    if "directory" in provider:
        provider["directory"] = str(
            _native_dynamic(service, addresses, provider["directory"], out / "dynamic")
        )
    out.mkdir(parents=True, exist_ok=True)
    target = out / "traefik.yml"
    target.write_text(
        "# Generated from traefik/traefik.yml by proxylab's native backend: addresses and paths only.\n"
        + yaml.safe_dump(static, sort_keys=False)
    )
    return target


def _native_dynamic(service: Service, addresses: NativeAddresses, container_dir: str, out: Path) -> Path:
    source = service.host_path(container_dir)
    if source is None or not source.is_dir():
        raise ProxylabError(
            "traefik",
            f"file provider directory {container_dir} maps to no folder",
            "check traefik's volumes in compose.yaml",
        )
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.y*ml")):
        (out / path.name).write_text(
            host_paths(addresses.rewrite_service_refs(path.read_text()), service, container_dir)
        )
    return out
