"""Helpers for the CacheWarmer tests. A synth takes ~4 s: the tests keep them module-scoped."""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Sequence

from aws_cdk import App, Stack, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from tests.app.synth import CONTEXT

ENV = {"account": "123456789012", "region": "eu-west-1"}
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
RULES = (
    UpstreamRule.ecr_public(),
    UpstreamRule.docker_hub(UpstreamCredentials.from_secret_arn(SECRET), prefix="my-docker-hub"),
    UpstreamRule.quay(),
    UpstreamRule.quay(prefix="quay/team"),  # longer prefix inside quay/
)


def make_cache(stack: Stack, rules: Sequence[UpstreamRule] = RULES) -> PullThroughCache:
    return PullThroughCache(stack, "Cache", rules=list(rules))


def synth(build: Callable[[Stack], Any], *, env: Optional[dict] = ENV, nag: bool = True) -> tuple[Stack, Template]:
    """A stack filled by ``build``, synthesized with the app's feature flags (and cdk-nag: findings raise)."""
    app = App(context=dict(CONTEXT))
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = Stack(app, "Warm", env=env)
    build(stack)
    return stack, Template.from_stack(stack)


def resources_of(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def template_bytes(template: dict) -> int:
    """The size CloudFormation counts: the template as `cdk synth` writes it (indented JSON)."""
    return len(json.dumps(template, indent=1).encode())
