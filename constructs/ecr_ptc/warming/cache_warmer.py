"""CacheWarmer: pull images through the cache at deploy time, one custom resource per image.

Every warmer in a stack shares one runtime (role, log group, the onEvent and isComplete
functions, and the CDK Provider framework), so 200 images cost 200 custom resources and
nothing more.
"""

from __future__ import annotations

from typing import Any, Optional

from aws_cdk import Annotations, CustomResource, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs

from constructs import Construct
from ecr_ptc.cache.base import IPullThroughCache
from ecr_ptc.errors import ValidationError
from ecr_ptc.warming import scheduled
from ecr_ptc.warming.runtime import WarmerRuntime
from ecr_ptc.warming.settings import WarmSettings, resolve_warm_images
from ecr_ptc_runtime import allow, metrics

RESOURCE_TYPE = "Custom::EcrPtcWarmImage"
# The waiter gives up this long after the warmer's own deadline (TimeoutSeconds), so the
# handler's timeout, which honours OnFailure=warn, always comes first.
PROVIDER_MARGIN_MINUTES = 5


class CacheWarmer(Construct):
    """Pull each image through the cache while the stack deploys, and expose its digest.

    One ``Custom::EcrPtcWarmImage`` per image, keyed by the image, so adding or removing an image
    touches only that image's resource. ``on_failure='fail'`` rolls the deployment back when an
    image cannot be warmed; ``'warn'`` logs it and goes on.

    With ``settings.schedule``, an EventBridge Scheduler schedule (``schedule``) warms the images again
    through the stack's scheduled function (``scheduled_function``), which reports moved tags and writes
    the ``metric_*`` metrics; runs that could not happen land in ``dead_letter_queue``. When the cache's
    repositories archive images by days since their last pull, the warmer's role is excluded from
    pull-time updates (``pull_time_exclusion``), so warming does not keep unused images alive.
    """

    def __init__(self, scope: Construct, id: str, *, cache: IPullThroughCache, settings: WarmSettings) -> None:
        if not isinstance(cache, IPullThroughCache):
            raise ValidationError(
                "cache",
                f"expected a pull-through cache, got {cache!r}",
                "pass a PullThroughCache, or PullThroughCache.from_attributes(...) for one deployed elsewhere",
            )
        super().__init__(scope, id)
        if not isinstance(settings, WarmSettings):
            raise ValidationError(
                "settings", f"expected WarmSettings, got {settings!r}", "pass settings=WarmSettings(images=(...))"
            )
        self.settings = settings
        rules = list(cache.rules)
        images, warnings = resolve_warm_images(settings, rules)
        for warning in warnings:
            Annotations.of(self).add_warning_v2("ecr-ptc:warm-image", warning)
        self.images: tuple[str, ...] = tuple(images)

        runtime = self._runtime(settings)
        lists = allow.lists_json(rules)
        cache.grant_pull_through(runtime.role)
        # After a pull, the warmer reads the cached image back (DescribeImages) under the same prefixes;
        # DescribeRepositories tells "the pull created no repository" from "the import was denied".
        runtime.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ecr:DescribeImages", "ecr:DescribeRepositories"], resources=cache.repository_arns
            )
        )
        self.resources: dict[str, CustomResource] = {}
        self._by_name: dict[str, CustomResource] = {}
        for given, image in zip(settings.images, images, strict=True):
            resource = CustomResource(
                self,
                image.replace("/", "+"),  # '+' never occurs in an image reference: ids stay unique
                service_token=runtime.provider.service_token,
                resource_type=RESOURCE_TYPE,
                properties={
                    "Image": image,
                    "Platforms": list(settings.platforms),
                    "TimeoutSeconds": settings.timeout_seconds,
                    "OnFailure": settings.on_failure.value,
                    # the rules' allow/deny lists, checked again before any call (only when a rule has them)
                    **({"Lists": lists} if lists else {}),
                },
            )
            resource.node.add_dependency(cache)  # rules, templates and registry policy first
            resource.node.add_dependency(runtime.role)
            self.resources[image] = resource
            self._by_name[image] = self._by_name[given] = resource
        self._schedule(runtime, cache, settings)

    def _schedule(self, runtime: WarmerRuntime, cache: IPullThroughCache, settings: WarmSettings) -> None:
        """The scheduled re-warm and the pull-time exclusion, when asked for."""
        self.schedule: Optional[scheduler.Schedule] = None
        self.scheduled_function: Optional[lambda_.Function] = None
        self.dead_letter_queue: Optional[sqs.Queue] = None
        self.log_group: logs.ILogGroup = runtime.log_group  # every warmer function of the stack logs here
        # Any template that archives by last pull (a prefix's own settings, else the cache's) needs the exclusion.
        settings_for = getattr(cache, "settings_for", None)  # PullThroughCache and from_attributes have it
        archives = settings_for is not None and any(settings_for(p).archives_by_pull for p in cache.prefixes)
        self.pull_time_exclusion: Optional[ecr.CfnPullTimeUpdateExclusion] = (
            scheduled.exclude_from_pull_time(runtime) if archives else None
        )
        if self.pull_time_exclusion is not None:  # a first warm must not record a pull (issue 17, item 5)
            for resource in self.resources.values():
                resource.node.add_dependency(self.pull_time_exclusion)
        if settings.schedule is None:
            return
        self.schedule, runtime_part = scheduled.add_schedule(
            self,
            runtime,
            expression=settings.schedule,
            images=self.images,
            platforms=settings.platforms,
            prefixes=cache.prefixes,
            lists=allow.lists_json(cache.rules),
        )
        self.scheduled_function, self.dead_letter_queue = runtime_part.function, runtime_part.dead_letter_queue

    # --- metrics of the scheduled runs (EMF, written by ecr_ptc_runtime.handler.scheduled_handler) ---------
    def metric(
        self,
        metric: metrics.Metric,
        *,
        prefix: Optional[str] = None,
        statistic: str = "Sum",
        period: Optional[Duration] = None,
    ) -> cloudwatch.Metric:
        """A metric of this stack's scheduled runs (all warmers of a stack share the ``Cache`` dimension).

        :param metric: one of ``ecr_ptc_runtime.metrics``' metrics, e.g. ``metrics.IMAGES_FAILED``.
        :param prefix: one cache prefix's share (default: the whole cache).
        :param statistic: default ``Sum``.
        :param period: default one hour.
        """
        return scheduled.warm_metric(
            self, metric, prefix=prefix, statistic=statistic, period=period or Duration.hours(1)
        )

    def metric_images_warmed(self, **kwargs: Any) -> cloudwatch.Metric:
        """Images the scheduled runs warmed (Sum)."""
        return self.metric(metrics.IMAGES_WARMED, **kwargs)

    def metric_images_failed(self, **kwargs: Any) -> cloudwatch.Metric:
        """Images the scheduled runs could not warm (Sum); 0 in a run without failures."""
        return self.metric(metrics.IMAGES_FAILED, **kwargs)

    def metric_digests_changed(self, **kwargs: Any) -> cloudwatch.Metric:
        """Tags whose digest moved since the run before (Sum)."""
        return self.metric(metrics.DIGESTS_CHANGED, **kwargs)

    def metric_images_archived(self, **kwargs: Any) -> cloudwatch.Metric:
        """Images left alone because ECR archived them (Sum)."""
        return self.metric(metrics.IMAGES_ARCHIVED, **kwargs)

    def metric_warm_seconds(self, **kwargs: Any) -> cloudwatch.Metric:
        """Seconds to warm one image (default statistic: Maximum)."""
        return self.metric(metrics.WARM_SECONDS, **{"statistic": "Maximum", **kwargs})

    def metric_run_seconds(self, **kwargs: Any) -> cloudwatch.Metric:
        """Seconds of a whole scheduled run (default statistic: Maximum)."""
        return self.metric(metrics.RUN_SECONDS, **{"statistic": "Maximum", **kwargs})

    def _runtime(self, settings: WarmSettings) -> WarmerRuntime:
        wanted = settings.timeout_minutes + PROVIDER_MARGIN_MINUTES
        runtime = WarmerRuntime.of(Stack.of(self), wanted)
        if runtime.total_timeout_minutes < wanted:
            raise ValidationError(
                "timeout_minutes",
                f"{settings.timeout_minutes} minutes is longer than the {runtime.total_timeout_minutes - PROVIDER_MARGIN_MINUTES} "
                "minutes of the first warmer in this stack (all warmers of a stack share one provider)",
                "give every warmer in a stack the same timeoutMinutes, or create the longest one first",
            )
        return runtime

    def digest(self, image: str) -> str:
        """The image's digest as cached (a token for CfnOutput and the like). ``image`` as given or normalized."""
        resource: Optional[CustomResource] = self._by_name.get(image.strip()) if isinstance(image, str) else None
        if resource is None:
            raise ValidationError(
                "image",
                f"{image!r} is not warmed by {self.node.path}",
                f"pass one of the warmed images: {', '.join(self.images)}",
            )
        return resource.get_att_string("Digest")


__all__ = ["CacheWarmer", "RESOURCE_TYPE"]
