"""Construct props checked at construct time."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from ecr_ptc import Cloud9Workstation, Ec2Workstation, WorkstationSettings
from ecr_ptc.errors import ValidationError

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def build(cls, settings, images, prefixes=("docker-hub",)):
    stack = cdk.Stack(cdk.App())
    policy = iam.ManagedPolicy.from_managed_policy_name(stack, "Consumer", "consumer")
    return cls(
        stack,
        "Workstation",
        settings=settings,
        consumer_policy=policy,
        registry_uri=REGISTRY,
        smoke_test_images=images,
        cache_prefixes=list(prefixes),
    )


@pytest.mark.parametrize(
    "cls, settings, images, prefixes, path, problem",
    [
        (Ec2Workstation, WorkstationSettings(kind="cloud9"), [], ["docker-hub"], "kind", "builds kind ec2, not cloud9"),
        (Cloud9Workstation, WorkstationSettings(kind="ec2"), [], ["docker-hub"], "kind", "builds kind cloud9, not ec2"),
        (Ec2Workstation, WorkstationSettings(kind="ec2"), [], [], "cache_prefixes", "no cache prefixes given"),
        (
            Ec2Workstation,
            WorkstationSettings(kind="ec2"),
            ["docker.io/library/nginx:latest"],
            ["docker-hub"],
            "smoke_test_images[0]",
            "is not in the registry",
        ),
        (
            Ec2Workstation,
            WorkstationSettings(kind="ec2"),
            [f"{REGISTRY}/docker-hub/library/nginx:latest", f"{REGISTRY}/docker-hub/library/nginx"],
            ["docker-hub"],
            "smoke_test_images[1]",
            "has no tag",
        ),
        (
            Ec2Workstation,
            WorkstationSettings(kind="ec2"),
            [f"{REGISTRY}/docker-hub/library/nginx@sha256:" + "0" * 64],
            ["docker-hub"],
            "smoke_test_images[0]",
            "a first pull by digest does not fill",
        ),
        (
            Ec2Workstation,
            WorkstationSettings(kind="ec2"),
            [f"{REGISTRY}/quay/coreos/etcd:latest"],
            ["docker-hub", "ecr-public"],
            "smoke_test_images[0]",
            "is under none of the cache prefixes",
        ),
    ],
)
def test_bad_props(cls, settings, images, prefixes, path, problem):
    with pytest.raises(ValidationError) as caught:
        build(cls, settings, images, prefixes)
    assert caught.value.path == path
    assert problem in caught.value.problem
    assert caught.value.fix


def test_root_prefix_takes_any_repository():
    workstation = build(Ec2Workstation, WorkstationSettings(kind="ec2"), [f"{REGISTRY}/library/nginx:1.27"], ["ROOT"])
    assert workstation.instance_id
