"""WorkstationSettings: defaults and bad input (path + problem + fix)."""
from __future__ import annotations

import pytest

from ecr_ptc.errors import ValidationError
from ecr_ptc.workstation import WorkstationSettings

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
        {"kind": "cloud9", "instance_type": "m7g.large", "automatic_stop_minutes": 0},
        {"kind": "cloud9", "instance_type": "c6in.2xlarge", "automatic_stop_minutes": 20160},
        {"kind": "cloud9", "owner_arn": "arn:aws:iam::123456789012:user/jane"},
        {"kind": "cloud9", "owner_arn": "arn:aws:sts::123456789012:assumed-role/Admin/jane@example.com"},
        {"kind": "cloud9", "owner_arn": "arn:aws-cn:iam::123456789012:root"},
        {"kind": "cloud9", "subnet_id": "subnet-0123abcd"},
        {"kind": "ec2", "instance_type": "m7i-flex.large", "subnet_id": SUBNET},
    ],
)
def test_good_input(kwargs):
    WorkstationSettings(**kwargs)


@pytest.mark.parametrize(
    "kwargs, path, problem",
    [
        ({"kind": "lightsail"}, "kind", "unknown workstation kind 'lightsail'"),
        ({"kind": "ec2", "instance_type": "t3"}, "instance_type", "'t3' is not an EC2 instance type"),
        ({"kind": "ec2", "instance_type": "T3.small"}, "instance_type", "not an EC2 instance type"),
        ({"kind": "ec2", "instance_type": "t3.huge"}, "instance_type", "not an EC2 instance type"),
        ({"kind": "ec2", "instance_type": "t3.small\n"}, "instance_type", "not an EC2 instance type"),
        ({"kind": "ec2", "automatic_stop_minutes": 30}, "automatic_stop_minutes", "only applies to kind cloud9, not ec2"),
        ({"kind": "ec2", "owner_arn": "arn:aws:iam::123456789012:user/jane"}, "owner_arn", "only applies to kind cloud9"),
        ({"kind": "cloud9", "automatic_stop_minutes": -1}, "automatic_stop_minutes", "-1 is not a whole number of minutes"),
        ({"kind": "cloud9", "automatic_stop_minutes": 20161}, "automatic_stop_minutes", "from 0 to 20160"),
        ({"kind": "cloud9", "automatic_stop_minutes": "30"}, "automatic_stop_minutes", "'30' is not a whole number"),
        ({"kind": "cloud9", "automatic_stop_minutes": True}, "automatic_stop_minutes", "True is not a whole number"),
        ({"kind": "cloud9", "automatic_stop_minutes": 1.5}, "automatic_stop_minutes", "1.5 is not a whole number"),
        # Cloud9 (and its CloudFormation schema) refuse plain role ARNs.
        ({"kind": "cloud9", "owner_arn": "arn:aws:iam::123456789012:role/Admin"}, "owner_arn", "Cloud9 refuses plain role ARNs"),
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


def test_role_arn_fix_names_the_session_form():
    with pytest.raises(ValidationError, match=r"assumed-role/Admin/jane"):
        WorkstationSettings(kind="cloud9", owner_arn="arn:aws:iam::123456789012:role/Admin")


def test_settings_are_frozen():
    settings = WorkstationSettings(kind="ec2")
    with pytest.raises(AttributeError):
        settings.kind = "cloud9"
