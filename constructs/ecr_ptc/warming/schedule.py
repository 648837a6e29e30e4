"""EventBridge Scheduler expressions for the scheduled re-warm, checked before AWS sees them (no CDK).

Syntax (EventBridge Scheduler user guide, "Schedule types"): ``rate(value unit)`` with a positive whole
value and ``minute(s)``, ``hour(s)`` or ``day(s)``; ``cron(minutes hours day-of-month month day-of-week year)``,
six fields, with ``?`` in one of day-of-month and day-of-week. Cron schedules run in UTC here.

The minimum interval is ours: :data:`MIN_INTERVAL_MINUTES`. ECR re-checks a cached tag against its
upstream at most once every 24 hours, and only when it is pulled, so running more often than hourly
refreshes nothing sooner and spends the upstream's rate limit (Docker Hub counts every manifest GET).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ecr_ptc.errors import ValidationError

MIN_INTERVAL_MINUTES = 60
MAX_EXPRESSION = 256  # AWS::Scheduler::Schedule ScheduleExpression maxLength
EXAMPLES = "rate(12 hours) or cron(0 3 * * ? *)"

RATE = re.compile(r"^rate\((?P<value>[^ )]+) (?P<unit>[^ )]+)\)$")
CRON = re.compile(r"^cron\((?P<fields>[^)]*)\)$")
UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class _Field:
    def __init__(self, name: str, low: int, high: int, names: tuple[str, ...] = (), special: str = "") -> None:
        self.name, self.low, self.high, self.names, self.special = name, low, high, names, special

    def number(self, text: str) -> Optional[int]:
        if text.isdigit():
            n = int(text)
            return n if self.low <= n <= self.high else None
        upper = text.upper()
        return self.low + self.names.index(upper) if upper in self.names else None

    def problem(self, text: str) -> Optional[str]:
        """What is wrong with the field (None: fine)."""
        for item in text.split(","):
            if not item:
                return "has an empty list item"
            error = self._item(item)
            if error:
                return error
        return None

    def _item(self, item: str) -> Optional[str]:
        values = f"{self.low}-{self.high}" + (f" or {self.names[0]}-{self.names[-1]}" if self.names else "")
        if item == "*":
            return None
        if item == "?":
            return None if "?" in self.special else "may not be ?"
        if "L" in self.special and (item in ("L", "LW") or (item.endswith("L") and self.number(item[:-1]))):
            return None
        if "W" in self.special and item.endswith("W") and self.number(item[:-1]) is not None:
            return None
        if "#" in self.special and "#" in item:
            day, _, nth = item.partition("#")
            ok = self.number(day) is not None and nth.isdigit() and 1 <= int(nth) <= 5
            return None if ok else f"'{item}' is not <weekday>#<1-5>"
        base, slash, step = item.partition("/")
        if slash and not (step.isdigit() and int(step) >= 1):
            return f"'{item}': the step after / must be a whole number of at least 1"
        if base == "*" and slash:
            return None
        first, dash, last = base.partition("-")
        if self.number(first) is None or (dash and self.number(last) is None):
            return f"'{item}' is not a value of {values}"
        return None


FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31, special="?LW"),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 1, 7, WEEKDAYS, special="?L#"),
    _Field("year", 1970, 2199),
)


def _fail(path: str, problem: str, fix: str) -> ValidationError:
    return ValidationError(path, problem, fix)


def check_schedule(value: Any, path: str = "schedule") -> str:
    """The expression, stripped; raises ValidationError saying what is wrong and how to write it.

    :raises ValidationError: for anything but a rate or cron expression EventBridge Scheduler accepts, and
        for a schedule that runs more often than every :data:`MIN_INTERVAL_MINUTES` minutes.
    """
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"expected a schedule expression, got {value!r}", f"write it as {EXAMPLES}")
    text = value.strip()
    if len(text) > MAX_EXPRESSION:
        raise _fail(path, f"the expression is {len(text)} characters long", f"EventBridge allows {MAX_EXPRESSION}")
    if text.startswith("at("):
        raise _fail(
            path,
            f"{text!r} is a one-time schedule: it would re-warm once and never again",
            f"use a recurring schedule, e.g. {EXAMPLES}",
        )
    rate = RATE.match(text)
    if rate:
        _check_rate(rate.group("value"), rate.group("unit"), text, path)
        return text
    cron = CRON.match(text)
    if cron:
        _check_cron(cron.group("fields"), text, path)
        return text
    raise _fail(path, f"{text!r} is not a rate(...) or cron(...) expression", f"write it as {EXAMPLES}")


def _check_rate(value: str, unit: str, text: str, path: str) -> None:
    if not value.isdigit() or int(value) < 1:
        raise _fail(path, f"{text!r}: {value!r} is not a positive whole number", "write e.g. rate(12 hours)")
    n = int(value)
    singular = unit.rstrip("s") if unit.endswith("s") else unit
    if singular not in UNIT_MINUTES:
        raise _fail(path, f"{text!r}: unknown unit {unit!r}", "use minutes, hours or days, e.g. rate(12 hours)")
    wanted = singular if n == 1 else singular + "s"
    if unit != wanted:
        raise _fail(
            path,
            f"{text!r}: the unit is singular for 1 and plural otherwise",
            f"write rate({n} {wanted})",
        )
    if n * UNIT_MINUTES[singular] < MIN_INTERVAL_MINUTES:
        raise _fail(
            path,
            f"{text!r} runs more often than every {MIN_INTERVAL_MINUTES} minutes (ECR re-checks a cached tag "
            "upstream at most once a day; more runs only spend the upstream's rate limit)",
            "use rate(1 hour) or longer, e.g. rate(12 hours)",
        )


def _check_cron(fields_text: str, text: str, path: str) -> None:
    fields = fields_text.split()
    if len(fields) != len(FIELDS):
        raise _fail(
            path,
            f"{text!r} has {len(fields)} fields; EventBridge cron has 6 "
            "(minutes hours day-of-month month day-of-week year)",
            "write e.g. cron(0 3 * * ? *) for 03:00 UTC every day",
        )
    for field, part in zip(FIELDS, fields, strict=True):
        problem = field.problem(part)
        if problem:
            raise _fail(path, f"{text!r}: {field.name} {problem}", "write e.g. cron(0 3 * * ? *) for 03:00 UTC daily")
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise _fail(
            path,
            f"{text!r}: exactly one of day-of-month and day-of-week must be ?",
            "put ? in the one you do not use, e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON *)",
        )
    if not fields[0].isdigit():
        raise _fail(
            path,
            f"{text!r} runs more than once an hour (minutes {fields[0]!r}); at most one run an hour is allowed "
            "(ECR re-checks a cached tag upstream at most once a day)",
            "give the minutes as one number, e.g. cron(0 */6 * * ? *) for every six hours",
        )


__all__ = ["EXAMPLES", "MIN_INTERVAL_MINUTES", "check_schedule"]
