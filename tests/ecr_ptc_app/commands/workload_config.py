"""A config with every kind of rule the reference mapping knows, for the uri and rewrite command tests."""

from __future__ import annotations

from pathlib import Path

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "0123456789abcdef" * 4

CONFIG = """\
rules:
  - upstream: docker-hub
    credentials: {secretName: ecr-pullthroughcache/docker-hub}
  - upstream: docker-hub
    prefix: bitnami
    upstreamPrefix: bitnami
    credentials: {secretName: ecr-pullthroughcache/docker-hub}
  - upstream: ecr-public
  - upstream: k8s
  - upstream: quay
    prefix: team/quay
  - upstream: github-container-registry
    credentials: {secretName: ecr-pullthroughcache/ghcr}
  - upstream: azure-container-registry
    registryUrl: myteam.azurecr.io
    credentials: {secretName: ecr-pullthroughcache/azure}
  - upstream: ecr
    prefix: central
    upstreamPrefix: golden
    registryUrl: 210987654321.dkr.ecr.us-east-1.amazonaws.com
environments:
  - {account: "123456789012", region: eu-west-1}
"""


def write_config(directory: Path) -> str:
    path = directory / "cache.yaml"
    path.write_text(CONFIG)
    return str(path)


def uri(path: str) -> str:
    return f"{REGISTRY}/{path}"
