"""Kustomizations: ``images:`` overrides rewritten coherently with their bases.

An override ``{name, newName?, newTag?, digest?}`` applies to the images of the bases whose name is ``name``
(https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/). ``rewrite`` turns a base's
``nginx:1.27`` into ``<cache>/docker-hub/library/nginx:1.27``, so the override's ``name`` becomes that cache name
too (it keeps matching), and ``newName``, when given and covered, its own cache name; ``newTag`` and ``digest``
stay. The effective image of every override is then the cache URI of the image it gave before. When a local base
is not rewritten in the same run (the kustomization given alone), the overrides are left as they are, with a note,
so that they still match; remote bases (a URL in ``resources``) keep their upstream names (noted).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from .scan import Scanner, child, is_sequence, is_string, text_of

FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def is_kustomization(document: Any, filename: str) -> bool:
    kind, api = text_of(child(document, "kind")), text_of(child(document, "apiVersion")) or ""
    return PurePath(filename).name in FILE_NAMES or (kind == "Kustomization" and api.startswith("kustomize."))


def _remote(resource: str) -> bool:
    """A base kustomize fetches (a URL, or a git reference), not a local file or directory."""
    return "://" in resource or "?ref=" in resource or resource.startswith(("github.com/", "git@"))


def _cache_name(mapping: Any) -> str:
    """The cache URI without tag or digest: what a base's image name becomes."""
    return mapping.uri[: len(mapping.uri) - len(mapping.reference.suffix)]


def scan(s: Scanner, document: Any, where: str) -> None:
    images = child(document, "images")
    if not is_sequence(images):
        return
    resources = child(document, "resources")
    local = [r for r in (resources.value if is_sequence(resources) else []) if is_string(r) and not _remote(r.value)]
    behind = [r.value for r in local if not s.base_rewritten(r.value)]
    if behind:  # the overrides must keep matching the bases as they stay
        for i, entry in enumerate(images.value):
            name = child(entry, "name")
            if is_string(name):
                s.note(
                    name,
                    f"{where}.images[{i}].name" if where else f"images[{i}].name",
                    name.value,
                    "skipped",
                    f"its bases ({', '.join(behind)}) are not rewritten in this run: left as it is, so it still "
                    "matches them; rewrite the directory that holds the kustomization and its bases",
                )
        return
    renamed = False
    for i, entry in enumerate(images.value):
        path = f"{where}.images[{i}]" if where else f"images[{i}]"
        name, new_name = child(entry, "name"), child(entry, "newName")
        before = len(s.plan.edits)
        if is_string(name):
            s.single(name, f"{path}.name", _cache_name)
        renamed = renamed or len(s.plan.edits) > before
        if is_string(new_name):
            s.single(new_name, f"{path}.newName", _cache_name)
    if renamed and is_sequence(resources):
        for r in resources.value:
            if is_string(r) and _remote(r.value):
                s.note(
                    r,
                    f"{where}.resources" if where else "resources",
                    r.value,
                    "warning",
                    "a remote base keeps its upstream image names, which the rewritten images: overrides no longer "
                    "match",
                )
