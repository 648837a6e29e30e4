"""Find the image references in YAML files (Kubernetes manifests, Helm values, Compose files) and point them at the
cache, changing nothing else: ``ecr-ptc rewrite``'s engine.

The file is parsed with a round-trip YAML library (ruamel.yaml) into nodes that know where each value
starts and ends; only those values are replaced in the original text, in their own quoting. Comments,
key order, quoting, indentation, anchors, line endings and documents stay byte for byte. The result is
parsed again and scanned once more: it must parse and need no further change, or the file is left alone.

What counts as an image reference (every other value is left alone):

* a string under a key ``image`` or a key ending in ``Image``/``_image`` (``containers[].image`` of every
  workload kind, init and ephemeral containers, CronJob templates, Compose ``services.*.image``, Helm
  ``image: nginx:1.27``), except beside ``build:`` (Compose builds and tags that image: it is not pulled);
* Helm's split form: a mapping under such a key with ``repository`` (and optional ``registry``, ``tag``,
  ``digest``), or any mapping with ``repository`` and ``tag``/``digest``; and ``{registry, image, tag}``;
* Kubernetes image volumes: ``image: {reference: ...}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from ecr_ptc_runtime.mapping import CacheRule, in_cache, map_reference
from ecr_ptc_runtime.references import parse_reference

STR_TAG = "tag:yaml.org,2002:str"
_PROPERTIES = re.compile(r"^(?:[&!]\S*\s+)*")  # an anchor (&a) or a tag (!!str) before a value


def is_image_key(key: Optional[str]) -> bool:
    return key is not None and (key == "image" or key.endswith("Image") or key.endswith("_image"))


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


@dataclass
class Plan:
    edits: list[Edit] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def changes(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "change"]


class RewriteError(Exception):
    """The file cannot be rewritten (not YAML, not UTF-8, or the result would not be what was planned)."""


class _Scanner:
    def __init__(self, text: str, rules: Sequence[CacheRule], registry: str, config_file: str) -> None:
        self.text, self.rules, self.registry, self.config_file = text, rules, registry, config_file
        self.plan = Plan()
        self.seen: set[int] = set()  # nodes met twice through YAML aliases are planned once

    # --- the walk ------------------------------------------------------------------------------
    def walk(self, node: Any, key: Optional[str], path: str) -> None:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        if isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, None, f"{path}[{i}]")
            return
        if not isinstance(node, MappingNode):
            return
        scalars = {k.value: v for k, v in node.value if isinstance(k, ScalarNode) and isinstance(v, ScalarNode)}
        built = any(isinstance(k, ScalarNode) and k.value == "build" for k, _ in node.value)  # Compose
        handled = self._split_form(scalars, key, path)
        for k, v in node.value:
            name = k.value if isinstance(k, ScalarNode) else None
            if name in handled:
                continue
            where = f"{path}.{name}" if path else str(name)
            if isinstance(v, ScalarNode):
                if is_image_key(name) and built:
                    self._note(v, where, v.value, "skipped", "built here (build:), not pulled: left as it is")
                elif is_image_key(name):
                    self._single(v, where)
                continue
            self.walk(v, name, where)

    def _split_form(self, scalars: dict[str, Any], key: Optional[str], path: str) -> set[str]:
        """Helm's ``{registry, repository, tag, digest}`` (or ``{registry, image, ...}``) and ``{reference}``;
        returns the keys it took care of."""
        image_parent = is_image_key(key)
        if image_parent and "reference" in scalars and "repository" not in scalars:
            self._single(scalars["reference"], f"{path}.reference")
            return {"reference"}
        repo_key = None
        if "repository" in scalars and (
            image_parent or "tag" in scalars or "digest" in scalars or "registry" in scalars
        ):
            repo_key = "repository"
        elif image_parent and "image" in scalars and "registry" in scalars:
            repo_key = "image"
        if repo_key is None or not self._is_string(scalars[repo_key]):
            return set()
        registry = scalars.get("registry")
        if registry is not None and (not self._is_string(registry) or not registry.value):
            registry = None
        repo = scalars[repo_key]
        if id(repo) in self.seen:
            return {repo_key, "registry"}
        self.seen.add(id(repo))
        written = (f"{registry.value}/" if registry is not None else "") + repo.value
        where = f"{path}.{repo_key}"
        mapped = self._map(repo, where, written)
        if mapped is None:
            return {repo_key, "registry"}
        mapping, reference = mapped
        tail = mapping.repository + reference.suffix  # a tag or digest written into repository itself stays
        after = f"{self.registry}/{tail}"
        try:
            if registry is not None:
                edits = [self._edit(registry, self.registry), self._edit(repo, tail)]
            else:
                edits = [self._edit(repo, after)]
        except _Unsafe as exc:
            self._note(repo, where, written, "skipped", f"{exc}: left as it is; change it by hand to {after}")
            return {repo_key, "registry"}
        self.plan.edits += edits
        digest = scalars.get("digest")
        if digest is not None and digest.value and not reference.digest:
            self._note(
                repo,
                where,
                written,
                "warning",
                "pinned by digest (digest:): a first pull by digest does not fill a pull-through cache; pull "
                f"it by tag once (ecr-ptc warm {mapping.repository}:<tag>) before pulling by digest",
            )
        self._note(repo, where, written, "change", after)
        return {repo_key, "registry"}

    def _single(self, node: Any, where: str) -> None:
        if id(node) in self.seen:  # the same value again through an alias (*name): planned once
            return
        self.seen.add(id(node))
        if not self._is_string(node) or not node.value.strip():
            return
        mapped = self._map(node, where, node.value)
        if mapped is None:
            return
        mapping, _ = mapped
        try:
            self.plan.edits.append(self._edit(node, mapping.uri))
        except _Unsafe as exc:
            self._note(node, where, node.value, "skipped", f"{exc}: left as it is; change it by hand to {mapping.uri}")
            return
        self._note(node, where, node.value, "change", mapping.uri)

    # --- one reference ---------------------------------------------------------------------------
    def _map(self, node: Any, where: str, written: str):
        """(mapping, reference) for a reference to rewrite; None (with a note) for everything else."""
        from .target import uncovered

        try:
            reference = parse_reference(written)
            mapping = map_reference(reference, self.rules, self.registry)
        except ValueError as exc:
            self._note(node, where, written, "invalid", f"not an image reference, left as it is ({exc})")
            return None
        if in_cache(reference, self.registry):
            return None
        if mapping is None:
            problem, fix = uncovered(reference, self.rules, self.config_file)
            self._note(node, where, written, "uncovered", f"{problem}, left as it is; to cache it: {fix}")
            return None
        for warning in mapping.warnings:
            self._note(node, where, written, "warning", warning)
        return mapping, reference

    def _is_string(self, node: Any) -> bool:
        return str(node.tag) == STR_TAG

    def _edit(self, node: Any, value: str) -> Edit:
        """The edit that puts ``value`` where the node's value is written, in the node's own quoting."""
        start, end = node.start_mark.index, node.end_mark.index
        token = self.text[start:end]
        properties = _PROPERTIES.match(token)
        start += len(properties.group(0)) if properties else 0
        token = self.text[start:end]
        style = node.style
        if style in ("|", ">") or "\n" in token or "\r" in token:
            raise _Unsafe("written over several lines")
        if style == '"' or style == "'":
            if token[1:-1] != node.value:
                raise _Unsafe("written with escapes")
            new = f"{style}{value}{style}"
        else:
            if token != node.value:
                raise _Unsafe("written differently from its value")
            new = value
        return Edit(start, end, new)

    def _note(self, node: Any, where: str, written: str, kind: str, message: str) -> None:
        self.plan.notes.append(Note(node.start_mark.line + 1, where, written, kind, message))


class _Unsafe(Exception):
    pass


def plan(text: str, rules: Sequence[CacheRule], registry: str, config_file: str = "the config") -> Plan:
    """What rewriting ``text`` would change, and what it met.

    :raises RewriteError: when the text is not YAML.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    scanner = _Scanner(text, rules, registry, config_file)
    try:
        # Every document stays alive to the end: ``seen`` holds node ids, which a freed node would hand on.
        documents = list(YAML(typ="rt").compose_all(text))
        for i, document in enumerate(documents):
            if document is not None:
                scanner.walk(document, None, f"doc{i + 1}" if i else "")
    except YAMLError as exc:
        raise RewriteError(_yaml_problem(exc)) from None
    edits = sorted(scanner.plan.edits, key=lambda e: e.start)
    for a, b in zip(edits, edits[1:], strict=False):
        if b.start < a.end:  # pragma: no cover - each node is planned once
            raise RewriteError("two changes overlap")
    scanner.plan.edits = edits
    return scanner.plan


