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

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Sequence

from ecr_ptc_runtime.mapping import CacheMapping, CacheRule, CannotHold, in_cache, map_reference
from ecr_ptc_runtime.references import Reference, parse_reference

STR_TAG = "tag:yaml.org,2002:str"
BOM = "\ufeff"
_PROPERTIES = re.compile(r"^(?:[&!]\S*\s+)*")  # an anchor (&a) or a tag (!!str) before a value
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@-]*")  # what a replacement holds: the same plain or quoted


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Note:
    """Something to tell about one reference: ``kind`` is change, uncovered, invalid, skipped or warning."""

    line: int
    where: str
    written: str
    kind: str
    message: str


@dataclass(frozen=True)
class Found:
    """An image reference of a file: where it is, as written, and what the cache makes of it.

    ``mapping`` is the rule's cache URI when a rule covers it (None otherwise); ``status`` is ``covered``,
    ``cached`` (already a cache URI), ``uncovered``, ``invalid`` (not a reference Docker accepts) or
    ``unholdable`` (valid, but ECR cannot hold it through its rule); ``problem`` says why for the last three.
    """

    line: int
    where: str
    written: str
    status: str
    mapping: Optional[CacheMapping] = None
    problem: Optional[str] = None


@dataclass
class Plan:
    edits: list[Edit] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)

    @property
    def changes(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "change"]


class RewriteError(Exception):
    """The file cannot be rewritten (not YAML, not UTF-8)."""


class Unsafe(Exception):
    """A value written in a way a one-span replacement would change (several lines, escapes)."""


def is_mapping(node: Any) -> bool:
    return type(node).__name__ == "MappingNode"


def is_sequence(node: Any) -> bool:
    return type(node).__name__ == "SequenceNode"


def is_string(node: Any) -> bool:
    return type(node).__name__ == "ScalarNode" and node.tag == STR_TAG


def entries(node: Any) -> list[tuple[Optional[str], Any]]:
    """A mapping node's (key, value) pairs, the key None when it is not a scalar."""
    return [(k.value if type(k).__name__ == "ScalarNode" else None, v) for k, v in node.value]


def child(node: Any, key: str) -> Any:
    """The value node of ``key`` in a mapping node (the last one written), or None."""
    if not is_mapping(node):
        return None
    found = None
    for k, v in entries(node):
        if k == key:
            found = v
    return found


def text_of(node: Any) -> Optional[str]:
    """A string node's value when it is a non-empty string, else None (``digest: null`` is no digest)."""
    return node.value if is_string(node) and node.value != "" else None


class Scanner:
    """One file's scan: what every document walker calls to record, map and edit a reference."""

    def __init__(
        self,
        text: str,
        offset: int,
        rules: Sequence[CacheRule],
        registry: str,
        config_file: str,
        base_rewritten: Callable[[str], bool] = lambda resource: True,
    ) -> None:
        self.text, self.offset = text, offset
        self.rules, self.registry, self.config_file = rules, registry, config_file
        self.base_rewritten = base_rewritten  # is a kustomization's local resource rewritten in the same run?
        self.plan = Plan()
        self.seen: set[int] = set()  # nodes met twice through YAML aliases are planned once

    def once(self, node: Any) -> bool:
        """True the first time a node is met (an alias meets it again)."""
        if id(node) in self.seen:
            return False
        self.seen.add(id(node))
        return True

    # --- one reference ---------------------------------------------------------------------------
    def lookup(self, node: Any, where: str, written: str) -> Optional[tuple[CacheMapping, Reference]]:
        """(mapping, reference) for a reference to rewrite; None (recorded, with a note) for everything else.
        The one place a written reference meets the rules."""
        from .target import uncovered

        line = self.line(node)
        try:
            reference = parse_reference(written)
            mapping = map_reference(reference, self.rules, self.registry)
        except CannotHold as exc:
            self.plan.found.append(Found(line, where, written, "unholdable", None, str(exc)))
            self.note(node, where, written, "uncovered", f"{exc}; left as it is")
            return None
        except ValueError as exc:
            self.plan.found.append(Found(line, where, written, "invalid", None, str(exc)))
            self.note(node, where, written, "invalid", f"not an image reference, left as it is ({exc})")
            return None
        if in_cache(reference, self.registry):
            self.plan.found.append(Found(line, where, written, "cached", mapping))
            return None
        if mapping is None:
            problem, fix = uncovered(reference, self.rules, self.config_file)
            self.plan.found.append(Found(line, where, written, "uncovered", None, problem))
            self.note(node, where, written, "uncovered", f"{problem}, left as it is; to cache it: {fix}")
            return None
        self.plan.found.append(Found(line, where, written, "covered", mapping))
        for warning in mapping.warnings:
            self.note(node, where, written, "warning", warning)
        return mapping, reference

    def single(self, node: Any, where: str, value: Callable[[CacheMapping], str] = lambda m: m.uri) -> None:
        """A reference written whole in one string: replaced by its cache URI (or ``value`` of the mapping)."""
        if not self.once(node) or text_of(node) is None:  # '', null, 16: no reference at all
            return
        mapped = self.lookup(node, where, node.value)
        if mapped is None:
            return
        new = value(mapped[0])
        try:
            self.plan.edits.append(self.edit(node, new))
        except Unsafe as exc:
            self.note(node, where, node.value, "skipped", f"{exc}: left as it is; change it by hand to {new}")
            return
        self.note(node, where, node.value, "change", new)

    def edit(self, node: Any, value: str) -> Edit:
        """The edit that puts ``value`` where the node's value is written, in the node's own quoting."""
        if not _SAFE.fullmatch(value):  # pragma: no cover - cache URIs, hosts and paths are all safe
            raise Unsafe(f"{value!r} would need quoting")
        start, end = node.start_mark.index + self.offset, node.end_mark.index + self.offset
        token = self.text[start:end]
        properties = _PROPERTIES.match(token)
        start += len(properties.group(0)) if properties else 0
        token = self.text[start:end]
        style = node.style or ""
        if style in ("|", ">") or "\n" in token or "\r" in token:
            raise Unsafe("written over several lines")
        if style in ('"', "'"):
            if token[1:-1] != node.value:
                raise Unsafe("written with escapes")
            return Edit(start, end, f"{style}{value}{style}")
        if token != node.value:
            raise Unsafe("written differently from its value")
        return Edit(start, end, value)

    def line(self, node: Any) -> int:
        return node.start_mark.line + 1

    def note(self, node: Any, where: str, written: str, kind: str, message: str) -> None:
        self.plan.notes.append(Note(self.line(node), where, written, kind, message))


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
    from . import fields, helm, kustomize

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
    "Scanner",
    "apply",
    "image_references",
    "plan",
    "rewrite",
]
