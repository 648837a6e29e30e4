"""Scheduled re-warming: an EventBridge Scheduler schedule per CacheWarmer, one function per stack.

The function runs ``ecr_ptc_runtime.handler.scheduled_handler`` over the warmer's code asset and role
(the same code as the deploy-time warmer and ``ecr-ptc warm``: one warming implementation). Failures that
stop a run from happening at all land in one dead-letter queue: a schedule that cannot invoke the function
(EventBridge Scheduler's retry policy and DLQ) and a run that crashed or timed out (the function's
asynchronous-invocation failure destination; Scheduler invokes Lambda asynchronously, so Lambda's own retry
settings, not Scheduler's, apply to a failed run).
"""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from aws_cdk import CfnElement, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs

from constructs import Construct
from ecr_ptc.errors import ValidationError
from ecr_ptc.functions import runtime_function
from ecr_ptc.nag import acknowledge
from ecr_ptc.warming.runtime import WarmerRuntime
from ecr_ptc_runtime import metrics

SCHEDULED_ID = "Scheduled"  # under the warmer runtime: one scheduled function per stack
EXCLUSION_ID = "PullTimeUpdateExclusion"
# A run warms every image of one warmer; Lambda's 15-minute maximum bounds it (the bench measures 200
# images), the handler stops a minute early to report.
RUN_TIMEOUT = Duration.minutes(15)
RUN_MEMORY_MB = 256
# Scheduler invokes Lambda asynchronously: an input is at most Lambda's asynchronous payload. The Invoke API
# reference says 1 MB today; we keep to the 256 KB it was, which 500 images of the longest names still fit.
MAX_INPUT_BYTES = 256 * 1024
# A schedule that cannot be delivered within an hour is dropped to the dead-letter queue: the next run
# comes anyway. A run that failed is not retried by Lambda (it would pull everything again at once).
DELIVERY_MAX_AGE = Duration.hours(1)
DELIVERY_RETRIES = 10
DEAD_LETTER_RETENTION = Duration.days(14)


class ScheduledRuntime(Construct):
    """Per stack, created once under the warmer runtime: the scheduled function and the dead-letter queue."""

    def __init__(self, runtime: WarmerRuntime) -> None:
        super().__init__(runtime, SCHEDULED_ID)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )
        self.function = runtime_function(
            self,
            "Function",
            entry_point="scheduled_handler",
            code=runtime.code,
            role=runtime.role,
            log_group=runtime.log_group,
            timeout=RUN_TIMEOUT,
            memory_size=RUN_MEMORY_MB,
            description="ECR pull-through cache warmer: scheduled re-warm of every image",
            retry_attempts=0,
            max_event_age=DELIVERY_MAX_AGE,
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
        )
        # The role EventBridge Scheduler invokes the function with, shared by every schedule of the stack.
        self.schedule_role = iam.Role(
            self,
            "ScheduleRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="EventBridge Scheduler: invokes the ECR pull-through cache re-warm",
        )
        cfn = self.function.node.default_child
        assert isinstance(cfn, CfnElement)
        acknowledge(
            self.schedule_role,
            f"AwsSolutions-IAM5[Resource::<{Stack.of(self).get_logical_id(cfn)}.Arn>:*]",
            "EventBridge Scheduler may invoke the scheduled re-warm function with any version qualifier "
            "(<arn>:*, as the CDK's Lambda target grants it); the wildcard covers that one function only",
        )
        acknowledge(
            self.dead_letter_queue,
            "AwsSolutions-SQS3",
            "this queue is itself the dead-letter queue of the re-warm schedule and of the scheduled "
            "function's failed runs; nothing reads it but people (the monitoring alarm counts its messages)",
        )

    @staticmethod
    def of(runtime: WarmerRuntime) -> "ScheduledRuntime":
        found = runtime.node.try_find_child(SCHEDULED_ID)
        if found is None:
            return ScheduledRuntime(runtime)
        assert isinstance(found, ScheduledRuntime)
        return found


