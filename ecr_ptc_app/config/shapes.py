"""The shapes of YAML values: mappings with known keys, lists, text that YAML read as something else,
and a props dataclass built from a mapping with every independent mistake found."""

from __future__ import annotations

import contextvars
import dataclasses
import datetime
import difflib
import enum
import functools
import inspect
import typing
from typing import Any, Callable, Optional

from ecr_ptc.errors import ValidationError, join_path

from .errors import Problems, camel, for_file, snake


def _mapping(value: Any, path: str, allowed: tuple[str, ...], what: str, problems: Optional[Problems] = None) -> dict:
    """The mapping; unknown keys are mistakes of their own (recorded, or the first one raised)."""
    if not isinstance(value, dict):
        raise ValidationError(
            path,
            f"expected a mapping ({what}), got {value!r}",
            f"write {path or 'the file'} as 'key: value' lines with keys among: {', '.join(allowed)}",
        )
    unknown = []
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(allowed)}"
            unknown.append(ValidationError(join_path(path, str(key)), f"unknown key {key!r}", hint))
    if unknown:
        if problems is not None:
            problems.errors += unknown[1:]
        raise unknown[0]  # the object is not built: its other errors would follow from the typo
    return value


def _or_empty(doc: dict, key: str, empty: Any) -> Any:
    """The value of ``key``; an empty one (``key:`` with nothing after it) means ``empty``. A value of
    the wrong shape is passed on, to be refused where it is read."""
    value = doc.get(key)
    return empty if value is None else value


# Fields whose numbers or booleans YAML reads rightly: an unquoted 12-digit account id is taken (a leading
# zero is refused by the loader, see yaml_source), and scanOnPush: off means off.
_NOT_TEXT = frozenset({"account", "principals", "scan_on_push"})


_TEXT_TYPES = (str, Optional[str], tuple[str, ...], dict[str, str])


_ALSO_TEXT = frozenset({"encryption"})  # AES256, or a mapping of text


def _not_text(value: Any, written: Optional[str], path: str) -> ValidationError:
    """The one message for a scalar YAML did not read as text where text is expected."""
    kind = (
        "a boolean"
        if isinstance(value, bool)
        else "a date"
        if isinstance(value, (datetime.date, datetime.datetime))
        else "a number"
        if isinstance(value, (int, float))
        else "something other than text"
    )
    shown = written if written is not None else str(value)
    read = "" if shown == str(value) or isinstance(value, bool) else f" ({value})"
    return ValidationError(
        path,
        f"YAML reads {shown} as {kind}{read}, not as the text {shown}",
        f"quote it: '{shown}'",
    )


def text_problems(value: Any, path: str, container: Any = None, key: Any = None) -> list[ValidationError]:
    """Every non-text scalar in ``value`` (a string, a list of strings or a mapping of strings), where text is
    expected: YAML reads ``1.10``, ``yes``, ``off`` and ``2024-05-01`` as numbers, booleans and dates."""

    def scalar(item: Any) -> bool:
        return item is not None and not isinstance(item, (str, list, dict))

    sources = getattr(container, "sources", {})
    if scalar(value):
        return [_not_text(value, sources.get(key), path)]
    found = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            if scalar(item):
                found.append(_not_text(item, getattr(value, "sources", {}).get(i), f"{path}[{i}]"))
    elif isinstance(value, dict):
        for k, item in value.items():
            name = getattr(value, "key_sources", {}).get(k, str(k))  # `on:` is the key True, written on
            if scalar(k):
                found.append(_not_text(k, name, join_path(path, name)))
            if scalar(item):
                found.append(_not_text(item, getattr(value, "sources", {}).get(k), join_path(path, name)))
    return found


