"""``ecr-ptc warm --from`` and ``ecr-ptc rewrite --warm``: the images that manifests, Helm values and Compose files
pull, found by ``rewrite``'s own scan (:func:`ecr_ptc_app.rewrite.engine.image_references`), and where to warm them.

A reference is warmed when a rule of the config covers it (``nginx:1.27`` -> ``docker-hub/library/nginx:1.27``) or
when it already points at the cache (the registry warmed, or with ``organization`` any ECR registry: every spoke
uses the hub's prefixes) under a rule's prefix. Every other reference is listed with why. With ``organization``,
images are warmed in the hub's registry (``organization.hub``), from any account of the organization: the hub's
registry policy grants the organization the import actions. Standard library, the config loader and the scan only;
boto3 only in :func:`ecr_clients`.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence, TextIO

from .rewrite.target import CommandError

if TYPE_CHECKING:
    from ecr_ptc_runtime.names import ImageRef

    from .rewrite.scan import Found

# The registry the scan maps to: never written in a file, so every reference to a real cache comes back as
# written ("uncovered") and is recognised by its host below. RFC 2606 keeps .invalid unresolvable.
SCAN_REGISTRY = "ecr-ptc.invalid"
KUSTOMIZE_OVERRIDE = re.compile(r"(?:^|\.)images\[\d+\]\.(?:name|newName)$")  # where the scan finds them
FILES_FIX = "give Kubernetes manifests, Helm values or Compose files (*.yaml, *.yml), or directories of them"


@dataclass(frozen=True)
class Scanned:
    """The references ``rewrite`` found in one file."""

    path: Path
    found: tuple[Found, ...]


@dataclass(frozen=True)
class Selection:
    images: list[ImageRef]  # to warm, each once, in the order met
    left_out: list[str]  # ``file:line: reference: why``
    references: int  # references met


def read(paths: Sequence[str], config: Any, err: TextIO) -> list[Scanned]:
    """Every YAML file of ``paths`` (directories walked as ``rewrite`` walks them), scanned with the config's rules.

    :raises CommandError: naming each path that does not exist and each file that cannot be read or parsed.
    """
    from .rewrite.engine import RewriteError, image_references
    from .rewrite.files import Refused, files

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise CommandError(f"--from {', '.join(missing)}: no such file or directory", FILES_FIX)
    scanned, problems = [], []
    for path in files(list(paths), err, quiet=True):
        if isinstance(path, Refused):  # a Helm template given by name
            problems.append(str(path))
            continue
        try:
            text = path.read_bytes().decode("utf-8")
            found = image_references(text, config.rules, SCAN_REGISTRY, config.file, path.name)
        except (OSError, UnicodeDecodeError, RewriteError) as exc:
            problems.append(f"{path}: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}")
            continue
        scanned.append(Scanned(path, tuple(found)))
    if problems:
        raise CommandError(
            "--from: cannot read " + "; ".join(problems),
            FILES_FIX + " (UTF-8 YAML; render Helm templates first: helm template)",
        )
    return scanned


def images(scanned: Sequence[Scanned], config: Any, client: Any, err: TextIO) -> list[ImageRef]:
    """The images to warm from the scanned files into ``client``'s registry; the others listed on stderr.

    :raises CommandError: when the files hold no image reference, or none that can be warmed.
    """
    selection = select(scanned, config, (urllib.parse.urlsplit(client.base_url).netloc,))
    report(selection, scanned, err)
    where = ", ".join(str(s.path) for s in scanned) or "the files given"
    if not selection.references:
        raise CommandError(f"--from: no image reference in {where}", FILES_FIX)
    if not selection.images:
        raise CommandError(
            f"--from: none of the {selection.references} image reference(s) in {where} can be warmed "
            "(the lines above say why)",
            f"add a rule for each registry named above to {config.file}, or write a tag where there is none",
        )
    return selection.images


def select(scanned: Iterable[Scanned], config: Any, hosts: Sequence[str]) -> Selection:
    """The images to warm, and the references left out with why (``config``: its rules and file)."""
    images: dict[ImageRef, None] = {}
    left_out: list[str] = []
    count = 0
    for item in scanned:
        for found in item.found:
            count += 1
            image, why = pulled(found, config, hosts)
            if image is not None:
                images.setdefault(image)
            else:
                left_out.append(f"{item.path}:{found.line}: {found.written}: {why}")
    return Selection(list(images), left_out, count)


def pulled(found: Found, config: Any, hosts: Sequence[str]) -> tuple[Optional[ImageRef], str]:
    """The cache image a pull of the found reference asks for, or None and why it is not warmed."""
    from ecr_ptc_runtime.names import ImageRef, best_prefix, parse_reference

    from .rewrite.target import uncovered

    if found.status in ("invalid", "unholdable", "not-allowed"):
        lead = {"invalid": "not an image reference: ", "not-allowed": "not allowed into the cache: "}
        return None, lead.get(found.status, "") + str(found.problem)
    if KUSTOMIZE_OVERRIDE.search(found.where):
        return None, (
            "a Kustomize images: override (its newTag or digest applies to the bases' images): warm the image it "
            "gives by name"
        )
    reference = parse_reference(found.written)  # the scan parsed it already
    if found.mapping is not None:
        repository = found.mapping.repository
    elif not _in_cache(reference.domain, config, hosts):
        problem, fix = uncovered(reference, config.rules, config.file)
        return None, f"{problem}; {fix}"
    elif best_prefix(reference.path, [r.prefix for r in config.rules]) is None:
        return None, "in the cache's registry but under no rule's prefix: an image of its own there, not a cached one"
    else:
        repository = reference.path
    tag = reference.tag or found.tag or None
    if tag is not None:
        return ImageRef(repository, tag), ""
    if found.tag is not None:
        return None, (
            "no tag written (the chart supplies one, often its appVersion); warm it by name: "
            f"ecr-ptc warm {repository}:<tag>"
        )
    if reference.digest:
        return None, (
            "pinned by digest only: a first pull by digest does not fill a pull-through cache; warm it by tag: "
            f"ecr-ptc warm {repository}:<tag>"
        )
    return ImageRef(repository, "latest"), ""  # no tag: a pull asks for latest


def _in_cache(domain: str, config: Any, hosts: Sequence[str]) -> bool:
    """Does a reference on ``domain`` point at the cache? The registry warmed, or with ``organization`` any
    private ECR registry (a spoke: the same path as in the hub)."""
    from ecr_ptc_runtime.upstreams import ECR_URL

    return domain in hosts or (hub(config) is not None and bool(ECR_URL.pattern.match(domain)))


def hub(config: Any) -> Any:
    """The config's ``organization.hub`` (account, region, registry_url), or None."""
    return getattr(getattr(config, "organization", None), "hub", None)


