"""Miss forwarding, the hub's side: the organization's miss bus and the function that fills the hub.

Each spoke's EventBridge rule forwards its own failed ``ECR Pull Through Cache Action`` events (under the
prefixes it pulls through the hub) to the hub's custom event bus :data:`MISS_BUS_NAME`, whose resource policy
lets only principals of the organization put events (``aws:PrincipalOrgID``). A rule on that bus invokes the
fill function (``ecr_ptc_runtime.handler.miss_fill_handler``; see ``ecr_ptc_runtime.fill``): it warms the
same tag in the hub with the warming code, once per 15 minutes per image (a DynamoDB table of windows), with
a reserved concurrency that bounds the pulls it makes at once. With the cache's monitoring, fill failures go
through its deduplicated failure notification and the fill metrics onto its dashboard.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns

from constructs import Construct
from ecr_ptc.cache.pull_through_cache import AUTH_TOKEN_REASON, PullThroughCache
from ecr_ptc.functions import role_and_log_group, runtime_code, runtime_function, window_table
from ecr_ptc.monitoring.events import failure_pattern
from ecr_ptc.nag import acknowledge
from ecr_ptc.organization.settings import MISS_BUS_NAME, OrganizationSettings, miss_prefixes
from ecr_ptc_runtime import allow, fill, metrics

if TYPE_CHECKING:
    from ecr_ptc.monitoring.cache_monitoring import CacheMonitoring

FILL_TIMEOUT = Duration.minutes(5)  # one image through the hub: manifests, then a touch per blob
FILL_CONCURRENCY = 4  # fills at once: bounds the upstream pulls a burst of distinct images makes
# EventBridge retries delivery (a throttled invocation included) for up to this long.
EVENT_MAX_AGE = Duration.hours(2)
EVENT_RETRIES = 8


def bus_policy(settings: OrganizationSettings, partition: str) -> iam.PolicyDocument:
    """The miss bus's resource policy: ``events:PutEvents`` on this bus, for principals of the organization
    (EventBridge user guide, "Permissions for event buses": an organization by ``aws:PrincipalOrgID``)."""
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="OrganizationSpokesPutMisses",
                actions=["events:PutEvents"],
                resources=[settings.miss_bus_arn(partition)],
                principals=[iam.AnyPrincipal()],
                conditions={"StringEquals": {"aws:PrincipalOrgID": settings.organization_id}},
            )
        ]
    )


class HubMissFill(Construct):
    """The organization's miss bus in the hub, and the function that fills what spokes missed.

    :param cache: the hub cache (the prefixes its spokes pull through it scope the rule and the fills; its grants
        the pulls).
    :param settings: the organization settings (the organization id for the bus policy; the hub's account).
    :param monitoring: the hub cache's ``CacheMonitoring`` (default: none): failures notify its topic, once
        per prefix and failure code an hour, and its dashboard gets the fill metrics.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cache: PullThroughCache,
        settings: OrganizationSettings,
        monitoring: "Optional[CacheMonitoring]" = None,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.cache_name = stack.stack_name
        self.prefixes = tuple(miss_prefixes(cache.rules, settings))  # what the spokes forward
        self.bus = events.EventBus(self, "Bus", event_bus_name=MISS_BUS_NAME)
        # The bus's own Policy property (one resource); its ARN is built from the fixed name, not read back.
        cfn_bus = self.bus.node.default_child
        assert isinstance(cfn_bus, events.CfnEventBus)
        cfn_bus.policy = bus_policy(settings, stack.partition).to_json()
        self.windows = window_table(self, "FillWindows")
        acknowledge(
            self.windows,
            "AwsSolutions-DDB3",
            f"the table holds only when each image was last filled ({fill.FILL_WINDOW_SECONDS // 60}-minute "
            "windows); losing it costs at most one pull more per image",
        )
        self.role, self.log_group = role_and_log_group(
            self, "ECR pull-through cache: fills the hub with what the organization's spokes missed"
        )
        self.windows.grant(self.role, "dynamodb:PutItem")
        cache.grant_pull_through(self.role)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ecr:DescribeImages", "ecr:DescribeRepositories"], resources=cache.repository_arns
            )
        )
        acknowledge(self.role, "AwsSolutions-IAM5[Resource::*]", AUTH_TOKEN_REASON)
        environment = {
            "CACHE_NAME": self.cache_name,
            "PREFIXES": ",".join(self.prefixes),
            "HUB_ACCOUNT": settings.hub.account,
            "FILL_TABLE": self.windows.table_name,
        }
        lists = allow.lists_json(cache.rules)
        if lists:  # the hub rules' allow/deny lists: a miss they refuse is dropped before any call
            environment["LISTS"] = json.dumps(lists, separators=(",", ":"))
        self._notify(monitoring, environment)
        self.function = runtime_function(
            self,
            "Function",
            entry_point="miss_fill_handler",
            code=runtime_code(self),
            role=self.role,
            log_group=self.log_group,
            timeout=FILL_TIMEOUT,
            memory_size=256,
            reserved_concurrent_executions=FILL_CONCURRENCY,
            environment=environment,
            description="ECR pull-through cache: fills the hub with what the organization's spokes missed",
        )
        pattern = failure_pattern(self.prefixes)
        self.rule = events.Rule(
            self,
            "Rule",
            event_bus=self.bus,
            description="Spokes' failed pull-through actions under the hub's prefixes: fill the hub",
            event_pattern=events.EventPattern(
                source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"]
            ),
            targets=[
                events_targets.LambdaFunction(self.function, max_event_age=EVENT_MAX_AGE, retry_attempts=EVENT_RETRIES)
            ],
        )
        self._dashboard(monitoring)

    def _notify(self, monitoring: "Optional[CacheMonitoring]", environment: dict[str, str]) -> None:
        window = monitoring.pull_through.window if monitoring is not None else None
        if monitoring is None or window is None:
            return
        window.grant(self.role, "dynamodb:PutItem", "dynamodb:DeleteItem")
        monitoring.topic.grant_publish(self.role)
        if isinstance(monitoring.topic, sns.Topic) and monitoring.topic.master_key is not None:
            acknowledge(
                self.role,
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "publishing to the encrypted topic needs a data key from the topic's own KMS key (SNS developer "
                "guide, encryption at rest); the statement names that one key",
            )
        environment.update(TOPIC_ARN=monitoring.topic.topic_arn, WINDOW_TABLE=window.table_name)

    def _dashboard(self, monitoring: "Optional[CacheMonitoring]") -> None:
        if monitoring is None or monitoring.dashboard is None:
            return
        monitoring.dashboard.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Organization: spoke misses filled in the hub",
                left=[self.metric(metrics.MISS_FILLS), self.metric(metrics.MISS_FILL_FAILURES)],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Organization: seconds to fill a miss",
                left=[
                    self.metric(metrics.MISS_FILL_SECONDS, "Maximum"),
                    self.metric(metrics.MISS_FILL_SECONDS, "Average"),
                ],
                width=12,
            ),
        )

    def metric(self, metric: metrics.Metric, statistic: str = "Sum") -> cloudwatch.Metric:
        """One of the fill's metrics for the whole hub cache (five-minute periods)."""
        return cloudwatch.Metric(
            namespace=metrics.NAMESPACE,
            metric_name=metric.name,
            dimensions_map={metrics.CACHE: self.cache_name},
            statistic=statistic,
            period=Duration.minutes(5),
        )


__all__ = ["EVENT_MAX_AGE", "FILL_CONCURRENCY", "FILL_TIMEOUT", "HubMissFill", "bus_policy"]
