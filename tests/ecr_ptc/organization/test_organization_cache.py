"""OrganizationCache: the hub's grants, the spoke template and the StackSet (templates as synthesized, cdk-nag on)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from aws_cdk import App, Environment, FileAssetPackaging, Stack, Stage, Validations
from cdk_nag import AwsSolutionsChecks

from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, Encryption, RepositorySettings
from ecr_ptc.errors import ValidationError
from ecr_ptc.organization.organization_cache import OrganizationCache
from ecr_ptc.organization.spoke import SpokeCache, SpokeStack
from ecr_ptc.organization.stack_set import SpokeStackSet
from tests.app.iam_lint import problems as iam_problems
from tests.app.lint import findings
from tests.app.synth import CONTEXT

from .conftest import BASELINE, HUB, KMS_KEY, ORG, STACK_SET, settings

HUB_ARN = "arn:aws:ecr:eu-west-1:111111111111:repository/"
LOCAL_ARN = ["arn:", {"Ref": "AWS::Partition"}, ":ecr:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}]


def resolve_partition(value):
    """A Fn::Join of literal strings and the partition, as the IAM policy reads it."""
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join("aws" if p == {"Ref": "AWS::Partition"} else p for p in parts)
    return value


def statements(document):
    return {s.get("Sid"): s for s in document["Statement"]}


# --- the spoke --------------------------------------------------------------------------------------
def test_spoke_template_has_no_lambda_no_assets_and_no_bootstrap(rollout):
    text = json.dumps(rollout.spoke)
    assert not rollout.resources(rollout.spoke, "AWS::Lambda::Function")
    assert "Parameters" not in rollout.spoke and "Rules" not in rollout.spoke  # no asset or bootstrap parameters
    for word in ("hnb659fds", "cdk-bootstrap", "BootstrapVersion", "AssetParameters", "AWS::CDK::Metadata", "S3Bucket"):
        assert word not in text, word
    assert {r["Type"] for r in rollout.spoke["Resources"].values()} == {
        "AWS::IAM::Role",
        "AWS::IAM::ManagedPolicy",
        "AWS::Events::Rule",  # miss forwarding: a rule and its role, nothing that runs code
        "AWS::ECR::PullThroughCacheRule",
        "AWS::ECR::RepositoryCreationTemplate",
        "AWS::CloudFormation::WaitConditionHandle",
    }  # no registry-wide singletons (scanning, registry policy): those stay with each account


def test_spoke_refuses_file_assets(rollout):
    with pytest.raises(Exception, match="(?i)asset"):
        rollout.organization.spoke.synthesizer.add_file_asset(
            source_hash="0" * 64, file_name="x.json", packaging=FileAssetPackaging.FILE
        )


def test_spoke_rules_pull_through_the_hub_with_the_same_prefixes(rollout):
    rules = rollout.resources(rollout.spoke, "AWS::ECR::PullThroughCacheRule").values()
    (role_id,) = [k for k, r in rollout.resources(rollout.spoke, "AWS::IAM::Role").items() if "PullThrough" in k]
    assert sorted(r["Properties"]["EcrRepositoryPrefix"] for r in rules) == [
        "docker-hub",
        "ecr-public",
        "golden",
        "team/quay",
    ]
    for rule in rules:
        props = rule["Properties"]
        assert props["UpstreamRegistry"] == "ecr" and props["UpstreamRegistryUrl"] == HUB.registry_url
        assert props["UpstreamRepositoryPrefix"] == props["EcrRepositoryPrefix"]
        assert props["CustomRoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
        assert "CredentialArn" not in props  # credentials live in the hub only
    templates = rollout.resources(rollout.spoke, "AWS::ECR::RepositoryCreationTemplate").values()
    assert sorted(t["Properties"]["Prefix"] for t in templates) == ["docker-hub", "ecr-public", "golden", "team/quay"]


def test_spoke_role_reads_only_the_hub_prefixes(rollout):
    (role,) = [r for k, r in rollout.resources(rollout.spoke, "AWS::IAM::Role").items() if "PullThrough" in k]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "pullthroughcache.ecr.amazonaws.com"}]
    (policy,) = role["Properties"]["Policies"]
    found = statements(policy["PolicyDocument"])
    assert set(found) == {"ReadHub", "FillHub", "ImportIntoSpoke", "AuthorizationToken"}
    assert sorted(map(resolve_partition, found["ReadHub"]["Resource"])) == [
        HUB_ARN + p for p in ("docker-hub/*", "ecr-public/*", "golden/*", "team/quay/*")
    ]
    assert sorted(found["ReadHub"]["Action"]) == [
        "ecr:BatchGetImage",
        "ecr:BatchImportUpstreamImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetImageCopyStatus",
    ]
    # Chaining: the hub's prefixes only (the same ARNs as ReadHub), the two actions a first pull into a
    # repository that does not exist yet needs (ECR guide, IAM permissions for pull through cache).
    assert sorted(found["FillHub"]["Action"]) == ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
    assert sorted(map(resolve_partition, found["FillHub"]["Resource"])) == sorted(
        map(resolve_partition, found["ReadHub"]["Resource"])
    )
    imports = found["ImportIntoSpoke"]["Resource"]
    assert all(r["Fn::Join"][1][:6] == LOCAL_ARN for r in imports)  # this account and Region only
    assert sorted(r["Fn::Join"][1][6] for r in imports) == [
        ":repository/docker-hub/*",
        ":repository/ecr-public/*",
        ":repository/golden/*",
        ":repository/team/quay/*",
    ]
    assert (
        found["AuthorizationToken"]["Resource"] == "*"
        and found["AuthorizationToken"]["Action"] == "ecr:GetAuthorizationToken"
    )


def test_spoke_consumer_policy_has_a_fixed_name_per_region(rollout):
    (policy,) = rollout.resources(rollout.spoke, "AWS::IAM::ManagedPolicy").values()
    props = policy["Properties"]
    assert props["Path"] == "/ecr-ptc/"
    assert props["ManagedPolicyName"] == {"Fn::Join": ["", ["ecr-ptc-pull-through-", {"Ref": "AWS::Region"}]]}
    actions = {
        a
        for s in props["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:BatchGetImage"} <= actions
    assert "ecr:TagResource" not in actions  # no tags in the hub's templates, none in the spoke's


def test_nothing_but_a_placeholder_in_the_hub_registry(rollout):
    ((condition_id, expression),) = rollout.spoke["Conditions"].items()
    assert expression == {
        "Fn::Not": [
            {
                "Fn::And": [
                    {"Fn::Equals": [{"Ref": "AWS::AccountId"}, HUB.account]},
                    {"Fn::Equals": [{"Ref": "AWS::Region"}, HUB.region]},
                ]
            }
        ]
    }
    for logical_id, resource in rollout.spoke["Resources"].items():
        if resource["Type"] == "AWS::CloudFormation::WaitConditionHandle":
            assert "Condition" not in resource  # a stack needs at least one resource
        else:
            assert resource.get("Condition") == condition_id, logical_id


def test_spoke_stack_is_in_a_stage_of_its_own_not_at_the_top_level(rollout):
    spoke = rollout.organization.spoke
    assert Stage.of(spoke) is rollout.organization.spoke_stage and Stage.of(spoke) is not rollout.app
    top_level = {s.stack_name for s in rollout.app.synth().stacks}  # what `cdk deploy --all` selects
    assert top_level == {"Hub", "Holder"}


# --- the hub ----------------------------------------------------------------------------------------
def test_hub_registry_policy_lets_the_organization_read_its_prefixes(rollout):
    (policy,) = rollout.resources(rollout.hub, "AWS::ECR::RegistryPolicy").values()
    found = statements(policy["Properties"]["PolicyText"])
    assert set(found) == {"PullThroughCacheOrganization", "OrganizationSpokesRead"}  # the access statement stays
    spokes = found["OrganizationSpokesRead"]
    assert sorted(spokes["Action"]) == [
        "ecr:BatchGetImage",
        "ecr:DescribeImages",  # doctor and org verify in a member account: does the hub hold it (no pull)
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetImageCopyStatus",
    ]
    assert spokes["Principal"] == {"AWS": "*"}
    assert spokes["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    assert sorted(map(resolve_partition, spokes["Resource"])) == [
        HUB_ARN + p for p in ("docker-hub/*", "ecr-public/*", "golden/*", "team/quay/*")
    ]
    fill = found["PullThroughCacheOrganization"]
    assert sorted(fill["Action"]) == ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
    assert fill["Condition"] == spokes["Condition"]


def test_hub_templates_let_the_organization_pull(rollout):
    for template in rollout.resources(rollout.hub, "AWS::ECR::RepositoryCreationTemplate").values():
        assert ORG in json.dumps(template["Properties"]["RepositoryPolicy"])


# --- the StackSet -----------------------------------------------------------------------------------
def test_stack_set(rollout):
    (stack_set,) = rollout.resources(rollout.stack_set, "AWS::CloudFormation::StackSet").values()
    props = stack_set["Properties"]
    assert props["PermissionModel"] == "SERVICE_MANAGED" and props["CallAs"] == "DELEGATED_ADMIN"
    assert props["StackSetName"] == "ecr-ptc-spoke"
    assert props["AutoDeployment"] == {  # a new account gets its baseline (the boundary...) before its spoke
        "DependsOn": [BASELINE],
        "Enabled": True,
        "RetainStacksOnAccountRemoval": False,
    }
    assert props["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert props["ManagedExecution"] == {"Active": True}
    assert props["OperationPreferences"] == {
        "MaxConcurrentPercentage": 10,
        "FailureTolerancePercentage": 10,
        "RegionConcurrencyType": "SEQUENTIAL",
        "RegionOrder": ["eu-west-1", "us-east-1"],
    }
    assert props["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": ["ou-ab12-34567890", "r-ab12"],
                "Accounts": [HUB.account],
                "AccountFilterType": "DIFFERENCE",
            },
            "Regions": ["eu-west-1", "us-east-1"],
        }
    ]
    assert "TemplateBody" not in props


def test_template_url_is_the_synthesized_spoke_published_by_the_stack_sets_stack(rollout):
    (stack_set,) = rollout.resources(rollout.stack_set, "AWS::CloudFormation::StackSet").values()
    url = stack_set["Properties"]["TemplateURL"]["Fn::Sub"]
    assembly = rollout.app.synth()
    spoke = rollout.organization.spoke
    path = Path(Stage.of(spoke).synth().get_stack_artifact(spoke.artifact_id).template_full_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert url == (
        f"https://s3.{STACK_SET.region}.${{AWS::URLSuffix}}/cdk-hnb659fds-assets-{STACK_SET.account}-"
        f"{STACK_SET.region}/{digest}.json"
    )
    manifest = json.loads((Path(assembly.directory) / "Holder.assets.json").read_text())
    source = manifest["files"][digest]["source"]
    assert Path(assembly.directory, source["path"]).resolve() == path.resolve()
    assert json.loads(path.read_text()) == rollout.spoke


def test_stack_set_stack_deploys_after_the_hub(rollout):
    holder = rollout.app.synth().get_stack_by_name("Holder")
    assert "Hub" in [d.id for d in holder.dependencies]


def test_all_three_templates_pass_cfn_lint_and_the_iam_lint(rollout):
    for name, template, region, account in (
        ("hub", rollout.hub, HUB.region, HUB.account),
        ("stack set", rollout.stack_set, STACK_SET.region, STACK_SET.account),
        ("spoke eu-west-1", rollout.spoke, "eu-west-1", "333333333333"),
        ("spoke us-east-1", rollout.spoke, "us-east-1", "333333333333"),
    ):
        assert findings(template, region) == [], name
        assert iam_problems(template, region=region, account=account) == [], name


# --- public upstreams direct, KMS, tags, ROOT, the management account --------------------------------
def test_direct_public_upstreams_and_root(direct_kms_tags):
    rules = {
        r["Properties"]["EcrRepositoryPrefix"]: r["Properties"]
        for r in direct_kms_tags.resources(direct_kms_tags.spoke, "AWS::ECR::PullThroughCacheRule").values()
    }
    assert rules["k8s"] == {
        "EcrRepositoryPrefix": "k8s",
        "UpstreamRegistry": "k8s",
        "UpstreamRegistryUrl": "registry.k8s.io",
    }
    assert rules["ROOT"]["UpstreamRegistryUrl"] == HUB.registry_url and "UpstreamRepositoryPrefix" not in rules["ROOT"]
    (role,) = [
        r for k, r in direct_kms_tags.resources(direct_kms_tags.spoke, "AWS::IAM::Role").items() if "PullThrough" in k
    ]
    read = statements(role["Properties"]["Policies"][0]["PolicyDocument"])["ReadHub"]["Resource"]
    assert resolve_partition(read) == HUB_ARN + "*"  # ROOT: the hub's whole registry, as the hub's own ROOT rule


def test_spokes_encrypt_with_the_aws_managed_key_and_keep_the_tags(direct_kms_tags):
    for template in direct_kms_tags.resources(direct_kms_tags.spoke, "AWS::ECR::RepositoryCreationTemplate").values():
        assert template["Properties"]["EncryptionConfiguration"] == {"EncryptionType": "KMS"}  # aws/ecr
        assert template["Properties"]["ResourceTags"] == [{"Key": "team", "Value": "platform"}]
    for template in direct_kms_tags.resources(direct_kms_tags.hub, "AWS::ECR::RepositoryCreationTemplate").values():
        assert template["Properties"]["EncryptionConfiguration"]["KmsKey"].startswith(
            "arn:aws:kms:eu-west-1:111111111111"
        )
    roles = direct_kms_tags.resources(direct_kms_tags.spoke, "AWS::IAM::Role").values()
    trusted = [s["Principal"] for r in roles for s in r["Properties"]["AssumeRolePolicyDocument"]["Statement"]]
    assert {"Service": "ecr.amazonaws.com"} in trusted  # the tags need the templates' role
    (policy,) = direct_kms_tags.resources(direct_kms_tags.spoke, "AWS::IAM::ManagedPolicy").values()
    assert "ecr:TagResource" in json.dumps(policy)
    assert KMS_KEY not in json.dumps(direct_kms_tags.spoke)  # no grant on the hub's key anywhere in a spoke
    assert_kms_statement(direct_kms_tags.spoke)


def assert_kms_statement(spoke: dict) -> None:
    """The templates' role may use this account's and Region's keys (the AWS managed aws/ecr), through ECR only
    (ECR user guide, "Creating a repository creation template": KMS keys need a custom role)."""
    ((policy_id, kms),) = kms_statements(spoke)
    assert sorted(kms["Action"]) == ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"]
    assert kms["Resource"]["Fn::Join"][1][-1] == ":key/*" and LOCAL_ARN[2] == ":ecr:"
    assert kms["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Join": ["", ["ecr.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}]]}
        }
    }
    (role_ref,) = spoke["Resources"][policy_id]["Properties"]["Roles"]
    role = spoke["Resources"][role_ref["Ref"]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ecr.amazonaws.com"
    }
    for template in spoke["Resources"].values():
        if template["Type"] == "AWS::ECR::RepositoryCreationTemplate":
            assert template["Properties"]["CustomRoleArn"] == {"Fn::GetAtt": [role_ref["Ref"], "Arn"]}


def kms_statements(template: dict) -> list[tuple[str, dict]]:
    return [
        (logical_id, s)
        for logical_id, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "UseAwsManagedEcrKey"
    ]


def test_a_spoke_with_kms_and_no_tags_gets_a_template_role_of_its_own():
    """KMS in the hub, no tags: the cache makes no template role, the spoke makes one (cdk-nag, cfn-lint, IAM lint)."""
    app = App(context=dict(CONTEXT))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    spoke = SpokeStack(
        Stage(app, "Spokes"),
        "Spoke",
        hub_rules=[UpstreamRule.quay(), UpstreamRule.k8s()],
        repositories=RepositorySettings(encryption=Encryption.kms(KMS_KEY)),
        settings=settings(),
    )
    template = app.synth().get_stack_artifact(spoke.artifact_id).template  # cdk-nag findings fail here
    assert_kms_statement(template)
    assert findings(template, "us-east-1") == []
    assert iam_problems(template, region="us-east-1", account="333333333333") == []


def test_stack_set_from_the_management_account_in_parallel_without_auto_deployment(direct_kms_tags):
    (stack_set,) = direct_kms_tags.resources(direct_kms_tags.stack_set, "AWS::CloudFormation::StackSet").values()
    props = stack_set["Properties"]
    assert props["CallAs"] == "SELF" and props["AutoDeployment"] == {"Enabled": False}
    assert props["OperationPreferences"]["RegionConcurrencyType"] == "PARALLEL"
    assert "RegionOrder" not in props["OperationPreferences"]
    (policy,) = direct_kms_tags.resources(direct_kms_tags.hub, "AWS::ECR::RegistryPolicy").values()
    assert "PullThroughCachePrincipals" in {s["Sid"] for s in policy["Properties"]["PolicyText"]["Statement"]}


def test_direct_templates_pass_the_lints(direct_kms_tags):
    for template, region in ((direct_kms_tags.spoke, "ap-southeast-2"), (direct_kms_tags.hub, HUB.region)):
        assert findings(template, region) == []
        assert iam_problems(template, region=region) == []


# --- construct-time checks ---------------------------------------------------------------------------
def _app():
    app = App(context=dict(CONTEXT))
    hub_stack = Stack(app, "Hub", env=Environment(account=HUB.account, region=HUB.region))
    holder = Stack(app, "Holder", env=Environment(account=STACK_SET.account, region=STACK_SET.region))
    return app, hub_stack, holder


ORG_ACCESS = AccessSettings(organization_id=ORG)


def _hub(stack, access=ORG_ACCESS):
    return PullThroughCache(stack, "Cache", rules=[UpstreamRule.quay()], access=access)


@pytest.mark.parametrize(
    "case, words",
    [
        ("imported hub", "expected the hub's PullThroughCache"),
        ("no access", "does not let the organization o-a1b2c3d4e5"),
        ("other organization", "does not let the organization"),
        ("hub elsewhere", "the hub cache's stack is in account 999999999999"),
        ("hub without env", "the hub cache's stack is in account"),
        ("stack set elsewhere", "the StackSet's stack is in region eu-central-1"),
    ],
)
def test_organization_cache_checks_before_joining_the_tree(case, words):
    app, hub_stack, holder = _app()
    if case == "imported hub":
        hub = PullThroughCache.from_attributes(hub_stack, "Imported", rules=[UpstreamRule.quay()])
    elif case == "no access":
        hub = PullThroughCache(hub_stack, "Cache", rules=[UpstreamRule.quay()])
    elif case == "other organization":
        hub = _hub(hub_stack, AccessSettings(organization_id="o-zzzzzzzzzz"))
    elif case == "hub elsewhere":
        hub = _hub(Stack(app, "Elsewhere", env=Environment(account="999999999999", region=HUB.region)))
    elif case == "hub without env":
        hub = _hub(Stack(app, "Anywhere"))
    else:
        hub = _hub(hub_stack)
        holder = Stack(app, "Frankfurt", env=Environment(account=STACK_SET.account, region="eu-central-1"))
    with pytest.raises(ValidationError, match=words):
        OrganizationCache(holder, "Organization", hub=hub, settings=settings())
    assert holder.node.try_find_child("Organization") is None  # refused before it joined the tree


def test_spoke_checks():
    app, _hub_stack, holder = _app()
    with pytest.raises(ValidationError, match="names an environment"):
        SpokeCache(holder, "Spoke", hub_rules=[UpstreamRule.quay()], settings=settings())
    with pytest.raises(ValidationError, match="takes no env"):
        SpokeStack(
            Stage(app, "S1"),
            "Spoke",
            hub_rules=[UpstreamRule.quay()],
            settings=settings(),
            env=Environment(region="eu-west-1"),
        )
    same_stage = SpokeStack(app, "Spoke", hub_rules=[UpstreamRule.quay()], settings=settings())
    with pytest.raises(ValidationError, match="same Stage"):
        SpokeStackSet(holder, "StackSet", spoke=same_stage, settings=settings())
    hub = _hub(_hub_stack)
    OrganizationCache(holder, "Organization", hub=hub, settings=settings(), spoke_stage_id="Spokes")
    with pytest.raises(ValidationError, match="'Spokes' is already a construct"):
        OrganizationCache(holder, "Again", hub=hub, settings=settings(), spoke_stage_id="Spokes")
    with pytest.raises(ValidationError, match="expected a SpokeStack"):
        SpokeStackSet(holder, "Other", spoke=Stack(Stage(app, "S2"), "Plain"), settings=settings())


# --- the hub registry policy's size --------------------------------------------------------------------
def registry_policy_text(template: dict) -> str:
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ECR::RegistryPolicy"]
    return json.dumps(policy["Properties"]["PolicyText"], separators=(",", ":"))


def test_validate_estimates_the_registry_policy_as_synth_writes_it(rollout, direct_kms_tags):
    from ecr_ptc.organization.settings import PublicUpstreams, StackSetLocation, hub_registry_policy_length

    from .conftest import RULES, SECRET

    assert hub_registry_policy_length(RULES, settings()) == len(registry_policy_text(rollout.hub))
    rules = (
        UpstreamRule.k8s(),
        UpstreamRule.chainguard(UpstreamCredentials.from_secret_arn(SECRET.replace("docker-hub", "cg")), prefix="ROOT"),
    )
    other = settings(
        public_upstreams=PublicUpstreams.DIRECT, stack_set=StackSetLocation(account="222222222222", region="us-east-1")
    )
    assert hub_registry_policy_length(rules, other, ("333344445555",)) == len(registry_policy_text(direct_kms_tags.hub))


def test_a_registry_policy_past_ecrs_limit_fails_synth():
    from ecr_ptc.organization.settings import hub_registry_policy_length

    app, hub_stack, holder = _app()
    rules = [UpstreamRule.quay(prefix=f"team-{i:02d}/" + "q" * 20) for i in range(50)]  # 28 characters each
    access = AccessSettings(principals=("333344445555",), organization_id=ORG)
    hub = PullThroughCache(hub_stack, "Cache", rules=rules, access=access)
    organization = OrganizationCache(holder, "Organization", hub=hub, settings=settings())
    (error,) = organization.node.validate()
    length = hub_registry_policy_length(rules, settings(), access.principals)
    assert length == 12558 and f"registry policy is {length} characters, ECR takes 10240" in error
    assert "Fix: fewer or shorter prefixes" in error
    # the same 50 prefixes without the principals' statement fit
    fewer = Stack(app, "Fewer", env=Environment(account=HUB.account, region=HUB.region))
    small = PullThroughCache(fewer, "Cache", rules=rules, access=ORG_ACCESS)
    holder2 = Stack(app, "Holder2", env=Environment(account=STACK_SET.account, region=STACK_SET.region))
    assert OrganizationCache(holder2, "Organization", hub=small, settings=settings()).node.validate() == []
    assert hub_registry_policy_length(rules, settings()) == 8423
