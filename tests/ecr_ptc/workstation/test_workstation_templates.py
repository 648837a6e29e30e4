"""The synthesized workstation stacks, resource by resource."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from .conftest import IMAGES_PATHS, OWNER, PREFIXES, SUBNET, feature_flags

REGISTRY = "{AWS::AccountId}.dkr.ecr.{AWS::Region}.{AWS::URLSuffix}"
REPOSITORIES = [path.split(":")[0] for path in IMAGES_PATHS]
# Actions that support no resource-level permissions: the only ones allowed on "*".
UNSCOPABLE = {
    "ecr:DescribePullThroughCacheRules",
    "ec2:DescribeInstances",
    "ec2:DescribeIamInstanceProfileAssociations",
    "ec2:DescribeSubnets",
}


def flat(value: Any) -> str:
    """A CloudFormation value as text: Ref -> {Name}, GetAtt -> {Name.Attr}, joins joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        ((key, arg),) = value.items()
        if key == "Fn::Join":
            return arg[0].join(flat(part) for part in arg[1])
        if key == "Ref":
            return "{" + arg + "}"
        if key == "Fn::GetAtt":
            return "{" + ".".join(arg) + "}"
        if key == "Fn::Base64":
            return flat(arg)
    return json.dumps(value)


def resources(synthesized, kind: str, type_: str) -> dict[str, dict]:
    return synthesized[kind].template.find_resources(type_)


def one(synthesized, kind: str, type_: str) -> dict:
    found = resources(synthesized, kind, type_)
    assert len(found) == 1, found
    return next(iter(found.values()))


