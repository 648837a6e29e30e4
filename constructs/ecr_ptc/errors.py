"""The one error type for bad input, shared by the constructs, the config loader and the CLI."""

from __future__ import annotations

import contextlib
from typing import Iterator, Optional


class ValidationError(ValueError):
    """Bad input: where it is (a key path such as ``rules[2].prefix``), what is wrong, how to fix it.

    Constructs raise it at construct time with paths relative to their props; the config
    loader prefixes the YAML key path (see :func:`at_path`) and the file name.

    :param path: the prop (or key) path, snake_case.
    :param problem: what is wrong, with the value received.
    :param fix: what a library user (Python) does about it.
    :param config_fix: what a config-file user writes instead, when that differs from ``fix``
        (default: ``fix``, with prop names in camelCase).
    """

    def __init__(self, path: str, problem: str, fix: str, config_fix: Optional[str] = None) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        self.config_fix = config_fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.problem}. Fix: {self.fix}"

    def under(self, parent: str) -> "ValidationError":
        """The same error with ``parent`` put in front of its path."""
        return ValidationError(join_path(parent, self.path), self.problem, self.fix, self.config_fix)


def join_path(parent: str, child: str) -> str:
    if not parent:
        return child
    if not child:
        return parent
    return parent + child if child.startswith("[") else f"{parent}.{child}"


@contextlib.contextmanager
def at_path(parent: str) -> Iterator[None]:
    """Re-raise any ValidationError raised inside with ``parent`` in front of its path."""
    try:
        yield
    except ValidationError as err:
        raise err.under(parent) from None
