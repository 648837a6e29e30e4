"""WorkstationSettings: defaults and bad input (path + problem + fix)."""

from __future__ import annotations

import re

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from ecr_ptc.errors import ValidationError
from ecr_ptc.workstation.instance_types import X86_64, al2023_problem, architecture, known_instance_types
from ecr_ptc.workstation.settings import WorkstationSettings

SUBNET = "subnet-0123456789abcdef0"


def test_cloud9_defaults():
    settings = WorkstationSettings(kind="cloud9")
    assert (settings.instance_type, settings.automatic_stop_minutes, settings.owner_arn, settings.subnet_id) == (
        "t3.small",
        30,
        None,
        None,
    )


def test_ec2_has_no_idle_stop():
    assert WorkstationSettings(kind="ec2").automatic_stop_minutes is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "cloud9", "instance_type": "m5.large", "automatic_stop_minutes": 0},
        {"kind": "cloud9", "instance_type": "c5.2xlarge", "automatic_stop_minutes": 20160},
        {"kind": "cloud9", "instance_type": "t2.micro"},
        {"kind": "cloud9", "owner_arn": "arn:aws:iam::123456789012:user/jane"},
        {"kind": "cloud9", "owner_arn": "arn:aws:sts::123456789012:assumed-role/Admin/jane@example.com"},
        {"kind": "cloud9", "owner_arn": "arn:aws-cn:iam::123456789012:root"},
        {"kind": "cloud9", "subnet_id": "subnet-0123abcd"},
        {"kind": "ec2", "instance_type": "m7i-flex.large", "subnet_id": SUBNET},
        {"kind": "ec2", "instance_type": "c6in.2xlarge"},
        {"kind": "ec2", "instance_type": "t4g.small"},
        {"kind": "ec2", "instance_type": "m7g.large"},
        {"kind": "ec2", "instance_type": "c7gn.xlarge"},
    ],
)
def test_good_input(kwargs):
    WorkstationSettings(**kwargs)


@pytest.mark.parametrize(
    "kwargs, path, problem",
    [
        ({"kind": "lightsail"}, "kind", "unknown workstation kind 'lightsail'"),
        ({"kind": ["ec2"]}, "kind", "unknown workstation kind ['ec2']"),  # YAML's list: not hashable
        ({"kind": {"ec2": 1}}, "kind", "unknown workstation kind {'ec2': 1}"),
        ({"kind": "ec2", "instance_type": "t3"}, "instance_type", "'t3' is not an EC2 instance type"),
        ({"kind": "ec2", "instance_type": "T3.small"}, "instance_type", "not an EC2 instance type"),
        ({"kind": "ec2", "instance_type": "t3.huge"}, "instance_type", "not an EC2 instance type"),
        ({"kind": "ec2", "instance_type": "t3.small\n"}, "instance_type", "not an EC2 instance type"),
        ({"kind": "ec2", "instance_type": 3}, "instance_type", "3 is not an EC2 instance type"),
        # Shaped like instance types, but EC2 has none of that name.
        ({"kind": "ec2", "instance_type": "t3.smal"}, "instance_type", "'t3.smal' is not an EC2 instance type"),
        ({"kind": "ec2", "instance_type": "m9z.large"}, "instance_type", "'m9z.large' is not an EC2 instance type"),
        ({"kind": "cloud9", "instance_type": "t3.smal"}, "instance_type", "not an EC2 instance type"),
        # Mac instances need a Dedicated Host and a macOS AMI.
        ({"kind": "ec2", "instance_type": "mac2.metal"}, "instance_type", "mac2.metal is a Mac instance"),
        ({"kind": "cloud9", "instance_type": "mac1.metal"}, "instance_type", "mac1.metal is a Mac instance"),
        # Every Cloud9 image is x86_64 (a1.large even matches the Cloud9 pattern).
        ({"kind": "cloud9", "instance_type": "m7g.large"}, "instance_type", "m7g.large is an arm64 instance type"),
        ({"kind": "cloud9", "instance_type": "a1.large"}, "instance_type", "Amazon Linux 2023 does not support"),
        # Types Amazon Linux 2023 cannot run: A1 (its user guide), paravirtual-only previous generations.
        ({"kind": "ec2", "instance_type": "a1.large"}, "instance_type", "a1.large is a first-generation Graviton"),
        ({"kind": "ec2", "instance_type": "m1.small"}, "instance_type", "runs paravirtual AMIs only"),
        ({"kind": "ec2", "instance_type": "t1.micro"}, "instance_type", "Amazon Linux 2023 is HVM only"),
        ({"kind": "ec2", "instance_type": "c1.medium"}, "instance_type", "paravirtual"),
        ({"kind": "cloud9", "instance_type": "t4g.small"}, "instance_type", "every Cloud9 image is x86_64"),
        # The Cloud9 pattern wants one digit right before the dot.
        ({"kind": "cloud9", "instance_type": "c6in.xlarge"}, "instance_type", "Cloud9 refuses c6in.xlarge"),
        ({"kind": "cloud9", "instance_type": "t3a.small"}, "instance_type", "Cloud9 refuses t3a.small"),
        ({"kind": "cloud9", "instance_type": "m7i-flex.large"}, "instance_type", "Cloud9 refuses m7i-flex.large"),
        ({"kind": "cloud9", "instance_type": "u-6tb1.metal"}, "instance_type", "Cloud9 refuses"),
        (
            {"kind": "ec2", "automatic_stop_minutes": 30},
            "automatic_stop_minutes",
            "only applies to kind cloud9, not ec2",
        ),
        (
            {"kind": "ec2", "owner_arn": "arn:aws:iam::123456789012:user/jane"},
            "owner_arn",
            "only applies to kind cloud9",
        ),
        (
            {"kind": "cloud9", "automatic_stop_minutes": -1},
            "automatic_stop_minutes",
            "-1 is not a whole number of minutes",
        ),
        ({"kind": "cloud9", "automatic_stop_minutes": 20161}, "automatic_stop_minutes", "from 0 to 20160"),
        ({"kind": "cloud9", "automatic_stop_minutes": "30"}, "automatic_stop_minutes", "'30' is not a whole number"),
        ({"kind": "cloud9", "automatic_stop_minutes": True}, "automatic_stop_minutes", "True is not a whole number"),
        ({"kind": "cloud9", "automatic_stop_minutes": 1.5}, "automatic_stop_minutes", "1.5 is not a whole number"),
        # Cloud9 (and its CloudFormation schema) refuse plain role ARNs.
        (
            {"kind": "cloud9", "owner_arn": "arn:aws:iam::123456789012:role/Admin"},
            "owner_arn",
            "Cloud9 refuses plain role ARNs",
        ),
        ({"kind": "cloud9", "owner_arn": "jane"}, "owner_arn", "'jane' is not an IAM user"),
        ({"kind": "cloud9", "owner_arn": "arn:aws:s3:::bucket"}, "owner_arn", "is not an IAM user"),
        ({"kind": "cloud9", "subnet_id": "subnet-123"}, "subnet_id", "'subnet-123' is not a subnet id"),
        ({"kind": "ec2", "subnet_id": "subnet-0123456789ABCDEF0"}, "subnet_id", "is not a subnet id"),
        ({"kind": "ec2", "subnet_id": "sg-0123456789abcdef0"}, "subnet_id", "is not a subnet id"),
    ],
)
def test_bad_input(kwargs, path, problem):
    with pytest.raises(ValidationError) as caught:
        WorkstationSettings(**kwargs)
    assert caught.value.path == path
    assert problem in caught.value.problem
    assert caught.value.fix


