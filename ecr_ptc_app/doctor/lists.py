"""A rule's allow and deny lists in doctor: which list refuses an image (``--image``), and a repository name the
lists let in for the IAM simulations (``--principal``, the template role).

Standard library only at import; the matching itself is ``ecr_ptc_runtime.allow``'s, the one owner.
"""

from __future__ import annotations

from typing import Any, Optional


def image_refusal(rule: Any, repository: str) -> Optional[tuple[str, str]]:
    """(problem, fix) when the rule's lists keep the cache repository ``repository`` out; None when they let it in.

    :param rule: the ``UpstreamRule`` whose prefix covers ``repository``.
    """
    from ecr_ptc_runtime.allow import upstream_path

    path = upstream_path(rule.prefix, rule.upstream_prefix, repository)
    refused = rule.refusal(path) if path is not None else None
    if refused is None:
        return None
    if refused.which == "deny":
        return (
            f"{refused}: the policies deny importing {repository}, so no pull can put it in the cache",
            f"remove {refused.pattern!r} from the {rule.prefix} rule's deny list, or use another image",
        )
    return (
        f"{refused} ({', '.join(rule.allow)}): the policies let no pull import {repository}",
        f"add a pattern that names {path!r} to the {rule.prefix} rule's allow list, or use an allowed image",
    )


def probe_name(rule: Any, default: str) -> str:
    """A repository name under the rule's prefix (without it) that its lists let in, for IAM simulation:
    ``default`` without an allow list, else the first allow pattern filled in (``*`` with ``default``, ``?``
    with ``p``) that no deny pattern names; ``default`` when none does (the simulation then shows the deny)."""
    from ecr_ptc_runtime.allow import cache_pattern

    if not rule.allow:
        return default
    for pattern in rule.allow:
        path = pattern.replace("*", default).replace("?", "p")
        if rule.refusal(path) is None:
            name = cache_pattern(rule.prefix, rule.upstream_prefix, path)
            return name if rule.prefix == "ROOT" else name[len(rule.prefix) + 1 :]
    return default


__all__ = ["image_refusal", "probe_name"]
