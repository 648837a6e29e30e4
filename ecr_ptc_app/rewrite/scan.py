"""What the document walkers share: the node helpers, the records of a scan (edits, notes, references found) and
the :class:`Scanner` that maps one reference and plans its byte-exact edit. ``engine`` drives it; ``fields``,
``helm`` and ``kustomize`` walk documents with it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from ecr_ptc_runtime.allow import repository_refusal
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
    """Something to tell about one reference: ``kind`` is change, uncovered, not-allowed, invalid, skipped or
    warning."""

    line: int
    where: str
    written: str
    kind: str
    message: str


@dataclass(frozen=True)
class Found:
    """An image reference of a file: where it is, as written, and what the cache makes of it.

    ``mapping`` is the rule's cache URI when a rule covers it (None otherwise); ``status`` is ``covered``,
    ``cached`` (already a cache URI), ``uncovered``, ``not-allowed`` (a rule's allow or deny list keeps it out),
    ``invalid`` (not a reference Docker accepts) or ``unholdable`` (valid, but ECR cannot hold it through its
    rule); ``problem`` says why for the last four. ``tag``: for a Helm image map, its ``tag:`` as the chart
    renders it ('' when it has none: the chart supplies one); None for a reference written whole (``written``
    holds its tag).
    """

    line: int
    where: str
    written: str
    status: str
    mapping: Optional[CacheMapping] = None
    problem: Optional[str] = None
    tag: Optional[str] = None


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


def tag_text(node: Any) -> str:
    """A Helm image map's ``tag:`` as the chart renders it: a string as written, a plain number as Go prints the
    number YAML reads (``1.27`` stays, ``1.10`` becomes ``1.1``: quote such tags); '' for none or anything else."""
    if node is None or type(node).__name__ != "ScalarNode" or not node.value:
        return ""
    kind = str(node.tag)
    try:
        if kind == "tag:yaml.org,2002:int":
            return str(int(node.value.replace("_", ""), 0))
        if kind == "tag:yaml.org,2002:float":
            return repr(float(node.value.replace("_", "")))
    except ValueError:
        return ""
    return str(node.value) if kind == STR_TAG else ""


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
    def lookup(
        self, node: Any, where: str, written: str, tag: Optional[str] = None
    ) -> Optional[tuple[CacheMapping, Reference]]:
        """(mapping, reference) for a reference to rewrite; None (recorded, with a note) for everything else.
        The one place a written reference meets the rules. ``tag``: a Helm image map's (:func:`tag_text`)."""
        from .target import uncovered

        line = self.line(node)
        try:
            reference = parse_reference(written)
            mapping = map_reference(reference, self.rules, self.registry)
        except CannotHold as exc:
            self.plan.found.append(Found(line, where, written, "unholdable", None, str(exc), tag=tag))
            self.note(node, where, written, "uncovered", f"{exc}; left as it is")
            return None
        except ValueError as exc:
            self.plan.found.append(Found(line, where, written, "invalid", None, str(exc), tag=tag))
            self.note(node, where, written, "invalid", f"not an image reference, left as it is ({exc})")
            return None
        if in_cache(reference, self.registry):
            self.plan.found.append(Found(line, where, written, "cached", mapping, tag=tag))
            return None
        if mapping is None:
            problem, fix = uncovered(reference, self.rules, self.config_file)
            self.plan.found.append(Found(line, where, written, "uncovered", None, problem, tag=tag))
            self.note(node, where, written, "uncovered", f"{problem}, left as it is; to cache it: {fix}")
            return None
        refused = repository_refusal(self.rules, mapping.repository)
        if refused is not None:  # the cache's policies deny its import: pointing it at the cache would break it
            self.plan.found.append(Found(line, where, written, "not-allowed", mapping, str(refused), tag=tag))
            self.note(node, where, written, "not-allowed", f"not allowed: {refused}; left as it is")
            return None
        self.plan.found.append(Found(line, where, written, "covered", mapping, tag=tag))
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


__all__ = [
    "BOM",
    "Edit",
    "Found",
    "Note",
    "Plan",
    "RewriteError",
    "Scanner",
    "Unsafe",
    "child",
    "entries",
    "is_mapping",
    "is_sequence",
    "is_string",
    "tag_text",
    "text_of",
]
