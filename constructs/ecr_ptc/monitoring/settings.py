"""Who is told when the cache fails, and whether it gets a dashboard. No CDK import: the config loader uses it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

from ecr_ptc import validation as v
from ecr_ptc.errors import ValidationError

if TYPE_CHECKING:  # type hints only: settings never start the CDK's jsii runtime
    from aws_cdk.aws_sns import ITopic

MAX_EMAILS = 10
# An address SNS can deliver to: local part, '@', a domain of dot-separated labels with a dot in it
# (RFC 5321 limits the whole to 254 characters). Deliberately plainer than RFC 5322: no quoted local parts.
EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]{1,64}@(?=.{1,253}$)"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
TOPIC_ARN_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})(\.fifo)?$")
TOPIC_FIX = "give a standard topic's ARN, e.g. arn:aws:sns:eu-west-1:123456789012:platform-alerts"


@dataclass(frozen=True)
class MonitoringSettings:
    """Alarms and their notification, and a CloudWatch dashboard, for a cache (and its warmer).

    ``email``: addresses subscribed to the notification topic (each confirms once; at most 10).
    ``topic_arn``: an existing standard SNS topic, in the cache's Region, to notify instead of a new one
    (its own policy must let CloudWatch publish; README, "Running it"); left out: the stack creates an
    encrypted, TLS-only topic. ``dashboard``: a CloudWatch dashboard (default True).

    :raises ValidationError: for a malformed address or ARN, a FIFO topic, or nobody to notify.
    """

    email: tuple[str, ...] = ()
    topic_arn: Optional[str] = None
    dashboard: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", _emails(self.email))
        if self.topic_arn is not None:
            object.__setattr__(self, "topic_arn", _topic_arn(self.topic_arn))
        if not isinstance(self.dashboard, bool):
            raise ValidationError(
                "dashboard",
                f"expected true or false, got {self.dashboard!r}",
                "give dashboard=True or False",
                "write dashboard: true or dashboard: false (unquoted)",
            )
        if not self.email and self.topic_arn is None:
            raise ValidationError(
                "",
                "monitoring notifies nobody: no email and no topic_arn",
                "pass email=('team@example.com',) and/or topic_arn='arn:aws:sns:...', or leave monitoring out",
                "give email: [team@example.com] and/or topicArn: arn:aws:sns:..., or remove monitoring",
            )

    @classmethod
    def for_topic(
        cls, topic: Union[str, "ITopic"], *, email: tuple[str, ...] = (), dashboard: bool = True
    ) -> "MonitoringSettings":
        """Notify an existing topic: its ARN, or an ``ITopic`` (its ``topic_arn``)."""
        return cls(email=email, topic_arn=v.arn_of(topic, "topic_arn", "topic_arn", "an ITopic"), dashboard=dashboard)

    def topic_location_error(self, region: Optional[str]) -> Optional[ValidationError]:
        """:meth:`topic_location_problem` as a complete error (path ``topic_arn``), or None; the construct and
        the config loader both raise or report this one."""
        problem = self.topic_location_problem(region)
        if problem is None:
            return None
        return ValidationError(
            "topic_arn",
            problem,
            f"give a topic of {region}, or leave topic_arn out (the stack creates one)",
            f"give a topic of {region}, or leave topicArn out (each stack then creates its own)",
        )

    def topic_location_problem(self, region: Optional[str]) -> Optional[str]:
        """Why the topic cannot take this cache's alarms (CloudWatch alarm actions notify a topic of the alarm's
        own Region), or None; None also when either Region is not known before deploy."""
        if self.topic_arn is None or region is None or v.is_token(self.topic_arn):
            return None
        topic_region = self.topic_arn.split(":")[3]
        if topic_region != region:
            return f"the topic is in {topic_region}, the cache in {region}: CloudWatch alarms notify topics of their own Region"
        return None


def _emails(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationError(
            "email",
            f"expected a list of addresses, got {value!r}",
            "pass email=('team@example.com',)",
            "write email as a list, e.g. [team@example.com]",
        )
    if len(value) > MAX_EMAILS:
        raise ValidationError(
            "email", f"{len(value)} addresses; at most {MAX_EMAILS}", "subscribe a mailing list instead of each person"
        )
    seen: dict[str, int] = {}
    for i, address in enumerate(value):
        path = f"email[{i}]"
        if not isinstance(address, str) or not EMAIL_PATTERN.match(address.strip()):
            raise ValidationError(path, f"{address!r} is not an email address", "give one like team@example.com")
        key = address.strip().lower()
        if key in seen:
            raise ValidationError(path, f"{address!r} is already email[{seen[key]}]", "remove the duplicate")
        seen[key] = i
    return tuple(a.strip() for a in value)


def _topic_arn(value: Any) -> str:
    v.check_type(value, str, "topic_arn", "an SNS topic ARN")
    if v.is_token(value):
        return value
    match = TOPIC_ARN_PATTERN.match(value.strip())
    if not match:
        raise ValidationError("topic_arn", f"{value!r} is not an SNS topic ARN", TOPIC_FIX)
    if match.group(5):
        raise ValidationError(
            "topic_arn",
            f"{value!r} is a FIFO topic: it takes neither email subscriptions nor CloudWatch alarm notifications",
            TOPIC_FIX,
        )
    return value.strip()


__all__ = ["MAX_EMAILS", "MonitoringSettings"]
