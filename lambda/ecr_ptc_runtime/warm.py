"""The one warming implementation, shared by the Lambda handler, the CLI and the tests.

Modes: ``"ecr"`` touches each blob without moving its bytes (ECR answers a blob GET with a
redirect to where the bytes are, which is not followed: the GET alone makes ECR fetch the blob);
``"stream"`` reads every blob to the end, verified, because a generic caching proxy keeps only
what it fully served.
"""

from __future__ import annotations

import concurrent.futures
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence, Union

from . import errors
from .images import ImageRef, Platform, parse_image, parse_platform
from .logs import log
from .oci_client import INDEX_TYPES, RegistryClient

MODES = ("ecr", "stream")
Progress = Callable[[str, str], None]  # (image, state)


@dataclass
class ImageManifest:
    """One image manifest of the tag: its platform (None for a single-manifest tag) and blobs."""

    platform: Optional[Platform]
    digest: str
    blobs: list[tuple[str, Optional[int]]]  # (digest, size): config first, then layers


@dataclass
class Resolved:
    ref: ImageRef
    digest: str  # of the tag's manifest (index or image manifest)
    images: list[ImageManifest]

    @property
    def platforms(self) -> list[str]:
        return [str(i.platform) for i in self.images if i.platform]

    def blobs(self) -> dict[str, Optional[int]]:
        """Unique blobs of all selected images, in order."""
        out: dict[str, Optional[int]] = {}
        for image in self.images:
            for digest, size in image.blobs:
                out.setdefault(digest, size)
        return out


@dataclass
class WarmResult:
    image: str
    digest: str
    platforms: list[str]
    bytes_read: int
    seconds: float
    blobs_touched: int


@dataclass
class Outcome:
    image: str
    result: Optional[WarmResult] = None
    error: Optional[errors.WarmError] = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def _as_ref(image: Union[str, ImageRef]) -> ImageRef:
    return image if isinstance(image, ImageRef) else parse_image(image)


def _as_platforms(platforms: Iterable[Union[str, Platform]]) -> list[Platform]:
    return [p if isinstance(p, Platform) else parse_platform(p) for p in platforms or ()]


def _blobs_of(manifest: dict, where: str) -> list[tuple[str, Optional[int]]]:
    config = manifest.get("config")
    if not isinstance(config, dict) or "digest" not in config:
        raise errors.BadContent(f"{where}: image manifest has no config descriptor")
    return [(d["digest"], d.get("size")) for d in [config, *(manifest.get("layers") or [])]]


def resolve(
    client: RegistryClient, image: Union[str, ImageRef], platforms: Sequence = (), *, deadline: float
) -> Resolved:
    """Steps 1-2: GET the tag (the pull that starts the import), then each selected platform's manifest."""
    ref, selected = _as_ref(image), _as_platforms(platforms)
    top = client.get_manifest(ref.repository, ref.tag, deadline)
    doc = top.json()
    media_type = top.media_type or doc.get("mediaType", "")
    if media_type not in INDEX_TYPES and "manifests" not in doc:
        return Resolved(ref, top.digest, [ImageManifest(None, top.digest, _blobs_of(doc, str(ref)))])
    entries = [e for e in doc.get("manifests") or [] if isinstance(e, dict) and "digest" in e]
    if selected:
        available = [Platform.of(e.get("platform") or {}) for e in entries]
        missing = [p for p in selected if not any(p.matches(e.get("platform") or {}) for e in entries)]
        if missing:
            raise errors.PlatformNotFound(
                f"{ref}: platform(s) {', '.join(map(str, missing))} not in the image; available: "
                f"{', '.join(sorted(set(map(str, available)))) or 'none'}"
            )
        entries = [e for e in entries if any(p.matches(e.get("platform") or {}) for p in selected)]
    images = []
    for entry in entries:
        child = client.get_manifest(ref.repository, entry["digest"], deadline)
        platform = Platform.of(entry["platform"]) if entry.get("platform") else None
        images.append(ImageManifest(platform, entry["digest"], _blobs_of(child.json(), f"{ref}@{entry['digest']}")))
    return Resolved(ref, top.digest, images)


# Errors about the registry as a whole: the next blob would meet them too.
REGISTRY_WIDE = (
    errors.DeadlineExceeded,
    errors.RegistryUnavailable,
    errors.RateLimited,
    errors.CredentialsRejected,
    errors.UpstreamCredentialsRejected,
)


def touch(
    client: RegistryClient,
    repository: str,
    blobs: dict[str, Optional[int]],
    mode: str,
    *,
    deadline: float,
    on_blob: Optional[Callable[[int, int], None]] = None,
    on_error: Optional[Callable[[str, errors.WarmError], None]] = None,
) -> int:
    """Step 3: touch (ecr) or stream (stream) every blob; returns bytes read.

    With ``on_error``, an error about one blob goes to it and the next blob is still touched (each
    touch is what makes ECR fetch that blob); errors in REGISTRY_WIDE still raise."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    total = 0
    for n, (digest, size) in enumerate(blobs.items(), 1):
        try:
            if mode == "ecr":
                client.touch_blob(repository, digest, deadline)
            else:
                total += client.read_blob(repository, digest, size, deadline)
        except errors.WarmError as err:
            if on_error is None or isinstance(err, REGISTRY_WIDE):
                raise
            on_error(digest, err)
        if on_blob:
            on_blob(n, len(blobs))
    return total


def warm_image(
    client: RegistryClient,
    image: Union[str, ImageRef],
    platforms: Sequence = (),
    *,
    mode: str = "ecr",
    deadline: float,
    progress: Optional[Progress] = None,
) -> WarmResult:
    """Warm one image: manifests, then every blob of the selected platforms (empty = all)."""
    started = time.monotonic()
    ref = _as_ref(image)
    say = (lambda state: progress(str(ref), state)) if progress else (lambda state: None)
    say("manifest")
    resolved = resolve(client, ref, platforms, deadline=deadline)
    blobs = resolved.blobs()
    say(f"blobs 0/{len(blobs)}")
    read = touch(
        client, ref.repository, blobs, mode, deadline=deadline, on_blob=lambda n, total: say(f"blobs {n}/{total}")
    )
    result = WarmResult(
        str(ref), resolved.digest, resolved.platforms, read, round(time.monotonic() - started, 3), len(blobs)
    )
    log(
        "warmed",
        image=result.image,
        digest=result.digest,
        platforms=result.platforms,
        bytes=result.bytes_read,
        blobs=result.blobs_touched,
        seconds=result.seconds,
        mode=mode,
    )
    return result


def warm_many(
    client: RegistryClient,
    images: Sequence[Union[str, ImageRef]],
    platforms: Sequence = (),
    *,
    mode: str = "ecr",
    deadline: float,
    concurrency: int = 8,
    progress: Optional[Progress] = None,
) -> list[Outcome]:
    """Warm images concurrently (a thread pool); one Outcome per image, in the given order."""

    def one(image) -> Outcome:
        started = time.monotonic()
        try:
            result = warm_image(client, image, platforms, mode=mode, deadline=deadline, progress=progress)
            outcome = Outcome(str(image), result=result)
        except errors.WarmError as err:
            outcome = Outcome(str(image), error=err)
            log("warm-failed", image=str(image), reason=err.reason, error=str(err))
        outcome.seconds = round(time.monotonic() - started, 3)
        if progress:
            progress(str(image), "done" if outcome.error is None else f"failed: {outcome.error.reason}")
        return outcome

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(one, images))
