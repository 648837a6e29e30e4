"""A boto3 session whose clients answer from botocore Stubbers, one per service and Region (a spoke's checks
call ECR in the spoke's Region and in the hub's); each Stubber also checks the requests against the model."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from tests.app.synth import ROOT

CONFIG = str(ROOT / "config" / "organization.yaml")  # hub 111111111111 eu-west-1, targets eu-west-1 and us-east-1
HUB_ACCOUNT, HUB_REGION = "111111111111", "eu-west-1"
SPOKE_ACCOUNT, SPOKE_REGION = "333333333333", "us-east-1"
BUS_ARN = f"arn:aws:events:{HUB_REGION}:{HUB_ACCOUNT}:event-bus/ecr-ptc-misses"
DIGEST = "sha256:" + "cd" * 32


class Session:
    def __init__(self, region: str = SPOKE_REGION) -> None:
        self.region_name = region
        self.clients: dict[tuple[str, str], Any] = {}
        self.stubs: dict[tuple[str, str], Stubber] = {}

    def client(self, service: str, region_name: str | None = None, config: Any = None) -> Any:
        """A stubbed client: any call without a queued answer fails the test."""
        self.stub(service, region_name)
        return self.clients[(service, region_name or self.region_name)]

    def stub(self, service: str, region: str | None = None) -> Stubber:
        key = (service, region or self.region_name)
        if key not in self.stubs:
            self.clients[key] = boto3.client(
                service, region_name=key[1], aws_access_key_id="testing", aws_secret_access_key="testing"
            )
            self.stubs[key] = Stubber(self.clients[key])
            self.stubs[key].activate()
        return self.stubs[key]

    def identity(self, account: str = SPOKE_ACCOUNT) -> None:
        arn = f"arn:aws:sts::{account}:assumed-role/Admin/me"
        self.stub("sts").add_response("get_caller_identity", {"Account": account, "Arn": arn, "UserId": "AIDA"})

    def hub_image(self, held: bool, repository: str = "docker-hub/library/nginx", tag: str = "1.27") -> None:
        params = {"registryId": HUB_ACCOUNT, "repositoryName": repository, "imageIds": [{"imageTag": tag}]}
        stub = self.stub("ecr", HUB_REGION)
        if held:
            detail = {
                "registryId": HUB_ACCOUNT,
                "repositoryName": repository,
                "imageDigest": DIGEST,
                "imageTags": [tag],
            }
            stub.add_response("describe_images", {"imageDetails": [detail]}, params)
        else:
            stub.add_client_error(
                "describe_images", "RepositoryNotFoundException", "no such repository", 400, expected_params=params
            )

    def done(self) -> None:
        for key, stub in self.stubs.items():
            assert not stub._queue, (key, [r["operation_name"] for r in stub._queue])
