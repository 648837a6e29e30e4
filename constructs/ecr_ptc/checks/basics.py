"""The checks every other one is made of: a value's type, a whole number, a CDK token, ``fail``."""

from __future__ import annotations

from typing import Any, NoReturn

from ecr_ptc.errors import ValidationError


def is_token(value: Any) -> bool:
    """A CDK token (an ARN of an ``IRole``, ``IKey`` or ``ISecret`` made in the app): known at deploy time only."""
    return isinstance(value, str) and "${Token[" in value


def arn_of(value: Any, attribute: str, path: str, what: str) -> str:
    """An ARN given as a string, or read from a CDK object that has it (``role.role_arn``, ``key.key_arn``)."""
    if isinstance(value, str):
        return value
    arn = getattr(value, attribute, None)
    if not isinstance(arn, str):
        fail(path, f"expected {what} or its ARN, got {value!r}", f"pass {what} or its ARN as a string")
    return arn


def fail(path: str, problem: str, fix: str) -> NoReturn:
    raise ValidationError(path, problem, fix)


def check_type(value: Any, kind: type | tuple[type, ...], path: str, what: str) -> None:
    # bool is an int in Python; a YAML `true` is never a number here.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int,))):
        fail(path, f"expected {what}, got {value!r}", f"give {what}")


def check_positive_int(value: Any, path: str, *, maximum: int | None = None) -> int:
    check_type(value, int, path, "a whole number of 1 or more")
    if value < 1 or (maximum is not None and value > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        fail(path, f"{value} is out of range", f"give a whole number of 1 or more{bound}")
    return value
