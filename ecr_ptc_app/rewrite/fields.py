"""The image fields of Kubernetes objects and Compose files, by schema.

Kubernetes: a pod spec is a mapping whose ``containers`` is a list (``PodSpec``,
https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodSpec); its image fields are
``image`` of ``containers``, ``initContainers`` and ``ephemeralContainers``, and ``volumes[].image.reference``
(an image volume). Pod specs are found wherever they sit below the object (a Deployment's template, a CronJob's
job template, a pod template nested in a custom resource); ``metadata`` and ``status`` are never entered (an
annotation or ``status.containerStatuses[].image`` is not an image to pull), nor ConfigMaps and Secrets. Any other
field, whatever its name (``spec.rbd.image``, ``osImage``, ``baseImage``), is left alone.

Compose: ``services.<name>.image`` (https://docs.docker.com/reference/compose-file/services/#image), except
beside ``build:``, where Compose builds the image and tags it with that name (it is not pulled).
"""

from __future__ import annotations

from typing import Any

from .scan import Scanner, child, entries, is_mapping, is_sequence, text_of

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
NEVER_ENTERED = ("metadata", "status")
NOT_WORKLOADS = ("ConfigMap", "Secret")


def scan_kubernetes(s: Scanner, document: Any, where: str) -> None:
    """A Kubernetes object (or a ``List`` of them)."""
    kind = text_of(child(document, "kind")) or ""
    if kind in NOT_WORKLOADS:
        return
    items = child(document, "items")
    if kind.endswith("List") and is_sequence(items):
        for i, item in enumerate(items.value):
            if is_mapping(item):
                scan_kubernetes(s, item, _join(where, f"items[{i}]"))
        return
    _pod_specs(s, document, where)


def _pod_specs(s: Scanner, node: Any, where: str) -> None:
    if is_sequence(node):
        for i, item in enumerate(node.value):
            _pod_specs(s, item, f"{where}[{i}]")
        return
    if not is_mapping(node) or not s.once(node):
        return
    pod_spec = is_sequence(child(node, "containers"))
    for key, value in entries(node):
        path = _join(where, str(key))
        if key in NEVER_ENTERED:
            continue
        if pod_spec and key in CONTAINER_LISTS and is_sequence(value):
            for i, container in enumerate(value.value):
                image = child(container, "image")
                if image is not None:
                    s.single(image, f"{path}[{i}].image")
        elif pod_spec and key == "volumes" and is_sequence(value):
            for i, volume in enumerate(value.value):
                reference = child(child(volume, "image"), "reference")
                if reference is not None:
                    s.single(reference, f"{path}[{i}].image.reference")
        else:
            _pod_specs(s, value, path)


def _merged(node: Any, key: str) -> Any:
    """``key`` of a mapping, also through YAML merge keys (``<<: *base``, Compose's usual way to share settings)."""
    found = child(node, key)
    if found is not None or not is_mapping(node):
        return found
    merge = child(node, "<<")
    sources = merge.value if is_sequence(merge) else [merge] if merge is not None else []
    return next((v for v in (_merged(m, key) for m in sources) if v is not None), None)


def scan_compose(s: Scanner, document: Any, where: str) -> None:
    """A Compose file: ``services.*.image`` (also through merge keys)."""
    for name, service in entries(child(document, "services")):
        image = _merged(service, "image")
        if image is None:
            continue
        path = _join(where, f"services.{name}.image")
        if _merged(service, "build") is not None:
            s.note(image, path, str(image.value), "skipped", "built here (build:), not pulled: left as it is")
            continue
        s.single(image, path)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