def statements(synthesized, kind: str) -> list[dict]:
    return [
        statement
        for policy in resources(synthesized, kind, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def output(synthesized, kind: str, name: str) -> str:
    return flat(synthesized[kind].json["Outputs"][name]["Value"])


ALL = ["cloud9", "cloud9_owner_subnet", "ec2", "ec2_subnet"]


# --- the role: exactly what the walkthrough needs --------------------------------------


@pytest.mark.parametrize("kind", ALL)
def test_role_has_consumer_policy_and_session_manager(synthesized, kind):
    roles = resources(synthesized, kind, "AWS::IAM::Role")
    workstation = [
        r for r in roles.values() if "ec2.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(workstation) == 1
    managed = [flat(arn) for arn in workstation[0]["Properties"]["ManagedPolicyArns"]]
    assert managed[1] == "arn:{AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
    assert "Consumer" in managed[0]  # the cache stack's consumer policy, by cross-stack reference
    assert len(managed) == 2


@pytest.mark.parametrize("kind", ALL)
def test_no_administrator_access_or_wildcard_actions(synthesized, kind):
    text = json.dumps(synthesized[kind].json)
    assert "AdministratorAccess" not in text
    for statement in statements(synthesized, kind):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement


@pytest.mark.parametrize("kind", ALL)
def test_star_resources_only_for_actions_without_resource_scoping(synthesized, kind):
    for statement in statements(synthesized, kind):
        if statement["Resource"] == "*":
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert set(actions) <= UNSCOPABLE, statement


@pytest.mark.parametrize("kind", ALL)
def test_describe_images_scoped_to_cache_prefixes(synthesized, kind):
    scoped = [s for s in statements(synthesized, kind) if "ecr:DescribeImages" in s["Action"]]
    assert len(scoped) == 1
    assert sorted(scoped[0]["Action"]) == ["ecr:DescribeImages", "ecr:DescribeRepositories"]
    assert [flat(r) for r in scoped[0]["Resource"]] == [
        f"arn:{{AWS::Partition}}:ecr:{{AWS::Region}}:{{AWS::AccountId}}:repository/{prefix}/*" for prefix in PREFIXES
    ]
    rules = [s for s in statements(synthesized, kind) if s["Action"] == "ecr:DescribePullThroughCacheRules"]
    assert rules == [{"Action": "ecr:DescribePullThroughCacheRules", "Effect": "Allow", "Resource": "*"}]


# --- cloud9 -----------------------------------------------------------------------------


def test_cloud9_environment_defaults(synthesized):
    synthesized["cloud9"].template.has_resource_properties(
        "AWS::Cloud9::EnvironmentEC2",
        {
            "ImageId": "resolve:ssm:/aws/service/cloud9/amis/amazonlinux-2023-x86_64",
            "ConnectionType": "CONNECT_SSM",
            "AutomaticStopTimeMinutes": 30,
            "InstanceType": "t3.small",
            "OwnerArn": Match.absent(),
            "SubnetId": Match.absent(),
        },
    )


def test_cloud9_environment_kept_when_a_setting_change_replaces_it(synthesized):
    """Its properties are create-only: a replacement must not delete the files people keep in it."""
    synthesized["cloud9"].template.has_resource(
        "AWS::Cloud9::EnvironmentEC2", {"UpdateReplacePolicy": "Retain", "DeletionPolicy": "Delete"}
    )


def test_cloud9_environment_owner_and_subnet(synthesized):
    synthesized["cloud9_owner_subnet"].template.has_resource_properties(
        "AWS::Cloud9::EnvironmentEC2", {"OwnerArn": OWNER, "SubnetId": SUBNET, "AutomaticStopTimeMinutes": 60}
    )


def _custom(synthesized, kind: str, action: str) -> tuple[str, str]:
    for logical_id, resource in resources(synthesized, kind, "Custom::AWS").items():
        create = flat(resource["Properties"]["Create"])
        if f'"action":"{action}"' in create:
            assert flat(resource["Properties"]["Update"]) == create
            return logical_id, create
    raise AssertionError(f"no custom resource calls {action}")


def test_cloud9_instance_found_by_environment_tag(synthesized):
    env_id = next(iter(resources(synthesized, "cloud9", "AWS::Cloud9::EnvironmentEC2")))
    _, call = _custom(synthesized, "cloud9", "describeInstances")
    assert '{"Name":"tag:aws:cloud9:environment","Values":["{' + env_id + '}"]}' in call
    assert '"outputPaths":["Reservations.0.Instances.0.InstanceId"]' in call


def test_cloud9_role_attached_by_replacing_the_profile_association(synthesized):
    find_instance, _ = _custom(synthesized, "cloud9", "describeInstances")
    find_association, call = _custom(synthesized, "cloud9", "describeIamInstanceProfileAssociations")
    assert '"Values":["{' + find_instance + '.Reservations.0.Instances.0.InstanceId}"]' in call
    _, replace = _custom(synthesized, "cloud9", "replaceIamInstanceProfileAssociation")
    profile = next(iter(resources(synthesized, "cloud9", "AWS::IAM::InstanceProfile")))
    assert '"AssociationId":"{' + find_association + '.IamInstanceProfileAssociations.0.AssociationId}"' in replace
    assert '"IamInstanceProfile":{"Arn":"{' + profile + '.Arn}"}' in replace


def test_cloud9_replace_is_scoped_to_the_instance_and_the_role(synthesized):
    find_instance, _ = _custom(synthesized, "cloud9", "describeInstances")
    by_action = {json.dumps(s["Action"]): s for s in statements(synthesized, "cloud9")}
    replace = by_action['"ec2:ReplaceIamInstanceProfileAssociation"']
    assert flat(replace["Resource"]) == (
        "arn:{AWS::Partition}:ec2:{AWS::Region}:{AWS::AccountId}:instance/{"
        + find_instance
        + ".Reservations.0.Instances.0.InstanceId}"
    )
    pass_role = by_action['"iam:PassRole"']
    role = [k for k, r in resources(synthesized, "cloud9", "AWS::IAM::Role").items() if k.startswith("WorkstationRole")]
    assert pass_role["Resource"] == {"Fn::GetAtt": [role[0], "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}


def test_cloud9_managed_credentials_left_to_the_owner(synthesized):
    """Only the owner may call cloud9:UpdateEnvironment, so the stack outputs the command."""
    assert not [s for s in statements(synthesized, "cloud9") if "cloud9" in json.dumps(s["Action"])]
    env_id = next(iter(resources(synthesized, "cloud9", "AWS::Cloud9::EnvironmentEC2")))
    assert output(synthesized, "cloud9", "DisableManagedCredentialsCommand") == (
        "aws cloud9 update-environment --environment-id {" + env_id + "}"
        " --managed-credentials-action DISABLE --region {AWS::Region}"
    )


def test_cloud9_outputs(synthesized):
    env_id = next(iter(resources(synthesized, "cloud9", "AWS::Cloud9::EnvironmentEC2")))
    assert output(synthesized, "cloud9", "OpenWorkstation") == (
        "https://{AWS::Region}.console.aws.amazon.com/cloud9/ide/{" + env_id + "}"
    )
    smoke = output(synthesized, "cloud9", "SmokeTestCommand")
    assert smoke.startswith(
        f"aws ecr get-login-password --region {{AWS::Region}} | docker login --username AWS --password-stdin {REGISTRY} && "
    )
    for path, repository in zip(IMAGES_PATHS, REPOSITORIES, strict=True):
        assert f"docker pull '{REGISTRY}/{path}'" in smoke
        assert f"aws ecr describe-images --region {{AWS::Region}} --repository-name {repository}" in smoke


# --- ec2 --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ec2", "ec2_subnet"])
def test_ec2_instance_hardening(synthesized, kind):
    instance = one(synthesized, kind, "AWS::EC2::Instance")["Properties"]
    assert instance["MetadataOptions"] == {"HttpTokens": "required"}
    assert instance["BlockDeviceMappings"] == [
        {"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "VolumeSize": 20, "VolumeType": "gp3"}}
    ]
    assert "KeyName" not in instance
    profile = next(iter(resources(synthesized, kind, "AWS::IAM::InstanceProfile")))
    assert instance["IamInstanceProfile"] == {"Ref": profile}


@pytest.mark.parametrize(
    "kind, arch",
    # ec2_subnet is an m7g.large and ec2_subnet_in_account a t4g.small: Graviton, so arm64.
    [("ec2", "x86_64"), ("ec2_in_account", "x86_64"), ("ec2_subnet", "arm64"), ("ec2_subnet_in_account", "arm64")],
)
def test_ec2_image_from_ssm_parameter_of_the_instance_architecture(synthesized, kind, arch):
    instance = one(synthesized, kind, "AWS::EC2::Instance")["Properties"]
    parameter = synthesized[kind].json["Parameters"][instance["ImageId"]["Ref"]]
    assert parameter == {
        "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        "Default": f"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-{arch}",
    }


@pytest.mark.parametrize("kind", ["ec2", "ec2_subnet"])
def test_ec2_no_inbound_rules(synthesized, kind):
    group = one(synthesized, kind, "AWS::EC2::SecurityGroup")["Properties"]
    assert "SecurityGroupIngress" not in group
    assert resources(synthesized, kind, "AWS::EC2::SecurityGroupIngress") == {}
    assert [(rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) for rule in group["SecurityGroupEgress"]] == [
        ("tcp", 443, 443)
    ]


@pytest.mark.parametrize("kind", ["ec2", "ec2_subnet"])
def test_ec2_user_data_installs_docker_and_the_smoke_test(synthesized, kind):
    user_data = flat(one(synthesized, kind, "AWS::EC2::Instance")["Properties"]["UserData"])
    assert user_data.startswith("#!/bin/bash\nset -euo pipefail\ndnf install -y docker\n")
    assert "command -v aws >/dev/null || dnf install -y awscli-2\n" in user_data
    assert "systemctl enable --now docker\n" in user_data
    assert "cat > /usr/local/bin/ecr-ptc-smoke-test <<'ECR_PTC_EOF'\n" in user_data
    assert user_data.endswith("ECR_PTC_EOF\nchmod 755 /usr/local/bin/ecr-ptc-smoke-test")
    assert (
        f"aws ecr get-login-password --region {{AWS::Region}} | docker login --username AWS --password-stdin {REGISTRY}\n"
        in user_data
    )
    for path, repository in zip(IMAGES_PATHS, REPOSITORIES, strict=True):
        assert f"\ndocker pull '{REGISTRY}/{path}'\n" in user_data
        assert f"\nretry aws ecr describe-images --region {{AWS::Region}} --repository-name {repository}\n" in user_data


def test_ec2_own_network_is_one_public_subnet_without_nat(synthesized):
    template = synthesized["ec2"].template
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::Subnet", 1)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.has_resource_properties(
        "AWS::EC2::Subnet",
        {"MapPublicIpOnLaunch": True, "AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}},
    )
    instance = template.find_resources("AWS::EC2::Instance")
    depends_on = next(iter(instance.values()))["DependsOn"]
    assert any("DefaultRoute" in name for name in depends_on)  # Docker installs at boot: route first


def test_ec2_own_network_zone_chosen_at_deploy_time_in_an_account_bound_stack(synthesized):
    """No Availability Zone lookup (test_no_context_lookups): the zone is Fn::GetAZs's first, as without an account."""
    template = synthesized["ec2_in_account"].template
    template.resource_count_is("AWS::EC2::Subnet", 1)
    zone = {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    template.has_resource_properties("AWS::EC2::Subnet", {"AvailabilityZone": zone, "MapPublicIpOnLaunch": True})
    assert one(synthesized, "ec2_in_account", "AWS::EC2::Instance")["Properties"]["AvailabilityZone"] == zone


def test_ec2_own_network_is_what_ec2_vpc_builds_without_an_account():
    """PublicNetwork stands in for ec2.Vpc (which looks zones up in account-bound stacks): same resources,
    logical ids and tags where ec2.Vpc needs no lookup, so existing workstations are not replaced."""
    from ecr_ptc.workstation.network import PublicNetwork

    def resources_of(build) -> dict:
        stack = cdk.Stack(cdk.App(context=feature_flags()), "Stack")
        build(stack)
        return Template.from_stack(stack).to_json()["Resources"]

    vpc = resources_of(
        lambda stack: ec2.Vpc(
            stack,
            "Network",
            max_azs=1,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24)
            ],
            restrict_default_security_group=False,
        )
    )
    assert resources_of(lambda stack: PublicNetwork(stack, "Network")) == vpc


def test_ec2_given_subnet_gets_its_vpc_at_deploy_time(synthesized):
    template = synthesized["ec2_subnet"].template
    template.resource_count_is("AWS::EC2::VPC", 0)
    find_subnet, call = _custom(synthesized, "ec2_subnet", "describeSubnets")
    assert f'"parameters":{{"SubnetIds":["{SUBNET}"]}}' in call
    instance = one(synthesized, "ec2_subnet", "AWS::EC2::Instance")["Properties"]
    assert instance["SubnetId"] == SUBNET
    assert instance["InstanceType"] == "m7g.large"
    assert flat(instance["AvailabilityZone"]) == "{" + find_subnet + ".Subnets.0.AvailabilityZone}"
    group = one(synthesized, "ec2_subnet", "AWS::EC2::SecurityGroup")["Properties"]
    assert flat(group["VpcId"]) == "{" + find_subnet + ".Subnets.0.VpcId}"


def test_ec2_outputs(synthesized):
    instance = next(iter(resources(synthesized, "ec2", "AWS::EC2::Instance")))
    start = "aws ssm start-session --target {" + instance + "} --region {AWS::Region}"
    assert output(synthesized, "ec2", "OpenWorkstation") == start
    assert output(synthesized, "ec2", "SmokeTestCommand") == (
        start + " --document-name AWS-StartInteractiveCommand --parameters command=/usr/local/bin/ecr-ptc-smoke-test"
    )
    assert output(synthesized, "ec2", "InstanceId") == "{" + instance + "}"
