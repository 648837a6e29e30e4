"""Synthesized workstation apps shared by the tests (each synth takes seconds)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from ecr_ptc.workstation.settings import WorkstationSettings
from ecr_ptc_stacks.workstation_stack import WorkstationStack

ROOT = Path(__file__).resolve().parents[3]
PREFIXES = ["docker-hub", "ecr-public"]
IMAGES_PATHS = ["docker-hub/library/nginx:latest", "ecr-public/nginx/nginx:stable"]
OWNER = "arn:aws:sts::123456789012:assumed-role/Admin/jane"
SUBNET = "subnet-0123456789abcdef0"


@dataclass
class Synthesized:
    template: Template
    stack: WorkstationStack
    outdir: Path

    @property
    def json(self) -> dict:
        return self.template.to_json()


def feature_flags() -> dict:
    """The app's cdk.json context, so tests see the templates `cdk synth` writes."""
    return json.loads((ROOT / "cdk.json").read_text())["context"]


def nag_app(outdir: Path) -> cdk.App:
    """An app with the repo's feature flags whose synth fails on any cdk-nag AwsSolutions finding."""
    app = cdk.App(context=feature_flags(), outdir=str(outdir))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def synth(settings: WorkstationSettings, outdir: Path, env: cdk.Environment | None = None) -> Synthesized:
    app = nag_app(outdir)
    cache = cdk.Stack(app, "Cache", env=env)
    policy = iam.ManagedPolicy(
        cache,
        "Consumer",
        statements=[iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"])],
    )
    cdk.Validations.of(policy).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]", reason="test stand-in: GetAuthorizationToken has no resource scope"
        )
    )
    registry = f"{cdk.Aws.ACCOUNT_ID}.dkr.ecr.{cdk.Aws.REGION}.{cdk.Aws.URL_SUFFIX}"
    stack = WorkstationStack(
        app,
        "Cache-workstation",
        settings=settings,
        consumer_policy=policy,
        registry_uri=registry,
        smoke_test_images=[f"{registry}/{path}" for path in IMAGES_PATHS],
        cache_prefixes=PREFIXES,
        env=env,
    )
    stack.add_stack_dependency(cache)
    app.synth()  # raises on cdk-nag findings or CloudFormation validation errors
    return Synthesized(Template.from_stack(stack), stack, outdir)


SETTINGS = {
    "cloud9": WorkstationSettings(kind="cloud9"),
    "cloud9_owner_subnet": WorkstationSettings(
        kind="cloud9", owner_arn=OWNER, subnet_id=SUBNET, automatic_stop_minutes=60
    ),
    "ec2": WorkstationSettings(kind="ec2"),
    "ec2_subnet": WorkstationSettings(kind="ec2", subnet_id=SUBNET, instance_type="m7g.large"),
}


# Region-bound stacks render ARNs with literal partition and region (the app's configs set a region).
# Bound to an account too, a stack reads Availability Zones from context: the workstation must not.
IN_ACCOUNT = cdk.Environment(account="123456789012", region="sa-east-1")
REGION_BOUND = {
    "ec2_in_region": (WorkstationSettings(kind="ec2"), cdk.Environment(region="sa-east-1")),
    "ec2_in_account": (WorkstationSettings(kind="ec2"), IN_ACCOUNT),
    "ec2_subnet_in_account": (WorkstationSettings(kind="ec2", subnet_id=SUBNET, instance_type="t4g.small"), IN_ACCOUNT),
    "cloud9_in_account": (WorkstationSettings(kind="cloud9", subnet_id=SUBNET), IN_ACCOUNT),
}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory) -> dict[str, Synthesized]:
    built = {name: synth(settings, tmp_path_factory.mktemp(name)) for name, settings in SETTINGS.items()}
    built.update({name: synth(s, tmp_path_factory.mktemp(name), env) for name, (s, env) in REGION_BOUND.items()})
    return built
