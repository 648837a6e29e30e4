"""Property: the synthesized policies mean what the allow and deny lists say.

Hypothesis draws rules with random ``allow``/``deny`` lists; one stack holds the cache (consumer policy,
registry policy for ``access`` principals and an organization, the ECR-to-ECR role, the creation-template
role), a role given ``grant_pull_through`` (as the warmer's is), and a spoke's role and consumer policy of an
organization rollout. Every policy of the synthesized templates is evaluated with the IAM documentation's
rules (tests/app/iam_eval.py) for the import actions on many repository names: a policy that lets anything
be imported under a rule's prefix lets in exactly the names the lists allow, and the consumer policy,
``grant_pull_through``'s role, the registry policy and the spoke role do so for every rule.

Derandomized, 5 examples by default (about 1.5 s each); ``ECR_PTC_ALLOW_EXAMPLES`` explores more.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecr_ptc.cache.grants import REGISTRY_SIDS
from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, RepositorySettings
from ecr_ptc.organization.spoke import SpokeStack
from tests.app.iam_eval import allows, documents, expected, list_problems, probes, registry_arn
from tests.ecr_ptc.organization.conftest import settings as org_settings
from tests.stable_draws import import_product_modules

from .conftest import CONTEXT, ENV

import_product_modules()  # the same examples in any test order (tests/stable_draws.py)

MAX_EXAMPLES = int(os.environ.get("ECR_PTC_ALLOW_EXAMPLES", "5"))
WORDS = ("a", "b", "ab", "lib")  # pattern parts: tests/app/iam_eval.py probes the same words
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
HUB_ACCOUNT = "111111111111"  # the organization settings' hub (tests/ecr_ptc/organization/conftest.py)


def _rule(upstream: str, prefix: str, upstream_prefix: Optional[str]) -> UpstreamRule:
    if upstream == "docker-hub":
        return UpstreamRule.docker_hub(UpstreamCredentials.from_secret_arn(SECRET), prefix=prefix)
    if upstream == "ecr":
        return UpstreamRule.ecr(
            "444455556666.dkr.ecr.us-east-1.amazonaws.com", prefix=prefix, upstream_prefix=upstream_prefix
        )
    return UpstreamRule.of(upstream, prefix=prefix, upstream_prefix=upstream_prefix)


# (upstream, prefix, upstream prefix): prefixes that do not nest, one with an upstream prefix.
CHOICES = (
    ("docker-hub", "docker-hub", None),
    ("quay", "quay", None),
    ("ecr-public", "pub", "lib"),
    ("ecr", "central", "ab"),
)


@st.composite
def pattern(draw: Any, upstream_prefix: Optional[str]) -> str:
    parts = draw(st.lists(st.sampled_from([*WORDS, "*", "a?", "*b", "?"]), min_size=1, max_size=3))
    text = "/".join(parts)
    if upstream_prefix:
        text = f"{upstream_prefix}/{text}"
    elif "/" not in text and "*" not in text:
        text = f"library/{text}" if draw(st.booleans()) else f"{text}/*"
    return text


@st.composite
def restricted_rules(draw: Any) -> list[UpstreamRule]:
    chosen = draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=3, unique=True))
    rules = []
    for upstream, prefix, upstream_prefix in chosen:
        allow = draw(st.lists(pattern(upstream_prefix), max_size=3, unique=True))
        deny = draw(st.lists(pattern(upstream_prefix), max_size=2, unique=True))
        rules.append(_rule(upstream, prefix, upstream_prefix).restrict(allow=allow, deny=deny))
    return rules


def synthesized(rules: list[UpstreamRule]) -> tuple[dict, dict]:
    app = App(context=dict(CONTEXT))
    stack = Stack(app, "Hub", env=ENV)
    cache = PullThroughCache(
        stack,
        "Cache",
        rules=rules,
        repositories=RepositorySettings(tags={"team": "x"}),  # the template role and TagResource too
        access=AccessSettings(principals=("111122223333",), organization_id="o-a1b2c3d4e5"),
    )
    cache.grant_pull_through(iam.Role(stack, "Warmer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")))
    hub_settings = org_settings(hub=org_settings().hub.__class__(account=ENV["account"], region=ENV["region"]))
    spoke = SpokeStack(app, "Spoke", hub_rules=rules, settings=hub_settings)
    assembly = app.synth()  # once for both stacks (Template.from_stack would synthesize the app per stack)
    return (
        assembly.get_stack_by_name(stack.stack_name).template,
        assembly.get_stack_by_name(spoke.stack_name).template,
    )


def check(rules: list[UpstreamRule]) -> None:
    hub, spoke = synthesized(rules)
    must_cover = {"CacheConsumerPolicy", "WarmerDefaultPolicy", "CacheRegistryPolicy", "SpokePullThroughRole"}
    covered: dict[str, set[str]] = {}
    for template, account, region in (
        (hub, ENV["account"], ENV["region"]),
        (spoke, "<AWS::AccountId>", "<AWS::Region>"),
    ):
        wrong, holders = list_problems(rules, template, account, REGISTRY_SIDS, region)
        assert not wrong, "\n".join(wrong)
        for prefix, keys in holders.items():
            covered.setdefault(prefix, set()).update(keys)
    for rule in rules:
        if any(expected(rule, p) for p in probes(rule)):
            held = {next((m for m in must_cover if key.startswith(m)), key) for key in covered.get(rule.prefix, ())}
            assert must_cover <= held, f"rule {rule.prefix}: only {sorted(covered.get(rule.prefix, ()))} grant it"


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(rules=restricted_rules())
def test_policies_mean_what_the_lists_say(rules: list[UpstreamRule]) -> None:
    check(rules)


def test_a_known_list_is_evaluated_as_written() -> None:
    """The property's own evaluator on one list a reader can check by hand (guards a vacuous property)."""
    rule = _rule("docker-hub", "docker-hub", None).restrict(
        allow=["library/*", "bitnami/postgresql"], deny=["library/busybox"]
    )
    assert expected(rule, "library/nginx") and expected(rule, "bitnami/postgresql")
    assert not expected(rule, "library/busybox") and not expected(rule, "bitnami/redis")
    hub, _ = synthesized([rule])
    statements = dict(documents(hub, REGISTRY_SIDS))
    consumer = next(s for k, s in statements.items() if k.startswith("CacheConsumerPolicy"))
    head = registry_arn(consumer, ENV["account"])
    assert head == f"arn:aws:ecr:{ENV['region']}:{ENV['account']}:repository/"
    assert allows(consumer, "ecr:CreateRepository", head + "docker-hub/library/nginx")
    assert allows(consumer, "ecr:BatchImportUpstreamImage", head + "docker-hub/library/a/b")  # '*' crosses '/'
    assert not allows(consumer, "ecr:BatchImportUpstreamImage", head + "docker-hub/library/busybox")
    assert not allows(consumer, "ecr:CreateRepository", head + "docker-hub/bitnami/redis")
    assert allows(consumer, "ecr:BatchGetImage", head + "docker-hub/bitnami/redis")  # pulls stay on the prefix