class InRegistry:
    """An ECR client whose every call that takes ``registryId`` names ``registry_id``: the hub's registry,
    from another account of the organization (``ecr:GetAuthorizationToken`` takes none: its token works for
    every registry the caller may access)."""

    def __init__(self, api: Any, registry_id: str) -> None:
        self._api, self.registry_id = api, registry_id

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._api, name)
        if name == "get_paginator":
            return lambda operation: _Paginator(attr(operation), self.registry_id)
        operation = self._api.meta.method_to_api_mapping.get(name)
        if operation is not None:
            shape = self._api.meta.service_model.operation_model(operation).input_shape
            if shape is not None and "registryId" in shape.members:
                return functools.partial(attr, registryId=self.registry_id)
        return attr


class _Paginator:
    def __init__(self, paginator: Any, registry_id: str) -> None:
        self._paginator, self._registry_id = paginator, registry_id

    def paginate(self, **kwargs: Any) -> Any:
        return self._paginator.paginate(registryId=self._registry_id, **kwargs)


def ecr_clients(config: Any, timeout: float, region: Optional[str] = None) -> tuple[Any, Any]:
    """(registry client, ECR API client): the caller's registry in ``region`` (None: boto3's default), or with
    ``organization`` the hub's, in the hub's Region."""
    from ecr_ptc_runtime import ecr

    where = hub(config)
    if where is None:
        api = ecr.client(region)
        return ecr.registry_client(api, timeout=timeout), api
    api = InRegistry(ecr.client(where.region), where.account)
    return ecr.registry_client(api, timeout=timeout, endpoint=f"https://{where.registry_url}"), api


def report(selection: Selection, scanned: Sequence[Scanned], err: TextIO, command: str = "warm") -> None:
    """The references left out, with why, and a count, on stderr."""
    for line in selection.left_out:
        print(f"ecr-ptc {command}: not warmed: {line}", file=err)
    print(
        f"ecr-ptc {command}: {len(selection.images)} image(s) to warm from {selection.references} reference(s) "
        f"in {len(scanned)} file(s), {len(selection.left_out)} left out",
        file=err,
    )


__all__ = [
    "CommandError",
    "InRegistry",
    "Scanned",
    "Selection",
    "ecr_clients",
    "hub",
    "images",
    "pulled",
    "read",
    "report",
    "select",
]
