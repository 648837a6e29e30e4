"""Find the image references of a YAML file (Kubernetes manifests, Kustomizations, Helm values, Compose files) and
point them at the cache, changing nothing else: ``ecr-ptc rewrite``'s engine.

The file is parsed once, with PyYAML's C composer (libyaml), into nodes that know where each value starts and ends;
only those values are replaced in the original text, in their own quoting. Comments, key order, quoting,
indentation, anchors, line endings, a byte-order mark and documents stay byte for byte. A replacement is a cache URI,
host or path: characters that mean the same plain or quoted, so the result parses to what was planned.

Which values are image references is decided by the document's schema, not by key names alone:

* Kubernetes objects (``apiVersion`` and ``kind``): the PodSpec image fields, wherever a pod spec sits (every
  workload kind, CronJob templates, a pod template nested in a custom resource): ``image`` of ``containers``,
  ``initContainers`` and ``ephemeralContainers``, and ``volumes[].image.reference``. Nothing under ``metadata``
  or ``status``, nothing in a ConfigMap or Secret (``fields``);
* Kustomizations: ``images[].name`` and ``newName``, coherently with the rewritten bases (``kustomize``);
* Compose files (``services``): ``services.*.image`` except beside ``build:``;
* anything else is read as Helm values: ``image`` keys and their maps, with the chart's registry keys (``helm``).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

from ecr_ptc_runtime.mapping import CacheRule

from . import fields, helm, kustomize
from .scan import BOM, Edit, Found, Note, Plan, RewriteError, Scanner, child, is_mapping, text_of


def _documents(text: str) -> Iterator[Any]:
    """The documents' node trees, one at a time (a document is walked and dropped before the next is read: holding
    them all would make the collector's passes grow with the file)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when present (the wheels ship it)
    try:
        while loader.check_node():
            yield loader.get_node()
    except yaml.YAMLError as exc:
        raise RewriteError(_yaml_problem(exc)) from None
    finally:
        loader.dispose()


def _yaml_problem(exc: Exception) -> str:
    """``line 2, column 1: expected ',' or ']', but got '<stream end>'`` (the parser's own words, one line)."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is None or not problem:
        return "not YAML: " + " ".join(str(exc).split())
    context = getattr(exc, "context", None)
    return f"not YAML: line {mark.line + 1}, column {mark.column + 1}: {problem}" + (f" ({context})" if context else "")


def plan(
    text: str,
    rules: Sequence[CacheRule],
    registry: str,
    config_file: str = "the config",
    filename: str = "",
    base_rewritten: Callable[[str], bool] = lambda resource: True,
) -> Plan:
    """What rewriting ``text`` would change, and what it met.

    :param filename: the file's name (``kustomization.yaml`` is a Kustomization whatever it holds).
    :param base_rewritten: for a Kustomization, whether a local resource (as written in ``resources``) is
        rewritten in the same run; if one is not, its ``images:`` overrides are left as they are (noted).
    :raises RewriteError: when the text is not YAML.
    """
    offset = 1 if text.startswith(BOM) else 0  # libyaml reads past a byte-order mark without counting it
    scanner = Scanner(text, offset, rules, registry, config_file, base_rewritten)
    for i, document in enumerate(_documents(text[offset:])):
        where = f"doc{i + 1}" if i else ""
        scanner.seen.clear()  # anchors and aliases live within one document; its node ids die with it
        if not is_mapping(document):
            continue
        if kustomize.is_kustomization(document, filename):
            kustomize.scan(scanner, document, where)
        elif text_of(child(document, "kind")) and text_of(child(document, "apiVersion")):
            fields.scan_kubernetes(scanner, document, where)
        elif is_mapping(child(document, "services")):
            fields.scan_compose(scanner, document, where)
        else:
            helm.scan_values(scanner, document, where)
    edits = sorted(scanner.plan.edits, key=lambda e: e.start)
    for a, b in zip(edits, edits[1:], strict=False):
        if b.start < a.end:  # pragma: no cover - each node is planned once
            raise RewriteError("two changes overlap")
    scanner.plan.edits = edits
    return scanner.plan


def image_references(
    text: str, rules: Sequence[CacheRule], registry: str, config_file: str = "the config", filename: str = ""
) -> list[Found]:
    """The image references of a YAML file, in file order, each with its line, YAML path, the reference as written,
    and whether a rule covers it (with its cache URI): what ``rewrite`` rewrites and reports, from the same scan.

    :raises RewriteError: when the text is not YAML.
    """
    return sorted(plan(text, rules, registry, config_file, filename).found, key=lambda f: f.line)


def apply(text: str, edits: Sequence[Edit]) -> str:
    out, last = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(text[last : edit.start])
        out.append(edit.text)
        last = edit.end
    out.append(text[last:])
    return "".join(out)


def rewrite(
    text: str,
    rules: Sequence[CacheRule],
    registry: str,
    config_file: str = "the config",
    filename: str = "",
    base_rewritten: Callable[[str], bool] = lambda resource: True,
) -> tuple[str, Plan]:
    """The rewritten text and its plan (the file is parsed once); the parameters are :func:`plan`'s.

    :raises RewriteError: when the text is not YAML.
    """
    first = plan(text, rules, registry, config_file, filename, base_rewritten)
    return (apply(text, first.edits) if first.edits else text), first


__all__ = [
    "Edit",
    "Found",
    "Note",
    "Plan",
    "RewriteError",
    "apply",
    "image_references",
    "plan",
    "rewrite",
]
