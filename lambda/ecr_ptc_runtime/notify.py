"""ECR "Pull Through Cache Action" failure events -> a metric line, a readable log line, and at most one
readable message per cache prefix and failure code an hour.

The event (ECR user guide, "Amazon ECR events and EventBridge"): ``source`` ``aws.ecr``, ``detail-type``
``ECR Pull Through Cache Action``; ``detail`` holds ``sync-status``, ``ecr-repository-prefix``,
``repository-name``, ``upstream-registry-url``, ``image-tag``, ``image-digest`` and, for a failure,
``failure-code`` and ``failure-reason``. ECR sends one event per attempt (best effort), so a fleet failing
to pull makes a burst: a conditional write to a small DynamoDB table (``attribute_not_exists`` or expired)
lets one message through per prefix and failure code per :data:`QUIET_SECONDS`; every event is still
counted and logged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

from .logs import log, redact

QUIET_SECONDS = 3600
# The event's envelope (the one home of these names: the constructs' EventBridge patterns read them).
SOURCE = "aws.ecr"
DETAIL_TYPE = "ECR Pull Through Cache Action"
SUCCESS = "SUCCESS"
SUBJECT_MAX = 100  # SNS: an email subject is at most 100 printable ASCII characters

# What to do about the failure codes ECR reports for pull-through pulls (BatchGetImage failure codes;
# ECR API reference, ImageFailure). Any other code gets the general advice.
ADVICE = {
    "UpstreamAccessDenied": "the upstream refused the cache rule's credentials: store valid ones in the rule's "
    "secret (stack output SetCredentials<Prefix>), then check with 'aws ecr validate-pull-through-cache-rule "
    "--ecr-repository-prefix {prefix}'",
    "UpstreamTooManyRequests": "the upstream rate-limited the cache (Docker Hub limits anonymous and free "
    "accounts): authenticate the rule with a paid account's token, or pull less often",
    "UpstreamUnavailable": "the upstream registry did not answer: check its status page; ECR keeps serving the "
    "images it already holds",
    "ImageNotFound": "the tag or digest does not exist upstream (Docker Hub official images need library/ in "
    "the path): check the name",
    "KmsError": "ECR could not use the repositories' KMS key: check the key policy and that the key is enabled",
}
GENERAL_ADVICE = (
    "check the rule ('aws ecr validate-pull-through-cache-rule --ecr-repository-prefix {prefix}'), the "
    "upstream's status, and the puller's permissions (README, Troubleshooting)"
)


@dataclass(frozen=True)
class PullThroughFailure:
    prefix: str
    repository: str
    reference: str  # tag, else digest, else '?'
    upstream: str
    code: str
    reason: str
    status: str
    account: str
    region: str
    time: str

    @classmethod
    def of(cls, event: dict) -> "PullThroughFailure":
        detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
        assert isinstance(detail, dict)

        def text(key: str, default: str = "?") -> str:
            value = detail.get(key)
            return redact(str(value)) if value not in (None, "") else default

        return cls(
            prefix=text("ecr-repository-prefix"),
            repository=text("repository-name"),
            reference=text("image-tag", "") or text("image-digest"),
            upstream=text("upstream-registry-url"),
            code=text("failure-code", "unknown"),
            reason=text("failure-reason", "no reason given"),
            status=text("sync-status"),
            account=str(event.get("account", "?")),
            region=str(event.get("region", "?")),
            time=str(event.get("time", "?")),
        )

    @property
    def advice(self) -> str:
        return ADVICE.get(self.code, GENERAL_ADVICE).format(prefix=self.prefix)

    @property
    def image(self) -> str:
        separator = "@" if self.reference.startswith("sha256:") else ":"
        return f"{self.repository}{separator}{self.reference}"

    def subject(self, cache: str) -> str:
        text = f"ECR pull-through failure in {cache}: {self.prefix}/ {self.code}"
        printable = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
        return printable[: SUBJECT_MAX - 3] + "..." if len(printable) > SUBJECT_MAX else printable

    def message(self, cache: str, quiet_seconds: int = QUIET_SECONDS) -> str:
        return "\n".join(
            [
                f"Amazon ECR could not pull {self.image} through the cache {cache}.",
                "",
                f"  prefix:      {self.prefix}",
                f"  repository:  {self.repository}",
                f"  image:       {self.reference}",
                f"  upstream:    {self.upstream}",
                f"  failure:     {self.code} (sync status {self.status})",
                f"  reason:      {self.reason}",
                f"  where, when: account {self.account}, {self.region}, {self.time}",
                "",
                f"What to do: {self.advice}.",
                "",
                f"This is the first {self.code} failure under {self.prefix}/ for {quiet_seconds // 60} minutes: later "
                "ones are counted on the cache's dashboard (pull-through failures by prefix) and listed in its log "
                "table, not mailed one by one.",
            ]
        )


# The window table's schema: its partition key and its TTL attribute (ecr_ptc.functions.window_table builds it).
WINDOW_KEY, WINDOW_EXPIRES = "key", "expires"


def first_in_window(dynamodb, table: str, key: str, now: Optional[float] = None, quiet: int = QUIET_SECONDS) -> bool:
    """True when no message for ``key`` went out in the last ``quiet`` seconds (and records this one).

    Fails open: when the table cannot be asked, the message goes out (one mail too many beats none)."""
    now_s = int(time.time() if now is None else now)
    try:
        dynamodb.put_item(
            TableName=table,
            Item={WINDOW_KEY: {"S": key}, WINDOW_EXPIRES: {"N": str(now_s + quiet)}},
            ConditionExpression="attribute_not_exists(#k) OR #e < :now",
            ExpressionAttributeNames={"#k": WINDOW_KEY, "#e": WINDOW_EXPIRES},
            ExpressionAttributeValues={":now": {"N": str(now_s)}},
        )
        return True
    except Exception as exc:  # noqa: BLE001 - botocore's errors, loaded lazily
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__))
        if code == "ConditionalCheckFailedException":
            return False
        log("dedup-unavailable", error=code)
        return True


def forget(dynamodb, table: str, key: str) -> None:
    """Free the window of ``key`` (after a message that could not be sent). Never raises."""
    try:
        dynamodb.delete_item(TableName=table, Key={WINDOW_KEY: {"S": key}})
    except Exception as exc:  # noqa: BLE001 - botocore's errors, loaded lazily
        log("dedup-unavailable", error=type(exc).__name__)


def notify(
    failure: PullThroughFailure, *, cache: str, topic_arn: str, table: str, sns, dynamodb, now: Optional[float] = None
) -> bool:
    """Publish the readable message unless one for the same prefix and code went out within the hour.
    Returns whether it was published."""
    if not first_in_window(dynamodb, table, f"{failure.prefix}#{failure.code}", now):
        return False
    sns.publish(TopicArn=topic_arn, Subject=failure.subject(cache), Message=failure.message(cache))
    return True


__all__ = [
    "ADVICE",
    "DETAIL_TYPE",
    "PullThroughFailure",
    "QUIET_SECONDS",
    "SOURCE",
    "SUCCESS",
    "first_in_window",
    "forget",
    "notify",
]
