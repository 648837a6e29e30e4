"""The synthesized spoke template, deployed by moto's CloudFormation StackSets across a moto organization.

What moto (5.2.5) simulates: a SERVICE_MANAGED stack set creating stack instances for the accounts of
OUs in several Regions, each instance a real (moto) stack in its account and Region: conditions are
evaluated, IAM roles and managed policies are created in each account (so a name two Regions share
collides), ECR resources are parsed and skipped (moto has no CloudFormation support for them).
What it does not: ``AccountFilterType`` (the hub's DIFFERENCE filter is ignored, which here exercises
the template's own hub guard instead), accounts deeper than one OU below a target, leaving out the
management account, automatic deployments, operation preferences. ``ecr-ptc org plan`` computes those
from the organization, and its tests check them.
"""

from __future__ import annotations

import json
import warnings

import boto3
import pytest
from moto import mock_aws

from .conftest import HUB

REGIONS = [HUB.region, "us-east-1"]


@pytest.fixture
def organization():
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        root = client.list_roots()["Roots"][0]["Id"]
        target = client.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
        team = client.create_organizational_unit(ParentId=target, Name="Team")["OrganizationalUnit"]["Id"]
        accounts = {}
        for name, unit in [(f"w{i}", target) for i in range(6)] + [(f"t{i}", team) for i in range(6)]:
            account = client.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
            accounts[name] = account["AccountId"]
            client.move_account(AccountId=account["AccountId"], SourceParentId=root, DestinationParentId=unit)
        yield target, accounts


def deploy(template: dict, target: str) -> list[dict]:
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack_set(
        StackSetName="ecr-ptc-spoke",
        TemplateBody=json.dumps(template),
        PermissionModel="SERVICE_MANAGED",
        Capabilities=["CAPABILITY_NAMED_IAM"],
        AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
    )
    with warnings.catch_warnings():  # moto warns for every resource type it does not simulate
        warnings.simplefilter("ignore")
        cloudformation.create_stack_instances(
            StackSetName="ecr-ptc-spoke", DeploymentTargets={"OrganizationalUnitIds": [target]}, Regions=REGIONS
        )
    return cloudformation.list_stack_instances(StackSetName="ecr-ptc-spoke")["Summaries"]


def iam_of(account: str):
    from moto.iam.models import iam_backends

    return iam_backends[account]["global"]


def test_every_account_and_region_gets_its_spoke_without_name_clashes(rollout, organization):
    target, accounts = organization
    hub = accounts["w0"]
    template = json.loads(json.dumps(rollout.spoke).replace(HUB.account, hub))  # the hub is one of these accounts
    instances = deploy(template, target)
    assert {(i["Account"], i["Region"]) for i in instances} == {(a, r) for a in accounts.values() for r in REGIONS}
    assert {i["StackInstanceStatus"]["DetailedStatus"] for i in instances} == {"SUCCEEDED"}
    for name, account in accounts.items():
        backend = iam_of(account)
        policies = sorted(p.name for p in backend.managed_policies.values() if p.path == "/ecr-ptc/")
        roles = [r for r in backend.roles.values() if "PullThroughRole" in r.name]
        if account == hub:  # the hub registry keeps its own rules: nothing but the placeholder there
            assert policies == ["ecr-ptc-pull-through-us-east-1"] and len(roles) == 1, name
        else:
            assert policies == [f"ecr-ptc-pull-through-{r}" for r in sorted(REGIONS)] and len(roles) == 2, name
        for role in roles:
            trust = json.loads(role.assume_role_policy_document)
            assert trust["Statement"][0]["Principal"] == {"Service": "pullthroughcache.ecr.amazonaws.com"}


def test_a_policy_name_without_the_region_would_clash(rollout, organization):
    target, _ = organization
    template = json.loads(json.dumps(rollout.spoke))
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            resource["Properties"]["ManagedPolicyName"] = "ecr-ptc-pull-through"
    with pytest.raises(Exception, match="EntityAlreadyExists"):
        deploy(template, target)