@pytest.mark.parametrize(
    "kind, instance_type, fix",
    [
        ("ec2", "t3.smal", "did you mean 't3.small'"),
        ("ec2", "m9z.large", "upgrade boto3"),
        ("cloud9", "m7g.large", "use kind ec2 for Graviton"),
        ("cloud9", "c6in.xlarge", "use kind ec2, which takes any type"),
        ("ec2", "mac2.metal", "x86_64 or Graviton (arm64) type"),
    ],
)
def test_instance_type_fixes(kind, instance_type, fix):
    with pytest.raises(ValidationError) as caught:
        WorkstationSettings(kind=kind, instance_type=instance_type)
    assert fix in caught.value.fix


def test_cloud9_takes_exactly_what_its_cloudformation_schema_and_images_take():
    """Every type botocore knows: accepted for cloud9 iff AWS::Cloud9::EnvironmentEC2's InstanceType
    schema (as cfn-lint ships it) matches it, it is x86_64 (every Cloud9 image is) and Amazon Linux 2023
    runs on it."""
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Cloud9::EnvironmentEC2")
    rule = schema.schema["properties"]["InstanceType"]
    pattern = re.compile(rule["pattern"])
    disagree = []
    for name in sorted(known_instance_types()):
        schema_ok = bool(pattern.search(name)) and rule["minLength"] <= len(name) <= rule["maxLength"]
        wanted = schema_ok and not name.startswith("mac") and architecture(name) == X86_64 and not al2023_problem(name)
        try:
            WorkstationSettings(kind="cloud9", instance_type=name)
            accepted = True
        except ValidationError:
            accepted = False
        if accepted != wanted:
            disagree.append(name)
    assert disagree == []


def test_role_arn_fix_names_the_session_form():
    with pytest.raises(ValidationError, match=r"assumed-role/Admin/jane"):
        WorkstationSettings(kind="cloud9", owner_arn="arn:aws:iam::123456789012:role/Admin")


def test_settings_are_frozen():
    settings = WorkstationSettings(kind="ec2")
    with pytest.raises(AttributeError):
        settings.kind = "cloud9"
