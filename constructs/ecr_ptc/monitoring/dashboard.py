"""The cache's CloudWatch dashboard: what it caches, alarm states, re-warm results, pull-through failures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch

from constructs import Construct
from ecr_ptc_runtime import metrics

if TYPE_CHECKING:
    from ecr_ptc.monitoring.pull_through_events import PullThroughFailureEvents
    from ecr_ptc.warming.cache_warmer import CacheWarmer

HOUR = 3600
MAX_NAME = 255  # CloudWatch dashboard names: 1-255 of A-Z a-z 0-9 - _
MAX_REGION = 20  # the longest Region name (ap-southeast-10 and the like) with room to spare


def dashboard_name(name: str, region: str) -> str:
    """``name``, unique per account and Region: CloudWatch dashboards are global to the account ("All dashboards
    in your account are global, not region-specific", AWS::CloudWatch::Dashboard), so two stacks of one name in
    two Regions would share one. The Region joins the name unless the name already holds it (a stack named
    after its environment); for an environment-agnostic stack it is the deploy-time ``AWS::Region``."""
    if not Token.is_unresolved(region) and region in name:
        return name[:MAX_NAME]
    return f"{name[: MAX_NAME - MAX_REGION - 1]}-{region}"


def search(
    cache: str, metric: metrics.Metric, statistic: str, period_seconds: int, label: str
) -> cloudwatch.MathExpression:
    """One line per prefix: a SEARCH over the metric's [Cache, Prefix] dimension set, for this cache."""
    query = (
        f"SEARCH('{{{metrics.NAMESPACE},{metrics.CACHE},{metrics.PREFIX}}} "
        f'MetricName="{metric.name}" {metrics.CACHE}="{cache}"\', \'{statistic}\', {period_seconds})'
    )
    return cloudwatch.MathExpression(expression=query, label=label, period=Duration.seconds(period_seconds))


def summary_text(cache: str, prefixes: Sequence[str], schedule: Optional[str], images: int, notify: str) -> str:
    shown = ", ".join(f"`{p}/`" if p != "ROOT" else "`ROOT` (every repository)" for p in prefixes)
    rewarm = (
        f"`{schedule}` (UTC) over {images} image(s)" if schedule else "none (images are warmed at deploy time only)"
    )
    return "\n".join(
        [
            f"# ECR pull-through cache `{cache}`",
            f"**Prefixes:** {shown}",
            "",
            f"**Scheduled re-warm:** {rewarm}",
            "",
            f"**Alarms notify:** {notify}",
            "",
            "What each alarm means and what to do: README, *Running it*. ECR re-checks a cached tag against its "
            "upstream at most once a day, when it is pulled; the re-warm is such a pull.",
        ]
    )


class CacheDashboard(Construct):
    """One dashboard per cache (``dashboard_name``: ``<stack name>-<id of the monitoring construct>``, with the
    Region unless the stack name holds it).

    Rows: the summary and the alarms; the scheduled re-warm's graphs (with a schedule); pull-through failures
    (graph and log query); the re-warm runs' log query (with a schedule).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        prefixes: Sequence[str],
        notify: str,
        alarms: Sequence[cloudwatch.IAlarm],
        pull_through: "PullThroughFailureEvents",
        warmer: "Optional[CacheWarmer]" = None,
    ) -> None:
        super().__init__(scope, id)
        cache = Stack.of(self).stack_name
        self.dashboard_name = dashboard_name(name, Stack.of(self).region)
        scheduled = warmer if warmer is not None and warmer.schedule is not None else None
        schedule = scheduled.settings.schedule if scheduled is not None else None
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=self.dashboard_name)
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=summary_text(cache, prefixes, schedule, len(warmer.images) if warmer else 0, notify),
                width=12,
                height=6,
            ),
            cloudwatch.AlarmStatusWidget(alarms=list(alarms), title="Alarms", width=12, height=6),
        )
        if scheduled is not None:
            self.dashboard.add_widgets(*rewarm_graphs(cache, scheduled))
        self.dashboard.add_widgets(*pull_through_widgets(cache, pull_through))
        if scheduled is not None:
            self.dashboard.add_widgets(rewarm_log_widget(scheduled))


def rewarm_graphs(cache: str, warmer: "CacheWarmer") -> list[cloudwatch.GraphWidget]:
    """The scheduled re-warm's row: images per run, seconds, digest changes by prefix."""
    return [
        cloudwatch.GraphWidget(
            title="Scheduled re-warm: images per run",
            left=[
                warmer.metric_images_warmed(),
                warmer.metric_images_failed(),
                warmer.metric_images_archived(),
            ],
            width=8,
        ),
        cloudwatch.GraphWidget(
            title="Scheduled re-warm: seconds",
            left=[
                warmer.metric_warm_seconds(statistic="Maximum"),
                warmer.metric_warm_seconds(statistic="Average"),
                warmer.metric_run_seconds(),
            ],
            width=8,
        ),
        cloudwatch.GraphWidget(
            title="Digest changes (moved tags) by prefix",
            left=[search(cache, metrics.DIGESTS_CHANGED, "Sum", HOUR, "moved tags")],
            width=8,
        ),
    ]


def pull_through_widgets(
    cache: str, pull_through: "PullThroughFailureEvents"
) -> list[cloudwatch.GraphWidget | cloudwatch.LogQueryWidget]:
    """The pull-through failures' row: by prefix, and the most recent ones from their log group."""
    return [
        cloudwatch.GraphWidget(
            title="Pull-through failures by prefix",
            left=[search(cache, metrics.PULL_THROUGH_FAILURES, "Sum", 300, "failures")],
            width=12,
        ),
        cloudwatch.LogQueryWidget(
            title="Recent pull-through failures",
            log_group_names=[pull_through.log_group.log_group_name],
            query_lines=[
                "fields @timestamp, prefix, repository, image, failure_code, failure_reason",
                'filter event = "pull-through-failed"',
                "sort @timestamp desc",
                "limit 50",
            ],
            width=12,
        ),
    ]


def rewarm_log_widget(warmer: "CacheWarmer") -> cloudwatch.LogQueryWidget:
    """The re-warm runs' row: failed, archived and moved images from the warmer's log group."""
    return cloudwatch.LogQueryWidget(
        title="Re-warm runs: failed, archived and moved images",
        log_group_names=[warmer.log_group.log_group_name],
        query_lines=[
            "fields @timestamp, image, state, change, before, after, reason, error",
            'filter event = "rewarm" and (state != "warmed" or change = "moved")',
            "sort @timestamp desc",
            "limit 50",
        ],
        width=24,
    )


__all__ = ["CacheDashboard", "search", "summary_text"]
