"""Allow/deny lists and the purge on stack delete, through the construct library: checks, synthesized
policies (cfn-lint, the IAM lint, cdk-nag), the size limits validate and synth share."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from ecr_ptc.cache import grants
from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, RepositorySettings
from ecr_ptc.errors import ValidationError
from ecr_ptc.warming.cache_warmer import CacheWarmer
from ecr_ptc.warming.settings import WarmSettings
from ecr_ptc_runtime import allow
from tests.app.iam_lint import problems as iam_problems
from tests.app.lint import findings

from .conftest import CONTEXT, ENV
from .helpers import flat, of_type

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
HUB = UpstreamRule.docker_hub(UpstreamCredentials.from_secret_arn(SECRET))


# --- the pattern check and the matcher (one owner: ecr_ptc_runtime.allow) ---------------------------
@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("library/*", "library/nginx", True),
        ("library/*", "library/a/b", True),  # IAM: '*' crosses '/'
        ("library/*", "library", False),
        ("library/ngin?", "library/nginx", True),
        ("library/ngin?", "library/ngin", False),
        ("bitnami/postgresql", "bitnami/postgresql-repmgr", False),
        ("*postgres*", "bitnami/postgresql", True),
        ("a.b", "axb", False),  # '.' is a literal
    ],
)
def test_matches_reads_iam_wildcards(pattern, name, expected):
    assert allow.matches(pattern, name) is expected


@pytest.mark.parametrize(
    ("kwargs", "path", "problem"),
    [
        ({"allow": ["Library/*"]}, "allow[0]", "characters a repository name cannot"),
        ({"allow": ["nginx"]}, "allow[0]", "library/nginx"),
        ({"deny": ["library//x"]}, "deny[0]", "empty path segment"),
        ({"allow": "library/*"}, "allow", "expected a list"),
        ({"allow": ["x" * 257]}, "allow[0]", "256"),
    ],
)
def test_bad_patterns_are_refused(kwargs, path, problem):
    with pytest.raises(ValidationError) as caught:
        HUB.restrict(**kwargs) if not isinstance(kwargs.get("allow"), str) else UpstreamRule(
            "docker-hub", credentials=HUB.credentials, **kwargs
        )
    assert caught.value.path == path and problem in caught.value.problem


def test_with_an_upstream_prefix_patterns_name_the_upstream_path():
    rule = UpstreamRule.quay(prefix="mirror", upstream_prefix="team").restrict(
        allow=["team/app*"], deny=["team/app-old"]
    )
    assert rule.import_patterns == ["mirror/app*"] and rule.deny_patterns == ["mirror/app-old"]
    assert rule.refusal("team/app-old").which == "deny"
    assert rule.refusal("team/other").which == "allow"
    assert rule.refusal("team/app-new") is None
    with pytest.raises(ValidationError, match="upstream prefix 'team/'"):
        UpstreamRule.quay(prefix="mirror", upstream_prefix="team").restrict(allow=["app*"])


@pytest.mark.parametrize("other", [UpstreamRule.quay(prefix="ROOT"), UpstreamRule.quay(prefix="docker-hub/team")])
def test_lists_on_a_rule_that_nests_with_another_are_refused(other):
    with pytest.raises(ValidationError, match="nests with"):
        PullThroughCache(Stack(App(), "S", env=ENV), "C", rules=[HUB.restrict(allow=["library/*"]), other])


def test_lists_past_the_managed_policy_limit_are_refused_by_validate_and_synth():
    many = [f"team-{i:03d}/service-{i:03d}" for i in range(120)]
    rule = UpstreamRule.quay().restrict(allow=many)
    with pytest.raises(ValidationError, match="consumer policy would hold about"):
        grants.check_policy_sizes([rule])
    with pytest.raises(ValidationError, match="6144"):
        PullThroughCache(Stack(App(), "S", env=ENV), "C", rules=[rule])
    grants.check_policy_sizes([UpstreamRule.quay().restrict(allow=many[:40])])  # fits


def test_the_registry_policy_limit_counts_every_access_statement():
    rule = UpstreamRule.quay().restrict(allow=[f"team-{i:03d}/service-{i:03d}" for i in range(60)])
    grants.check_policy_sizes([rule])  # the consumer policy fits
    with pytest.raises(ValidationError, match="registry policy would hold"):
        grants.check_policy_sizes([rule], principals=["111122223333"], organization_id="o-a1b2c3d4e5")


# --- synthesized -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def purging() -> dict:
    app = App(context=dict(CONTEXT))
    stack = Stack(app, "Cache", env=ENV)
    cache = PullThroughCache(
        stack,
        "Cache",
        rules=[HUB.restrict(allow=["library/*"], deny=["library/busybox"]), UpstreamRule.quay()],
        repositories=RepositorySettings(delete_on_stack_delete=True),
        access=AccessSettings(principals=("111122223333",)),
    )
    CacheWarmer(stack, "Warm", cache=cache, settings=WarmSettings(images=("docker-hub/library/nginx:1",)))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))  # cdk-nag findings make synth raise
    return Template.from_stack(stack).to_json()


def test_purge_on_delete_is_one_custom_resource_the_rules_depend_on(purging):
    purges = of_type(purging, "Custom::EcrPtcPurge")
    assert len(purges) == 1
    ((key, purge),) = purges.items()
    assert purge["Properties"]["Prefixes"] == ["docker-hub", "quay"]
    for kind in ("AWS::ECR::PullThroughCacheRule", "AWS::ECR::RepositoryCreationTemplate"):
        for resource in of_type(purging, kind).values():
            assert key in resource["DependsOn"]  # deleted before the purge runs: nothing refills a repository
    functions = [f["Properties"] for f in of_type(purging, "AWS::Lambda::Function").values()]
    handler = next(f for f in functions if f["Handler"] == "ecr_ptc_runtime.handler.purge_on_stack_delete_handler")
    warmer = next(f for f in functions if f["Handler"] == "ecr_ptc_runtime.handler.on_event_handler")
    assert handler["Code"] == warmer["Code"]  # the warmer's asset, not a second one


def test_purge_role_deletes_only_under_the_prefixes(purging):
    statements = [
        s
        for key, p in of_type(purging, "AWS::IAM::Policy").items()
        if key.startswith("CachePurgeOnDelete")
        for s in flat(p["Properties"]["PolicyDocument"]["Statement"])
    ]
    deleting = [s for s in statements if "ecr:DeleteRepository" in s["Action"]]
    assert len(deleting) == 1
    assert sorted(deleting[0]["Resource"]) == [
        f"arn:aws:ecr:eu-west-1:123456789012:repository/{p}/*" for p in ("docker-hub", "quay")
    ]


def test_the_new_policies_pass_cfn_lint_and_the_iam_lint(purging):
    assert findings(purging, ENV["region"]) == []
    assert iam_problems(purging, region=ENV["region"], account=ENV["account"]) == []


def test_root_and_per_prefix_purges_are_refused():
    with pytest.raises(ValidationError, match="ROOT rule"):
        PullThroughCache(
            Stack(App(), "S", env=ENV),
            "C",
            rules=[UpstreamRule.quay(prefix="ROOT")],
            repositories=RepositorySettings(delete_on_stack_delete=True),
        )
    with pytest.raises(ValidationError, match="one setting of the whole cache"):
        PullThroughCache(
            Stack(App(), "S", env=ENV),
            "C",
            rules=[UpstreamRule.quay()],
            prefix_repositories={"quay": RepositorySettings(delete_on_stack_delete=True)},
        )
    with pytest.raises(ValidationError, match="true or false"):
        RepositorySettings(delete_on_stack_delete="no")  # type: ignore[arg-type]


def test_the_warmer_gets_the_lists_to_check_before_any_call(purging):
    (warm,) = of_type(purging, "Custom::EcrPtcWarmImage").values()
    assert warm["Properties"]["Lists"] == [
        {"prefix": "docker-hub", "allow": ["library/*"], "deny": ["library/busybox"]}
    ]  # the quay rule has no lists: left out, and a config without lists writes no Lists at all
