"""Reading the YAML config: line numbers for every key, and key paths back to lines."""
from __future__ import annotations

import re
from typing import Any, Optional

import yaml


class LineDict(dict):
    """A mapping that remembers the line (1-based) each key stood on."""

    lines: dict[Any, int]


class LineList(list):
    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse(text: str) -> Any:
    """Parse YAML; raises yaml.YAMLError (with a problem_mark) on syntax errors."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def line_of(document: Any, path: str) -> Optional[int]:
    """The line of the deepest part of ``path`` (``rules[2].prefix``) found in the document."""
    node, line = document, None
    for name, index in _SEGMENT.findall(path):
        if name and isinstance(node, LineDict) and name in node:
            line, node = node.lines[name], node[name]
        elif index and isinstance(node, LineList) and int(index) < len(node):
            line, node = node.lines[int(index)], node[int(index)]
        else:
            break
    return line
