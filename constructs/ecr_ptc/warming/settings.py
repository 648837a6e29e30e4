"""What the cache warmer pulls, and the checks on it. Shared by the CacheWarmer construct and the config loader.

The parsing of image references and platforms lives in ``ecr_ptc_runtime.images`` (the runtime); this
module only wraps its ValueErrors into :class:`ValidationError` with a key path.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional, Sequence

from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.errors import ValidationError
from ecr_ptc.warming.schedule import check_schedule
from ecr_ptc_runtime.allow import upstream_path
from ecr_ptc_runtime.images import ImageRef, best_prefix, official_image, parse_image, parse_platform


class OnFailure(Enum):
    """What an image that cannot be warmed at deploy time does: roll the deployment back, or log and go on."""

    FAIL = "fail"
    WARN = "warn"


ON_FAILURE = tuple(o.value for o in OnFailure)
# A custom resource may wait at most 3600 s for its answer (CloudFormation ServiceTimeout), and
# the CDK Provider framework documents 1 hour as its maximum total timeout. The warmer's own
# deadline has to leave room inside that hour for the onEvent call before the waiter and for the
# waiter's margin (see warmer.PROVIDER_MARGIN_MINUTES), so it stops at 50 minutes.
MAX_TIMEOUT_MINUTES = 50
IMAGE_FIX = "write the image as <cache prefix>/<repository>:<tag>, e.g. ecr-public/nginx/nginx:1.27"


def _as_tuple(value: Any, path: str, example: str) -> tuple:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationError(path, f"expected a list, got {value!r}", f"write {path} as a list, e.g. [{example}]")
    return tuple(value)


@dataclass(frozen=True)
class WarmSettings:
    """Images to pull through the cache at deploy time, so the first real pull is a cache hit.

    ``images``: ``<cache prefix>/<repository>:<tag>`` (tags only: a first pull by digest does not
    fill a pull-through cache). ``platforms``: ``os/arch[/variant]`` to warm; empty means every
    platform the tag has. ``timeout_minutes``: how long one image may take (1..50).
    ``on_failure``: ``fail`` rolls the deployment back, ``warn`` logs and goes on.
    ``schedule``: an EventBridge Scheduler ``rate(...)`` or ``cron(...)`` expression (UTC, at most
    hourly) that warms the images again; None (the default) warms them at deploy time only.
    """

    images: tuple[str, ...]
    platforms: tuple[str, ...] = ()
    timeout_minutes: int = 30
    on_failure: OnFailure = OnFailure.FAIL  # or its value in any case: 'fail', 'WARN'
    schedule: Optional[str] = None

    def __post_init__(self) -> None:
        images = _as_tuple(self.images, "images", "'ecr-public/nginx/nginx:1.27'")
        if not images:
            raise ValidationError("images", "no images to warm", "list at least one image, or remove the warm settings")
        object.__setattr__(self, "images", tuple(str(_image(ref, f"images[{i}]")) for i, ref in enumerate(images)))
        platforms = _as_tuple(self.platforms, "platforms", "'linux/amd64', 'linux/arm64'")
        object.__setattr__(self, "platforms", _platforms(platforms))
        self._check_timeout()
        on_failure = self.on_failure.value if isinstance(self.on_failure, OnFailure) else self.on_failure
        on_failure = on_failure.lower() if isinstance(on_failure, str) else on_failure
        if on_failure not in ON_FAILURE:
            raise ValidationError(
                "on_failure",
                f"{self.on_failure!r} is not one of {', '.join(ON_FAILURE)}",
                "use 'fail' (roll the deployment back) or 'warn' (log it and go on)",
            )
        object.__setattr__(self, "on_failure", OnFailure(on_failure))
        if self.schedule is not None:
            object.__setattr__(self, "schedule", check_schedule(self.schedule, "schedule"))

    def _check_timeout(self) -> None:
        minutes = self.timeout_minutes
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_TIMEOUT_MINUTES:
            raise ValidationError(
                "timeout_minutes",
                f"{minutes!r} is not a whole number of minutes from 1 to {MAX_TIMEOUT_MINUTES}",
                f"give 1 to {MAX_TIMEOUT_MINUTES}: CloudFormation waits at most one hour for a custom resource",
            )

    @property
    def timeout_seconds(self) -> int:
        return self.timeout_minutes * 60


def _image(ref: Any, path: str) -> ImageRef:
    try:
        return parse_image(ref)
    except ValueError as err:
        raise ValidationError(path, str(err), IMAGE_FIX) from None


def _platforms(values: tuple) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        try:
            platform = str(parse_platform(value))
        except ValueError as err:
            raise ValidationError(
                f"platforms[{i}]", str(err), "give os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm/v7"
            ) from None
        if platform in seen:
            raise ValidationError(
                f"platforms[{i}]", f"{platform!r} is already platforms[{seen[platform]}]", "remove the duplicate"
            )
        seen[platform] = i
    return tuple(seen)


def _rule_for(image: ImageRef, rules: Sequence[UpstreamRule]) -> Optional[UpstreamRule]:
    by_prefix = {r.prefix: r for r in rules}
    prefix = best_prefix(image.repository, list(by_prefix))
    return None if prefix is None else by_prefix[prefix]


def resolve_warm_images(settings: WarmSettings, rules: Sequence[UpstreamRule]) -> tuple[list[str], list[str]]:
    """Check the images against the cache rules: (normalized images, warnings).

    Every image must lie under a rule prefix and pass the rule's allow and deny lists (a disallowed image
    is refused here, before the warmer, deploy-time or scheduled, makes any call); Docker Hub official images
    get their ``library/``;
    two entries that name the same image are an error. Paths are relative to the warm settings.
    """
    images: list[str] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for i, text in enumerate(settings.images):
        path = f"images[{i}]"
        image = _image(text, path)
        rule = _rule_for(image, rules)
        if rule is None:
            prefixes = ", ".join(f"{r.prefix}/" if r.prefix != "ROOT" else "ROOT" for r in rules) or "none"
            raise ValidationError(
                path,
                f"image {text!r} is not under any cache rule prefix (prefixes: {prefixes})",
                "start the image with the prefix of the rule that caches it, or add a rule",
            )
        if rule.credentials is not None and rule.credentials.create and settings.on_failure is OnFailure.FAIL:
            raise ValidationError(
                path,
                f"image {text!r} is cached by the {rule.prefix!r} rule, whose credentials are a "
                "placeholder secret this stack creates: the first deploy would fail warming through it",
                "store real credentials in a secret first and give credentials: {secretName: ...}, "
                "or set warm.onFailure: warn",
            )
        fixed = official_image(image, rule.prefix, rule.upstream, rule.upstream_prefix)
        if fixed is not None:
            warnings.append(
                f"{path}: {text!r} is a Docker Hub official image written without 'library/'; "
                f"warming {str(fixed)!r} instead (Docker Hub refuses the short form). "
                f"Write it that way to silence this warning"
            )
            image = fixed
        refused = rule.refusal(upstream_path(rule.prefix, rule.upstream_prefix, image.repository) or "")
        if refused is not None:  # the warmer would be denied the import: refuse before any call
            raise ValidationError(
                path,
                f"image {text!r}: {refused}",
                f"add a pattern that names it to the rule's {refused.which} list"
                if refused.which == "allow"
                else "remove it from warm.images, or the pattern from the rule's deny list",
            )
        name = str(image)
        if name in seen:
            same = "" if name == text else f" (as {name!r})"
            raise ValidationError(path, f"image {text!r}{same} is already images[{seen[name]}]", "remove the duplicate")
        seen[name] = i
        images.append(name)
    return images, warnings


__all__ = ["MAX_TIMEOUT_MINUTES", "ON_FAILURE", "OnFailure", "WarmSettings", "resolve_warm_images"]
