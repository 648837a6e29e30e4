"""Re-warming an ECR pull-through cache: what ECR held for each tag before, the warm itself
(:func:`warm.warm_many`, the one warming implementation), and whether the tag moved.

Shared by the scheduled entry point (``handler.scheduled_handler``) and ``ecr-ptc warm``. A moved tag is
found without storing anything: ``ecr:DescribeImages`` gives the digest ECR held before the run, the
manifest GET through the cache gives the digest ECR holds after it (ECR re-checks a cached tag against
its upstream when it is pulled, at most once every 24 hours).
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass
from typing import Optional, Sequence

from . import errors, warm
from .ecr import BotoCoreError, ClientError
from .images import ImageRef
from .logs import log

# DescribeImages imageStatus values (botocore ECR model, ImageStatus): ARCHIVED cannot be pulled
# (404, ECR user guide "Archiving an image"), ACTIVATING is on its way back from the archive.
NOT_PULLABLE = ("ARCHIVED", "ACTIVATING")


class ImageArchived(errors.WarmError):
    """The cached image is in the archive storage class: a pull gets 404 until it is restored."""

    reason = "archived"


@dataclass(frozen=True)
class Held:
    """What ECR held for a tag before the run. ``known`` is False when ECR could not say (access denied...)."""

    digest: Optional[str] = None  # None: the tag is not cached (or unknown)
    status: Optional[str] = None  # imageStatus: ACTIVE, ARCHIVED, ACTIVATING
    known: bool = True
    error: str = ""

    @property
    def archived(self) -> bool:
        return self.status in NOT_PULLABLE


@dataclass
class Refreshed:
    """One image of a run: the warm's outcome, what ECR held before, and whether it was left alone."""

    outcome: warm.Outcome
    before: Held
    skipped: bool = False  # archived, not warmed (scheduled runs)

    @property
    def image(self) -> str:
        return self.outcome.image

    @property
    def after(self) -> Optional[str]:
        return self.outcome.result.digest if self.outcome.result else None

    @property
    def moved(self) -> bool:
        """The tag's digest changed: ECR held one digest before the run and serves another now."""
        return bool(self.before.digest and self.after and self.before.digest != self.after)

    @property
    def state(self) -> str:
        """``warmed``, ``failed`` or ``archived`` (skipped)."""
        return "archived" if self.skipped else "warmed" if self.outcome.ok else "failed"


def held(ecr_api, ref: ImageRef) -> Held:
    """The digest and storage status ECR lists for the tag (``ecr:DescribeImages`` on one tag: a call that
    names several tags fails as a whole when one is missing). Never raises."""
    try:
        details = ecr_api.describe_images(repositoryName=ref.repository, imageIds=[{"imageTag": ref.tag}])[
            "imageDetails"
        ]
    except ClientError as exc:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in ("RepositoryNotFoundException", "ImageNotFoundException"):
            return Held()
        return Held(known=False, error=code or type(exc).__name__)
    except (BotoCoreError, KeyError, IndexError, TypeError) as exc:
        return Held(known=False, error=type(exc).__name__)
    if not details:
        return Held()
    return Held(details[0].get("imageDigest"), details[0].get("imageStatus") or "ACTIVE")


def held_all(ecr_api, refs: Sequence[ImageRef], concurrency: int = 8) -> dict[ImageRef, Held]:
    """:func:`held` for every image, ``concurrency`` calls at a time."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return dict(zip(refs, pool.map(lambda r: held(ecr_api, r), refs), strict=True))


def restore_command(ref: ImageRef, before: Held) -> str:
    image_id = f"imageDigest={before.digest}" if before.digest else f"imageTag={ref.tag}"
    return (
        f"aws ecr update-image-storage-class --repository-name {ref.repository} --image-id {image_id} "
        "--target-storage-class STANDARD"
    )


def archived_error(ref: ImageRef, before: Held, warmed: bool) -> ImageArchived:
    """Why an archived image was not warmed (``warmed`` False: left alone) or could not be (True)."""
    what = "not warmed" if not warmed else "the pull through the cache failed"
    return ImageArchived(
        f"{ref}: ECR holds this image in the archive storage class ({before.status}: not pulled for the days "
        f"of the repositories' archiveUnpulledAfterDays rule), so it cannot be pulled; {what}. Restore it with "
        f"'{restore_command(ref, before)}', or take it out of warm.images"
    )


def refresh(
    registry,
    ecr_api,
    refs: Sequence[ImageRef],
    platforms: Sequence = (),
    *,
    deadline: float,
    concurrency: int = 8,
    progress: Optional[warm.Progress] = None,
    skip_archived: bool = True,
) -> list[Refreshed]:
    """Warm ``refs`` through the ECR registry behind ``registry`` and compare digests before and after.

    :param skip_archived: leave images ECR archived alone (scheduled runs: warming must not bring back what
        nobody pulls); False tries them anyway and explains the failure (``ecr-ptc warm``).
    :returns: one :class:`Refreshed` per image, in the given order.
    """
    before = held_all(ecr_api, refs, concurrency)
    unknown = sorted({h.error for h in before.values() if not h.known})
    if unknown:
        log("held-unknown", errors=unknown, images=sum(1 for h in before.values() if not h.known))
    to_warm = [r for r in refs if not (skip_archived and before[r].archived)]
    done = {
        o.image: o
        for o in warm.warm_many(
            registry, to_warm, platforms, mode="ecr", deadline=deadline, concurrency=concurrency, progress=progress
        )
    }
    out = []
    for ref in refs:
        if str(ref) not in done:
            out.append(
                Refreshed(warm.Outcome(str(ref), error=archived_error(ref, before[ref], False)), before[ref], True)
            )
            continue
        outcome = done[str(ref)]
        if outcome.error is not None and before[ref].archived:
            outcome.error = archived_error(ref, before[ref], True)
        out.append(Refreshed(outcome, before[ref]))
    return out


__all__ = ["Held", "ImageArchived", "NOT_PULLABLE", "Refreshed", "held", "held_all", "refresh", "restore_command"]
