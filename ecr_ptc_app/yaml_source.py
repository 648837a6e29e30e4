"""Reading the YAML config: line numbers for every key, and key paths back to lines."""

from __future__ import annotations

import re
from typing import Any, Optional

import yaml


class LineDict(dict):
    """A mapping that remembers the line (1-based) each key stood on, and how each value that YAML read
    as something other than text (a number, a boolean, a date) was written."""

    lines: dict[Any, int]
    sources: dict[Any, str]  # key -> the value as written, for values that are not strings
    key_sources: dict[Any, str]  # key -> the key as written, for keys that are not strings


class LineList(list):
    lines: list[int]
    sources: dict[int, str]  # index -> the item as written, for items that are not strings


def _written(node: yaml.Node, value: Any) -> Optional[str]:
    """How a scalar YAML did not read as text was written (None for text, null and collections)."""
    if isinstance(node, yaml.ScalarNode) and value is not None and not isinstance(value, str):
        return str(node.value)
    return None


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.lines, result.sources, result.key_sources = {}, {}, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        try:
            result[key] = value = loader.construct_object(value_node, deep=True)
        except NumberError as err:  # the key path of a number YAML reads otherwise, from the inside out
            err.path = f"{key}{'' if err.path.startswith('[') or not err.path else '.'}{err.path}"
            raise
        result.lines[key] = key_node.start_mark.line + 1
        for into, written in (
            (result.sources, _written(value_node, value)),
            (result.key_sources, _written(key_node, key)),
        ):
            if written is not None:
                into[key] = written
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList()
    result.sources = {}
    for index, child in enumerate(node.value):
        try:
            result.append(loader.construct_object(child, deep=True))
        except NumberError as err:
            err.path = f"[{index}]{'' if err.path.startswith('[') or not err.path else '.'}{err.path}"
            raise
        written = _written(child, result[-1])
        if written is not None:
            result.sources[index] = written
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)")


def _int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """YAML 1.1 reads 012345670123 as octal, 0x1f as hex, 1_000 and 1:30 as numbers too: an unquoted
    account id with a leading zero would silently become another account."""
    value = loader.construct_yaml_int(node)
    if not _DECIMAL.fullmatch(node.value):
        raise NumberError(
            f"{node.value} is not a plain decimal number: YAML reads it as {value}",
            node.start_mark,
            f"quote it if it is an id ('{node.value}'), or write the number without leading "
            "zeros, underscores or colons",
        )
    return value


class NumberError(yaml.constructor.ConstructorError):
    """A number YAML reads otherwise than people do; ``fix`` says what to write."""

    def __init__(self, problem: str, mark: Any, fix: str) -> None:
        super().__init__(None, None, problem, mark)
        self.fix = fix
        self.path = ""  # the key path, filled in by the mappings and lists around it


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


# PyYAML's words for a line that is indented wrongly (or lacks the space after a colon).
_INDENTATION = (
    "mapping values are not allowed here",
    "did not find expected key",
    "expected <block end>",
    "did not find expected '-' indicator",
    "could not find expected ':'",
)


def plain_problem(problem: str) -> str:
    """A PyYAML problem in plain words where it usually means an indentation mistake."""
    if any(problem.startswith(p) for p in _INDENTATION):
        return (
            f"the indentation is off ({problem}): keys of one mapping must start in the same column, "
            "list items ('- ') under their key, and every 'key:' needs a space after the colon"
        )
    return problem


def parse(text: str) -> Any:
    """Parse YAML; raises yaml.YAMLError (with a problem_mark) on syntax errors."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def line_of(document: Any, path: str) -> Optional[int]:
    """The line of the deepest part of ``path`` (``rules[2].prefix``) found in the document."""
    node, line = document, None
    for name, index in _SEGMENT.findall(path):
        if name and isinstance(node, LineDict) and name not in node:  # a key YAML read as a number or boolean
            name = next((k for k, written in node.key_sources.items() if written == name), name)
        if name and isinstance(node, LineDict) and name in node:
            line, node = node.lines[name], node[name]
        elif index and isinstance(node, LineList) and int(index) < len(node):
            line, node = node.lines[int(index)], node[int(index)]
        else:
            break
    return line