@functools.lru_cache(maxsize=None)
def _text_fields(cls: type) -> frozenset[str]:
    """The camelCase keys of ``cls`` that hold text: a string, strings, a mapping of strings, or a choice
    (an enum, written as its name)."""
    hints = typing.get_type_hints(cls)

    def text(hint: Any) -> bool:
        choices = [a for a in (hint, *typing.get_args(hint)) if isinstance(a, type) and issubclass(a, enum.Enum)]
        return hint in _TEXT_TYPES or bool(choices)

    return frozenset(
        camel(f.name)
        for f in dataclasses.fields(cls)
        if f.name not in _NOT_TEXT and (text(hints[f.name]) or f.name in _ALSO_TEXT)
    )


def _list(value: Any, path: str, what: str) -> list:
    if not isinstance(value, list):
        raise ValidationError(
            path, f"expected a list of {what}, got {value!r}", f"write {path} as a YAML list ('- item' lines or [a, b])"
        )
    return value


# The mistakes of the file being read, so that a block nested in a converter (a rule's credentials, a
# lifecycle rule) reports all of its mistakes too; set by build_all.
_FILE_PROBLEMS: contextvars.ContextVar[Optional["Problems"]] = contextvars.ContextVar("_FILE_PROBLEMS", default=None)


def _props(
    cls: type,
    raw: Any,
    path: str,
    what: str,
    convert: Optional[dict[str, Callable[[Any, str], Any]]] = None,
    problems: Optional[Problems] = None,
) -> Any:
    """Build a props dataclass from a YAML mapping whose keys are its fields in camelCase.

    Every independent mistake of the block is found: each key's own (its type, its converter), then the
    class's checks, again without each optional key that was refused, until the rest is accepted. The first
    is raised; the others are recorded in ``problems`` (or the file's)."""
    problems = problems or _FILE_PROBLEMS.get()
    names = tuple(camel(f.name) for f in dataclasses.fields(cls))
    raw = _mapping(raw, path, names, what, problems)
    errors = [
        e for key in _text_fields(cls) & set(raw) for e in text_problems(raw[key], join_path(path, key), raw, key)
    ]
    refused = {snake(e.path[len(path) :].lstrip(".").split(".")[0].split("[")[0]) for e in errors}
    kwargs = {}
    for key, value in raw.items():
        name = snake(key)
        if name in refused:
            continue
        try:
            kwargs[name] = (convert or {}).get(name, lambda x, _p: x)(value, join_path(path, key))
        except ValidationError as err:
            errors.append(err)
            refused.add(name)
    parameters = inspect.signature(cls).parameters
    missing = [n for n, p in parameters.items() if p.default is p.empty and n not in kwargs and n not in refused]
    if missing:
        errors.append(
            ValidationError(
                path,
                f"{path or 'the file'} has no {camel(missing[0])}",
                f"add '{camel(missing[0])}:' (see the README's config reference)",
            )
        )
    built = None
    while not missing and all(parameters[n].default is not parameters[n].empty for n in refused):
        try:
            built = cls(**{k: val for k, val in kwargs.items() if k not in refused})
            break
        except ValidationError as err:
            field = err.path.split(".")[0].split("[")[0]
            if errors and (field in refused or field not in kwargs):
                break  # a consequence of leaving a refused key out, not a mistake of its own
            errors.append(for_file(err, path))
            if field not in kwargs or parameters[field].default is parameters[field].empty:
                break
            refused.add(field)
    if errors:
        if problems is not None:
            problems.errors += errors[1:]
        raise errors[0]
    return built


def _each(build: Callable[[Any, str], Any], items: list, path: str) -> tuple:
    """``build(item, path[i])`` for every item; every item's mistakes are found (the first raised)."""
    built, errors = [], []
    for i, item in enumerate(items):
        try:
            built.append(build(item, f"{path}[{i}]"))
        except ValidationError as err:
            errors.append(err)
    if errors:
        problems = _FILE_PROBLEMS.get()
        if problems is not None:
            problems.errors += errors[1:]
        raise errors[0]
    return tuple(built)


def _first_of(errors: list[ValidationError], problems: Problems) -> None:
    """Raise the first of ``errors`` and record the others (nothing when there are none)."""
    if errors:
        problems.errors += errors[1:]
        raise errors[0]
