"""warm.schedule: EventBridge Scheduler expressions checked before AWS sees them, at most one run an hour."""

from __future__ import annotations

import pytest

from ecr_ptc.errors import ValidationError
from ecr_ptc.warming.schedule import MIN_INTERVAL_MINUTES, check_schedule
from ecr_ptc.warming.settings import WarmSettings

VALID = [
    "rate(12 hours)",
    "rate(1 hour)",
    "rate(60 minutes)",
    "rate(1 day)",
    "rate(7 days)",
    "  rate(6 hours)  ",  # stripped
    "cron(0 3 * * ? *)",
    "cron(15 */6 * * ? *)",
    "cron(0 8 ? * MON-FRI *)",
    "cron(0 0 1 * ? *)",
    "cron(30 2 L * ? *)",
    "cron(0 10 15W * ? *)",
    "cron(0 4 ? * 2#1 *)",
    "cron(0 4 ? * 6L 2026-2030)",
    "cron(0 1,13 ? JAN,JUL SUN *)",
]

INVALID = [
    ("rate(30 minutes)", "more often than every 60 minutes"),
    ("rate(59 minutes)", "more often than every 60 minutes"),
    ("rate(1 hours)", "write rate(1 hour)"),
    ("rate(2 hour)", "write rate(2 hours)"),
    ("rate(0 days)", "not a positive whole number"),
    ("rate(-1 days)", "not a positive whole number"),
    ("rate(1.5 hours)", "not a positive whole number"),
    ("rate(3 weeks)", "unknown unit"),
    ("rate(12hours)", "not a rate(...) or cron(...) expression"),
    ("cron(0 3 * * *)", "has 5 fields"),
    ("cron(0 3 * * ? * *)", "has 7 fields"),
    ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week must be ?"),
    ("cron(0 3 ? * ? *)", "exactly one of day-of-month and day-of-week must be ?"),
    ("cron(*/5 * * * ? *)", "more than once an hour"),
    ("cron(0,30 * * * ? *)", "more than once an hour"),
    ("cron(0-59 * * * ? *)", "more than once an hour"),
    ("cron(60 3 * * ? *)", "minutes '60' is not a value of 0-59"),
    ("cron(0 24 * * ? *)", "hours '24'"),
    ("cron(0 3 32 * ? *)", "day-of-month '32'"),
    ("cron(0 3 ? 13 MON *)", "month '13'"),
    ("cron(0 3 ? FOO MON *)", "month 'FOO'"),
    ("cron(0 3 ? * 8 *)", "day-of-week '8'"),
    ("cron(0 3 ? * MON#6 *)", "<weekday>#<1-5>"),
    ("cron(0 3 ? * MON *,)", "empty list item"),
    ("cron(0 3 * * ? 1969)", "year '1969'"),
    ("cron(0 */0 * * ? *)", "step after / must be"),
    ("cron(0 3 * ? * *)", "month may not be ?"),
    ("at(2030-01-01T00:00:00)", "one-time schedule"),
    ("every 12 hours", "not a rate(...) or cron(...) expression"),
    ("", "expected a schedule expression"),
    ("rate(" + "1" * 300 + " days)", "characters long"),
]


@pytest.mark.parametrize("expression", VALID)
def test_valid_expressions_pass_stripped(expression):
    assert check_schedule(expression) == expression.strip()


@pytest.mark.parametrize("expression,words", INVALID, ids=[i[0][:40] or "empty" for i in INVALID])
def test_invalid_expressions_say_what_is_wrong_and_how_to_write_it(expression, words):
    with pytest.raises(ValidationError) as caught:
        check_schedule(expression, "warm.schedule")
    err = caught.value
    assert err.path == "warm.schedule" and words in err.problem + err.fix and err.fix


@pytest.mark.parametrize("value", [12, None, ["rate(1 day)"], True])
def test_a_schedule_that_is_not_text_is_refused(value):
    with pytest.raises(ValidationError, match="expected a schedule expression"):
        check_schedule(value)


def test_warm_settings_check_and_keep_the_schedule():
    assert WarmSettings(images=("quay/a:1",)).schedule is None  # deploy time only
    assert WarmSettings(images=("quay/a:1",), schedule=" rate(12 hours)").schedule == "rate(12 hours)"
    with pytest.raises(ValidationError) as caught:
        WarmSettings(images=("quay/a:1",), schedule="rate(5 minutes)")
    assert caught.value.path == "schedule" and MIN_INTERVAL_MINUTES == 60