def schedule_input(
    cache_name: str,
    images: Sequence[str],
    platforms: Sequence[str],
    prefixes: Sequence[str],
    lists: Sequence[dict] = (),
) -> dict:
    """What the schedule hands ``scheduled_handler`` (``ecr_ptc_runtime.handler.ScheduledRun``).

    :raises ValidationError: when the input would pass :data:`MAX_INPUT_BYTES`.
    """
    payload: dict[str, Any] = {
        "cache": cache_name,
        "images": list(images),
        "platforms": list(platforms),
        "prefixes": list(prefixes),
    }
    if lists:  # the rules' allow/deny lists (ecr_ptc_runtime.allow.lists_json): only when some rule has them
        payload["lists"] = list(lists)
    size = len(json.dumps(payload, separators=(",", ":")).encode())
    if size > MAX_INPUT_BYTES:
        raise ValidationError(
            "images",
            f"the schedule's input of {len(images)} images is {size} bytes; a schedule hands a Lambda function "
            f"at most {MAX_INPUT_BYTES} bytes",
            "split the images across two warmers (each gets its own schedule)",
        )
    return payload


def add_schedule(
    scope: Construct,
    runtime: WarmerRuntime,
    *,
    expression: str,
    images: Sequence[str],
    platforms: Sequence[str],
    prefixes: Sequence[str],
    lists: Sequence[dict] = (),
) -> tuple[scheduler.Schedule, ScheduledRuntime]:
    """A schedule (child ``Schedule`` of ``scope``) that runs the stack's scheduled function over ``images``."""
    stack = Stack.of(scope)
    payload = schedule_input(stack.stack_name, images, platforms, prefixes, lists)
    scheduled = ScheduledRuntime.of(runtime)
    target = targets.LambdaInvoke(
        scheduled.function,
        input=scheduler.ScheduleTargetInput.from_object(payload),
        dead_letter_queue=scheduled.dead_letter_queue,
        max_event_age=DELIVERY_MAX_AGE,
        retry_attempts=DELIVERY_RETRIES,
        role=scheduled.schedule_role,
    )
    schedule = scheduler.Schedule(
        scope,
        "Schedule",
        schedule=scheduler.ScheduleExpression.expression(expression),
        target=target,
        description=f"Re-warm {len(images)} image(s) of the ECR pull-through cache ({expression}, UTC)"[:512],
    )
    return schedule, scheduled


def exclude_from_pull_time(runtime: WarmerRuntime) -> ecr.CfnPullTimeUpdateExclusion:
    """The warmer's pulls leave ECR's last-pull time alone (``AWS::ECR::PullTimeUpdateExclusion``), once per stack.

    ECR user guide, "Pull-time update exclusions": ECR does not update ``LastRecordedPullTime`` when a principal
    on the account's exclusion list (up to 100 roles or users) pulls, so lifecycle rules counting days since
    the last pull see only the real pullers."""
    found = runtime.node.try_find_child(EXCLUSION_ID)
    if isinstance(found, ecr.CfnPullTimeUpdateExclusion):
        return found
    return ecr.CfnPullTimeUpdateExclusion(runtime, EXCLUSION_ID, principal_arn=runtime.role.role_arn)


def warm_metric(
    scope: Construct,
    metric: metrics.Metric,
    *,
    prefix: Optional[str] = None,
    statistic: str = "Sum",
    period: Optional[Duration] = None,
    **options: Any,
) -> cloudwatch.Metric:
    """A metric the scheduled runs of ``scope``'s stack write (dimension ``Cache`` = the stack's name;
    ``period`` default one hour)."""
    dimensions = {metrics.CACHE: Stack.of(scope).stack_name}
    if prefix is not None:
        dimensions[metrics.PREFIX] = prefix
    return cloudwatch.Metric(
        namespace=metrics.NAMESPACE,
        metric_name=metric.name,
        dimensions_map=dimensions,
        statistic=statistic,
        period=period or Duration.hours(1),
        **options,
    )


__all__ = [
    "MAX_INPUT_BYTES",
    "ScheduledRuntime",
    "add_schedule",
    "exclude_from_pull_time",
    "schedule_input",
    "warm_metric",
]
