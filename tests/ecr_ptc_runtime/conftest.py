"""Handler tests: moto's ECR API plus a real docker-registry standing in for the ECR registry endpoint."""

from __future__ import annotations

import base64

import boto3
import pytest
from moto import mock_aws

from .registry.fixtures import fault_proxy, htpasswd_file, seeded, start_registry, upstream  # noqa: F401

ACCOUNT_TOKEN_PASSWORD = "123456789012-auth-token"  # what moto's GetAuthorizationToken hands out


class Context:
    """A Lambda context with a fixed amount of time left."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


@pytest.fixture
def aws(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


@pytest.fixture
def ecr_registry(start_registry, upstream, htpasswd_file, fault_proxy):
    """The "ECR registry": a docker-registry that demands moto's token as basic auth, behind a
    fault proxy that records every request. Returns the proxy."""
    registry = start_registry("ecr", proxy_of=upstream.url, htpasswd=htpasswd_file("AWS", ACCOUNT_TOKEN_PASSWORD))
    return fault_proxy(registry.url)


@pytest.fixture
def ecr_api(aws, ecr_registry, monkeypatch):
    """A moto ECR client whose GetAuthorizationToken points proxyEndpoint at ecr_registry;
    the handler uses it."""
    from ecr_ptc_runtime import handler

    client = boto3.client("ecr", region_name="us-east-1")

    def redirect(parsed, **_):
        for item in parsed.get("authorizationData", []):
            item["proxyEndpoint"] = ecr_registry.url

    client.meta.events.register("after-call.ecr.GetAuthorizationToken", redirect)
    monkeypatch.setattr(handler, "ecr_client", lambda: client)
    return client


def import_into_ecr(client, registry, image) -> None:
    """What ECR does after a pull: the repository, every blob, and the tag exist in the ECR API."""
    client.create_repository(repositoryName=image.repository)
    for platform in image.platforms.values():
        for blob in platform.blobs:
            status, body, _ = registry.get(f"/v2/{image.repository}/blobs/{blob}")
            assert status == 200
            upload = client.initiate_layer_upload(repositoryName=image.repository)["uploadId"]
            client.upload_layer_part(
                repositoryName=image.repository,
                uploadId=upload,
                partFirstByte=0,
                partLastByte=len(body) - 1,
                layerPartBlob=body,
            )
            client.complete_layer_upload(repositoryName=image.repository, uploadId=upload, layerDigests=[blob])
    status, index, _ = registry.get(
        f"/v2/{image.repository}/manifests/{image.tag}", {"Accept": "application/vnd.oci.image.index.v1+json"}
    )
    client.put_image(repositoryName=image.repository, imageManifest=index.decode(), imageTag=image.tag)


def token_secrets() -> list[str]:
    token = base64.b64encode(f"AWS:{ACCOUNT_TOKEN_PASSWORD}".encode()).decode()
    return [token, ACCOUNT_TOKEN_PASSWORD]
