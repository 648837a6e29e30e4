"""The EventBridge pattern for ECR's failed pull-through cache actions (no CDK: tests match it against samples).

ECR user guide, "Amazon ECR events and EventBridge": ECR sends ``source`` ``aws.ecr``, ``detail-type``
``ECR Pull Through Cache Action`` when a pull-through action is attempted (best effort), ``detail``
holding ``sync-status`` (``SUCCESS`` in the documented sample), ``ecr-repository-prefix``,
``repository-name``, ``upstream-registry-url``, ``image-tag``, ``image-digest``, and on failure
``failure-code`` and ``failure-reason``. The documentation shows no failed sample, so the pattern takes
every status but ``SUCCESS`` rather than guess the failure value's spelling.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ecr_ptc_runtime.notify import DETAIL_TYPE, SOURCE, SUCCESS


def failure_pattern(prefixes: Sequence[str], account: Optional[str] = None) -> dict:
    """The event pattern: this cache's prefixes, any status but SUCCESS (and, given ``account``, that
    account's events only).

    A ``ROOT`` rule covers every repository that no other rule's prefix does, and the prefix ECR reports
    for it is not documented, so with ROOT among the prefixes the pattern takes every prefix."""
    detail: dict = {"sync-status": [{"anything-but": SUCCESS}]}
    if "ROOT" not in prefixes:
        detail["ecr-repository-prefix"] = sorted(set(prefixes))
    pattern: dict = {"source": [SOURCE], "detail-type": [DETAIL_TYPE], "detail": detail}
    if account is not None:
        pattern["account"] = [account]
    return pattern


__all__ = ["DETAIL_TYPE", "SOURCE", "failure_pattern"]
