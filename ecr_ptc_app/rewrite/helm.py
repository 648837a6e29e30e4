"""Helm values: the image keys of a values file, with the chart's registry keys understood.

* ``image: nginx:1.27`` (or a camelCase ``...Image`` key): the reference, rewritten whole;
* an image map under such a key: ``{registry?, repository, tag?, digest?}`` (Bitnami, most charts) or
  ``{registry, image, ...}`` (ingress-nginx): ``registry`` becomes the cache registry and the repository its cache
  path, or, without ``registry``, the repository becomes the whole cache repository;
* a registry the chart puts before every image: ``global.imageRegistry`` (Bitnami's common chart, where it wins
  over an image's own ``registry``) or ``global.image.registry`` (ingress-nginx and others; some charts let the
  image's own win). The images it applies to are rewritten together or not at all: the global registry and each
  image's own become the cache registry (so whichever the chart uses is the cache), each repository its cache
  path. If one of them cannot be (no rule covers it, or its own registry differs from the global one, so that
  which upstream it names depends on the chart), none is, with a note;
* ``imageRegistry`` + ``imageNamespace`` with image maps of ``name`` (cert-manager): rewritten together likewise,
  ``imageNamespace`` becoming the cache path before the name;
* ``images: [a, b]`` (a list of references) is noted, not rewritten: what the chart does with it is unknown.

A ``digest`` beside a repository (not ``null``, not empty) is reported as a digest pin. Keys such as
``thumbnail_image`` and maps that merely hold ``registry`` and ``repository`` elsewhere (a backup target) are
left alone: only ``image`` keys count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ecr_ptc_runtime.mapping import CacheMapping

from .scan import Edit, Scanner, Unsafe, child, entries, is_mapping, is_sequence, is_string, text_of

GLOBAL_REGISTRY_KEYS = (("global", "imageRegistry"), ("global", "image", "registry"))


def is_image_key(key: Optional[str]) -> bool:
    """``image``, or a camelCase key ending in ``Image`` (``sidecarImage``); not ``thumbnail_image``."""
    return key is not None and (key == "image" or (key.endswith("Image") and key[:1].islower() and "_" not in key))


@dataclass
class _Member:
    """An image map whose registry comes from a shared key."""

    where: str
    node: Any  # the repository (or name) node
    written: str
    own_registry: Any = None  # the map's own registry node, also pointed at the cache
    digest: Any = None
    conflict: bool = False  # its own registry differs from the shared one: which one the chart uses is unknown


def _at(document: Any, path: tuple[str, ...]) -> Any:
    node = document
    for key in path:
        node = child(node, key)
    return node


def scan_values(s: Scanner, document: Any, where: str) -> None:
    """A Helm values file (or any YAML that is neither a Kubernetes object nor a Compose file)."""
    global_registry = next(
        ((".".join(p), n) for p in GLOBAL_REGISTRY_KEYS if text_of(n := _at(document, p)) is not None), None
    )
    image_registry = child(document, "imageRegistry")
    namespaced = (image_registry, child(document, "imageNamespace")) if text_of(image_registry) else None
    shared: list[_Member] = []
    named: list[_Member] = []
    _walk(s, document, where, global_registry, namespaced, shared, named)
    if global_registry and shared:
        _rewrite_shared(s, shared, global_registry[0], global_registry[1], None)
    if namespaced and named:
        _rewrite_shared(s, named, "imageRegistry", namespaced[0], namespaced[1])


def _walk(s: Scanner, node: Any, where: str, global_registry, namespaced, shared, named) -> None:
    if is_sequence(node):
        for i, item in enumerate(node.value):
            _walk(s, item, f"{where}[{i}]", global_registry, namespaced, shared, named)
        return
    if is_mapping(node) and s.once(node):
        _walk_entries(s, node, where, global_registry, namespaced, shared, named)


def _walk_entries(s: Scanner, node: Any, where: str, global_registry, namespaced, shared, named) -> None:
    for key, value in entries(node):
        path = f"{where}.{key}" if where else str(key)
        if is_image_key(key) and is_string(value):
            s.single(value, path)
        elif is_image_key(key) and is_mapping(value):
            _image_map(s, value, path, global_registry, namespaced, shared, named)
        elif key == "images" and is_sequence(value) and value.value and all(is_string(v) for v in value.value):
            for i, item in enumerate(value.value):
                s.note(
                    item,
                    f"{path}[{i}]",
                    item.value,
                    "skipped",
                    "in a list of images: left as it is (how the "
                    "chart uses the list is unknown); write each as its cache URI (ecr-ptc uri) if it is pulled",
                )
        else:
            _walk(s, value, path, global_registry, namespaced, shared, named)


def _image_map(s: Scanner, node: Any, where: str, global_registry, namespaced, shared, named) -> None:
    if not s.once(node):
        return
    repo_key = (
        "repository" if text_of(child(node, "repository")) else "image" if text_of(child(node, "image")) else None
    )
    digest = child(node, "digest")
    if repo_key is None and is_string(child(node, "reference")):  # an image volume's source
        s.single(child(node, "reference"), f"{where}.reference")
        return
    if repo_key is None:
        name = child(node, "name")
        if namespaced and text_of(name):
            parts = [text_of(namespaced[0]), text_of(namespaced[1]), name.value]
            named.append(_Member(f"{where}.name", name, "/".join(p for p in parts if p), None, digest))
        else:  # no image map after all: its keys are walked like any others
            _walk_entries(s, node, where, global_registry, namespaced, shared, named)
        return
    repo = child(node, repo_key)
    own = child(node, "registry") if text_of(child(node, "registry")) else None
    if global_registry:
        written = f"{global_registry[1].value}/{repo.value}"
        member = _Member(f"{where}.{repo_key}", repo, written, own, digest)
        member.conflict = own is not None and own.value.lower() != global_registry[1].value.lower()
        shared.append(member)
        return
    written = f"{own.value}/{repo.value}" if own is not None else repo.value
    mapped = s.lookup(repo, f"{where}.{repo_key}", written)
    if mapped is None:
        return
    mapping, reference = mapped
    tail = mapping.repository + reference.suffix  # a tag or digest written into repository itself stays
    after = f"{s.registry}/{tail}"
    try:
        edits = [s.edit(own, s.registry), s.edit(repo, tail)] if own is not None else [s.edit(repo, after)]
    except Unsafe as exc:
        s.note(repo, f"{where}.{repo_key}", written, "skipped", f"{exc}: left as it is; change it by hand to {after}")
        return
    s.plan.edits += edits
    _digest_note(s, repo, f"{where}.{repo_key}", written, mapping, reference.digest, digest)
    s.note(repo, f"{where}.{repo_key}", written, "change", after)


def _digest_note(s: Scanner, node: Any, where: str, written: str, mapping: CacheMapping, own: Any, digest: Any) -> None:
    if text_of(digest) and not own:
        s.note(
            node,
            where,
            written,
            "warning",
            "pinned by digest (digest:): a first pull by digest does not fill a pull-through cache; pull it by tag "
            f"once (ecr-ptc warm {mapping.repository}:<tag>) before pulling by digest",
        )


def _rewrite_shared(s: Scanner, members: list[_Member], key: str, registry: Any, namespace: Any) -> None:
    """Images whose registry (and namespace) is a shared key: all rewritten, or none with a note each."""
    mapped = [s.lookup(m.node, m.where, m.written) for m in members]
    edits: list[Edit] = []
    problem = None
    if any(m.conflict for m in members):
        problem = "an image's own registry differs from it (charts differ on which one wins)"
    elif any(m is None for m in mapped):
        problem = "one of the images that share it is not covered (see its note)"
    else:
        try:
            edits.append(s.edit(registry, s.registry))
            edits += [s.edit(m.own_registry, s.registry) for m in members if m.own_registry is not None]
            edits += _shared_paths(s, members, mapped, namespace)
        except Unsafe as exc:
            problem = str(exc)
    if problem is not None:
        for m in members:
            s.note(
                m.node,
                m.where,
                m.written,
                "skipped",
                f"the chart puts {key} ({registry.value}) before this image, and {problem}: left as they are; to use "
                f"the cache, set {key} to {s.registry} and each image's path to its cache path (ecr-ptc uri) by hand",
            )
        return
    s.plan.edits += edits
    for m, result in zip(members, mapped, strict=True):
        assert result is not None
        s.note(m.node, m.where, m.written, "change", result[0].uri)
        _digest_note(s, m.node, m.where, m.written, result[0], result[1].digest, m.digest)


def _shared_paths(s: Scanner, members: list[_Member], mapped: list, namespace: Any) -> list[Edit]:
    if namespace is None:  # a shared registry: each repository becomes its cache path
        return [s.edit(m.node, r[0].repository + r[1].suffix) for m, r in zip(members, mapped, strict=True)]
    # a shared registry and namespace: the namespace becomes the cache path before each name, the same for all
    spaces = {r[0].repository[: -len(m.node.value) - 1] for m, r in zip(members, mapped, strict=True)}
    if (
        not text_of(namespace)
        or len(spaces) != 1
        or not all(r[0].repository.endswith("/" + m.node.value) for m, r in zip(members, mapped, strict=True))
    ):
        raise Unsafe("their cache paths do not share one imageNamespace")
    return [s.edit(namespace, spaces.pop())]