def _yaml_problem(exc: Exception) -> str:
    """``line 2, column 1: expected ',' or ']', but got '<stream end>'`` (ruamel's own words, one line)."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is None or not problem:
        return "not YAML: " + " ".join(str(exc).split())
    context = getattr(exc, "context", None)
    return f"not YAML: line {mark.line + 1}, column {mark.column + 1}: {problem}" + (f" ({context})" if context else "")


def apply(text: str, edits: Sequence[Edit]) -> str:
    out, last = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out.append(text[last : edit.start])
        out.append(edit.text)
        last = edit.end
    out.append(text[last:])
    return "".join(out)


def rewrite(text: str, rules: Sequence[CacheRule], registry: str, config_file: str = "the config") -> tuple[str, Plan]:
    """The rewritten text and its plan; the result is checked to parse and to need no further change.

    :raises RewriteError: when the text is not YAML or the result fails those checks.
    """
    first = plan(text, rules, registry, config_file)
    if not first.edits:
        return text, first
    new = apply(text, first.edits)
    try:
        again = plan(new, rules, registry, config_file)
    except RewriteError as exc:  # pragma: no cover - a splice that breaks YAML is a bug here
        raise RewriteError(f"the rewritten file would not parse ({exc})") from None
    if again.edits:  # pragma: no cover - likewise
        raise RewriteError("the rewritten file would change again on a second run")
    return new, first


__all__ = ["Edit", "Note", "Plan", "RewriteError", "apply", "is_image_key", "plan", "rewrite"]
