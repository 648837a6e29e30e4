"""The config's ``iam`` (boundary, path) and ``tags`` on stacks: read by the composition (every stack) and by
the organization rollout (the spoke, in a Stage of its own)."""

from __future__ import annotations

from aws_cdk import Stack

from ecr_ptc_app.config import AppConfig


def govern(stacks: list[Stack], config: AppConfig) -> None:
    """The config's ``iam`` (boundary, path) and ``tags`` on every stack, the CDK's own roles included."""
    if not (config.iam or config.tags):
        return
    from ecr_ptc.governance.aspects import apply_resource_tags, apply_role_governance

    for stack in stacks:
        if config.iam:
            apply_role_governance(stack, config.iam)
        apply_resource_tags(stack, config.tags)


__all__ = ["govern"]
