"""The walkthrough's pull test as shell: log in, pull each image, describe it."""

from __future__ import annotations

import shlex
from typing import Sequence

from aws_cdk import Token

from ecr_ptc.errors import ValidationError
from ecr_ptc_runtime.images import parse_image

SCRIPT_PATH = "/usr/local/bin/ecr-ptc-smoke-test"


def repository_of(image: str, registry_uri: str) -> str:
    """``<registry>/<prefix>/library/nginx:latest`` -> ``<prefix>/library/nginx``."""
    name = image[len(registry_uri) + 1 :] if image.startswith(registry_uri + "/") else image.split("/", 1)[-1]
    return name if Token.is_unresolved(name) else parse_image(name).repository


def check_images(images: Sequence[str], registry_uri: str, cache_prefixes: Sequence[str]) -> None:
    """Each image must be a tag pull (a digest pull does not fill the cache) under a cache prefix.

    Parsing and prefix matching are the warmer's (``ecr_ptc_runtime.images``): one owner for both."""
    for index, image in enumerate(images):
        path = f"smoke_test_images[{index}]"
        if not isinstance(image, str) or not image.startswith(registry_uri + "/"):
            raise ValidationError(
                path,
                f"{image!r} is not in the registry {registry_uri}",
                f"give {registry_uri}/<prefix>/<repository>:<tag>",
            )
        tail = image[len(registry_uri) + 1 :]
        if Token.is_unresolved(tail):
            continue
        try:
            ref = parse_image(tail)
        except ValueError as err:
            raise ValidationError(path, str(err), "pull by tag (e.g. :latest) under a cache prefix") from None
        if not any(ref.has_prefix(p) for p in cache_prefixes):
            raise ValidationError(
                path,
                f"repository {ref.repository!r} is under none of the cache prefixes {list(cache_prefixes)}",
                "start the repository with one of the cache rules' prefixes",
            )


def smoke_test_commands(registry_uri: str, region: str, images: Sequence[str]) -> list[str]:
    """Shell commands, one per step; tokens stay in place and resolve at deploy time."""
    commands = [
        f"aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {registry_uri}"
    ]
    commands += [f"docker pull {shlex.quote(image)}" for image in images]
    commands += [
        f"aws ecr describe-images --region {region} --repository-name {shlex.quote(repository_of(image, registry_uri))}"
        for image in images
    ]
    return commands


def smoke_test_script(registry_uri: str, region: str, images: Sequence[str]) -> str:
    """A bash script for the ec2 workstation (root or ssm-user; docker via sudo when not root)."""
    lines = [
        "#!/bin/bash",
        "# Repeats the walkthrough's pull-through cache test. describe-images can lag a",
        "# first pull by about a minute, so it is retried.",
        "set -euo pipefail",
        'docker() { if [ "$(id -u)" -eq 0 ]; then command docker "$@"; else sudo docker "$@"; fi; }',
        'retry() { for _ in $(seq 1 12); do "$@" && return 0; sleep 10; done; return 1; }',
    ]
    for command in smoke_test_commands(registry_uri, region, images):
        lines.append(f"retry {command}" if command.startswith("aws ecr describe-images") else command)
    lines.append('echo "ecr-ptc smoke test passed"')
    return "\n".join(lines) + "\n"
