"""ECR's failed pull-through cache actions for one cache: an EventBridge rule and the function it feeds.

The function (``ecr_ptc_runtime.handler.pull_through_event_handler``, the warmer's code asset) counts each
failure as the ``PullThroughFailures`` metric by prefix (EMF), logs it as one readable JSON line, and
publishes a readable message (prefix, repository, tag, failure code and reason, what to do) to the topic,
at most once an hour per prefix and failure code (a small DynamoDB table holds those windows).
EventBridge does not publish to the topic itself: a fleet that cannot pull makes a burst of events, and a
message per event would bury the one that matters.
"""

from __future__ import annotations

from typing import Optional

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_sns as sns

from constructs import Construct
from ecr_ptc.cache.base import IPullThroughCache
from ecr_ptc.errors import ValidationError
from ecr_ptc.functions import role_and_log_group, runtime_code, runtime_function, window_table
from ecr_ptc.monitoring.events import failure_pattern
from ecr_ptc.nag import acknowledge
from ecr_ptc_runtime import metrics, notify

FUNCTION_TIMEOUT = Duration.seconds(30)
# EventBridge retries delivery to the function for up to this long (its default is 24 hours and 185 attempts:
# a failure reported a day late is no longer news).
EVENT_MAX_AGE = Duration.hours(2)
EVENT_RETRIES = 8


class PullThroughFailureEvents(Construct):
    """Count, log and tell ECR's failed pull-through actions under ``cache``'s prefixes.

    :param cache: the cache whose prefixes the rule matches (any cache: one deployed here or imported).
    :param topic: where the readable messages go (default: none; failures are still counted and logged).
    :raises ValidationError: when ``cache`` is not a pull-through cache.
    """

    def __init__(
        self, scope: Construct, id: str, *, cache: IPullThroughCache, topic: Optional[sns.ITopic] = None
    ) -> None:
        if not isinstance(cache, IPullThroughCache):
            raise ValidationError(
                "cache",
                f"expected a pull-through cache, got {cache!r}",
                "pass a PullThroughCache, or PullThroughCache.from_attributes(...) for one deployed elsewhere",
            )
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.cache_name = stack.stack_name
        self.prefixes = tuple(cache.prefixes)
        self.role, self.log_group = role_and_log_group(
            self, "ECR pull-through cache: counts and reports failed pull-through actions"
        )
        environment = {"CACHE_NAME": self.cache_name}
        self.window: Optional[dynamodb.Table] = None
        if topic is not None:
            self.window = window_table(self, "NotificationWindow")
            self.window.grant(self.role, "dynamodb:PutItem", "dynamodb:DeleteItem")
            topic.grant_publish(self.role)
            if isinstance(topic, sns.Topic) and topic.master_key is not None:
                acknowledge(
                    self.role,
                    "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                    "publishing to the encrypted topic needs a data key from the topic's own KMS key (SNS developer "
                    "guide, encryption at rest); the statement names that one key",
                )
            environment.update(TOPIC_ARN=topic.topic_arn, WINDOW_TABLE=self.window.table_name)
            acknowledge(
                self.window,
                "AwsSolutions-DDB3",
                f"the table holds only when the last message per prefix and failure code went out "
                f"({notify.QUIET_SECONDS // 60}-minute windows); losing it sends at most one message more",
            )
        self.function = runtime_function(
            self,
            "Function",
            entry_point="pull_through_event_handler",
            code=runtime_code(self),
            role=self.role,
            timeout=FUNCTION_TIMEOUT,
            memory_size=128,
            log_group=self.log_group,
            environment=environment,
            description="ECR pull-through cache: counts, logs and reports failed pull-through actions",
        )
        pattern = failure_pattern(self.prefixes)
        self.rule = events.Rule(
            self,
            "Rule",
            description=f"ECR pull-through cache actions that did not succeed under {', '.join(self.prefixes)}"[:512],
            event_pattern=events.EventPattern(
                source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"]
            ),
            targets=[
                events_targets.LambdaFunction(self.function, max_event_age=EVENT_MAX_AGE, retry_attempts=EVENT_RETRIES)
            ],
        )

    def metric_failures(
        self,
        *,
        prefix: Optional[str] = None,
        statistic: str = "Sum",
        period: Optional[Duration] = None,
    ) -> cloudwatch.Metric:
        """Failed pull-through actions counted by the function.

        :param prefix: one cache prefix's failures (default: the whole cache).
        :param statistic: default ``Sum``.
        :param period: default five minutes.
        """
        dimensions = {metrics.CACHE: self.cache_name}
        if prefix is not None:
            dimensions[metrics.PREFIX] = prefix
        return cloudwatch.Metric(
            namespace=metrics.NAMESPACE,
            metric_name=metrics.PULL_THROUGH_FAILURES.name,
            dimensions_map=dimensions,
            statistic=statistic,
            period=period or Duration.minutes(5),
        )


__all__ = ["PullThroughFailureEvents"]
