"""CacheWarmer: pull images through the cache at deploy time, one custom resource per image.

Every warmer in a stack shares one runtime (role, log group, the onEvent and isComplete
functions, and the CDK Provider framework), so 200 images cost 200 custom resources and
nothing more.
"""

from __future__ import annotations

import atexit
import functools
import importlib.resources
import shutil
import tempfile
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Optional

from aws_cdk import (
    Acknowledgment,
    Annotations,
    CfnElement,
    CustomResource,
    Duration,
    Stack,
    Validations,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr

from constructs import Construct
from ecr_ptc.cache.base import IPullThroughCache
from ecr_ptc.cache.pull_through_cache import AUTH_TOKEN_REASON
from ecr_ptc.errors import ValidationError
from ecr_ptc.nag import BASIC_EXECUTION_FINDING
from ecr_ptc.warming import scheduled
from ecr_ptc.warming.settings import WarmSettings, resolve_warm_images
from ecr_ptc_runtime import allow, metrics

RUNTIME_ID = "EcrPtcCacheWarmerRuntime"  # the per-stack singleton, found by this id
RESOURCE_TYPE = "Custom::EcrPtcWarmImage"
PYTHON = lambda_.Runtime.PYTHON_3_14
FUNCTION_TIMEOUT = Duration.minutes(5)
QUERY_INTERVAL = Duration.seconds(30)
# The waiter gives up this long after the warmer's own deadline (TimeoutSeconds), so the
# handler's timeout, which honours OnFailure=warn, always comes first.
PROVIDER_MARGIN_MINUTES = 5
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
RUNTIME_PACKAGE = "ecr_ptc_runtime"  # the function's code: this package's modules, nothing else
# Set by `cdk synth --no-staging` (SAM local): the assembly then points at the asset's source folder.
DISABLE_ASSET_STAGING = "aws:cdk:disable-asset-staging"


def lambda_source_dir(*, keep: bool = False) -> Path:
    """A folder holding exactly the ``ecr_ptc_runtime`` package as installed: the warmer's code asset.

    The package is found through the import system, so wheel, sdist, git and editable installs all
    work, and only its modules (``*.py``: no ``__pycache__``, no tests) are copied, once per process,
    into a private temporary folder, removed when the process ends. The asset, and so its hash,
    depends on the modules' names and bytes only: the same for an editable and a wheel install of
    the same version.

    :param keep: leave the folder when the process ends (default False), for an assembly that
        points at it instead of a copy (asset staging disabled).
    :raises RuntimeError: when ``ecr_ptc_runtime`` is not importable (ecr-ptc is not installed).
    """
    staging = _staged_runtime()
    if keep:
        _KEPT.add(staging)
    return staging


_KEPT: set[Path] = set()


def _remove_unless_kept(staging: Path) -> None:
    if staging not in _KEPT:
        shutil.rmtree(staging, ignore_errors=True)


@functools.cache
def _staged_runtime() -> Path:
    try:
        package = importlib.resources.files(RUNTIME_PACKAGE)
    except ModuleNotFoundError:
        raise RuntimeError(
            f"the {RUNTIME_PACKAGE} package is not importable: install ecr-ptc (pip install ecr-ptc, "
            "or pip install -e . in a clone)"
        ) from None
    staging = Path(tempfile.mkdtemp(prefix="ecr-ptc-runtime-"))
    atexit.register(_remove_unless_kept, staging)
    copied = _copy_modules(package, staging / RUNTIME_PACKAGE)
    if "__init__.py" not in copied:
        raise RuntimeError(f"{package} holds no {RUNTIME_PACKAGE} package; reinstall ecr-ptc")
    return staging


def _copy_modules(source: Traversable, target: Path, prefix: str = "") -> list[str]:
    """Copy the ``*.py`` modules under ``source`` (subpackages included, tests and caches not)."""
    copied: list[str] = []
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        name = entry.name
        if entry.is_dir():
            if name not in ("__pycache__", "tests"):
                copied += _copy_modules(entry, target / name, f"{prefix}{name}/")
        elif name.endswith(".py") and not name.startswith("test_") and name != "conftest.py":
            target.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(entry.read_bytes())
            copied.append(prefix + name)
    return copied


class _WarmerRuntime(Construct):
    """Per stack, created once: role, log group, the handler function and the provider."""

    def __init__(self, scope: Construct, id: str, *, total_timeout_minutes: int) -> None:
        super().__init__(scope, id)
        self.total_timeout_minutes = total_timeout_minutes
        self.log_group = logs.LogGroup(self, "Logs", retention=LOG_RETENTION)
        # Our own role, not the function default: no AWSLambdaBasicExecutionRole, logs only to our group.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="ECR pull-through cache warmer: pulls images through the cache",
        )
        self.log_group.grant_write(self.role)
        keep = bool(self.node.try_get_context(DISABLE_ASSET_STAGING))
        code = lambda_.Code.from_asset(str(lambda_source_dir(keep=keep)))
        self.code, self.python = code, PYTHON  # the scheduled re-warm function (scheduled.py) shares both
        # One entry point per trigger over the same code: no event is ever routed by guessing.
        self.function = self._function("Function", code, "on_event_handler", "ECR pull-through cache warmer")
        self.is_complete_function = self._function(
            "IsCompleteFunction",
            code,
            "is_complete_handler",
            "ECR pull-through cache warmer: waits until ECR holds the image",
        )
        self.provider = cr.Provider(  # its framework functions log to the same group
            self,
            "Provider",
            on_event_handler=self.function,
            is_complete_handler=self.is_complete_function,
            query_interval=QUERY_INTERVAL,
            total_timeout=Duration.minutes(total_timeout_minutes),
            log_group=self.log_group,
        )
        self._acknowledge()

    def _function(self, id: str, code: lambda_.Code, entry_point: str, description: str) -> lambda_.Function:
        return lambda_.Function(
            self,
            id,
            runtime=PYTHON,
            architecture=lambda_.Architecture.ARM_64,
            code=code,
            handler=f"ecr_ptc_runtime.handler.{entry_point}",
            role=self.role,
            timeout=FUNCTION_TIMEOUT,
            memory_size=256,
            log_group=self.log_group,
            description=description,
        )

    @staticmethod
    def of(stack: Stack, total_timeout_minutes: int) -> "_WarmerRuntime":
        found = stack.node.try_find_child(RUNTIME_ID)
        if found is None:
            return _WarmerRuntime(stack, RUNTIME_ID, total_timeout_minutes=total_timeout_minutes)
        assert isinstance(found, _WarmerRuntime)
        return found

    @staticmethod
    def _invoke_finding(fn: Construct) -> str:
        """cdk-nag's id for ``lambda:InvokeFunction`` on ``<function arn>:*`` (any version of ``fn``)."""
        cfn = fn.node.default_child
        assert isinstance(cfn, CfnElement)
        return f"AwsSolutions-IAM5[Resource::<{Stack.of(fn).get_logical_id(cfn)}.Arn>:*]"

    def _acknowledge(self) -> None:
        """cdk-nag findings that come with the Provider framework or are inherent to the warmer."""
        Validations.of(self.role).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=AUTH_TOKEN_REASON)
        )
        invoked = [self.function, self.is_complete_function] + [
            self.provider.node.find_child(f"framework-{name}") for name in ("isComplete", "onTimeout")
        ]
        Validations.of(self.provider).acknowledge(
            *(
                Acknowledgment(
                    id=self._invoke_finding(fn),
                    reason=f"the CDK Provider framework invokes {fn.node.id} by its ARN with any "
                    "version or alias (<arn>:*); the wildcard covers that one function only",
                )
                for fn in invoked
            ),
            Acknowledgment(
                id=BASIC_EXECUTION_FINDING,
                reason="the CDK Provider framework's own functions (onEvent, isComplete, onTimeout) "
                "use the basic execution role it creates; the warmer's functions do not",
            ),
            Acknowledgment(
                id="AwsSolutions-SF1",
                reason="the Provider framework's waiter state machine (logging off by default) only "
                "calls isComplete; every call is logged by the warmer's function to its log group",
            ),
            Acknowledgment(
                id="AwsSolutions-SF2",
                reason="X-Ray tracing of the Provider framework's waiter state machine cannot be set "
                "through the Provider construct",
            ),
        )


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
                    "OnFailure": settings.on_failure,
                    # the rules' allow/deny lists, checked again before any call (only when a rule has them)
                    **({"Lists": lists} if lists else {}),
                },
            )
            resource.node.add_dependency(cache)  # rules, templates and registry policy first
            resource.node.add_dependency(runtime.role)
            self.resources[image] = resource
            self._by_name[image] = self._by_name[given] = resource
        self._schedule(runtime, cache, settings)

    def _schedule(self, runtime: _WarmerRuntime, cache: IPullThroughCache, settings: WarmSettings) -> None:
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

    def _runtime(self, settings: WarmSettings) -> _WarmerRuntime:
        wanted = settings.timeout_minutes + PROVIDER_MARGIN_MINUTES
        runtime = _WarmerRuntime.of(Stack.of(self), wanted)
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


__all__ = ["CacheWarmer", "RESOURCE_TYPE", "lambda_source_dir"]
