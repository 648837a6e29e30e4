"""Unit tests: image refs, platforms, redaction, error classification, ECR explanations."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.stub import Stubber

from ecr_ptc_runtime import ecr, errors, logs
from ecr_ptc_runtime.names import ImageRef, Platform, parse_image, parse_platform
from ecr_ptc_runtime.oci_client import Credentials, RegistryClient, check_url, parse_challenge


@pytest.mark.parametrize(
    "ref, repository, tag",
    [
        ("ecr-public/nginx/nginx:1.27", "ecr-public/nginx/nginx", "1.27"),
        ("docker-hub/library/redis:7.2-alpine", "docker-hub/library/redis", "7.2-alpine"),
        ("k8s/pause:3.9", "k8s/pause", "3.9"),
        ("quay/a__b.c--d/e:_Latest", "quay/a__b.c--d/e", "_Latest"),
    ],
)
def test_parse_image(ref, repository, tag):
    assert parse_image(ref) == ImageRef(repository, tag)
    assert str(parse_image(ref)) == ref


def test_parse_image_takes_a_name_without_prefix():
    """A ROOT rule maps repository names 1:1, so ``pause:3.10`` is a cache image too."""
    assert parse_image("pause:3.10") == ImageRef("pause", "3.10")


@pytest.mark.parametrize(
    "ref, message",
    [
        (
            "ecr-public/nginx/nginx@sha256:" + "a" * 64,
            "a first pull by digest does not fill a pull-through cache; use a tag",
        ),
        ("ecr-public/nginx/nginx:1.0@sha256:" + "a" * 64, "by digest"),
        ("ecr-public/nginx/nginx", "has no tag"),
        ("localhost:5000/nginx", "has no tag"),
        ("ecr-public/Nginx:1", "not a valid name"),
        ("ecr-public/nginx-:1", "not a valid name"),
        ("ecr-public//nginx:1", "not a valid name"),
        ("ecr-public/nginx:.hidden", "tag '.hidden' is not valid"),
        ("ecr-public/nginx:" + "a" * 129, "is not valid"),
        ("", "empty"),
    ],
)
def test_parse_image_rejects(ref, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_image(ref)


def test_has_prefix():
    ref = parse_image("ecr-public/nginx/nginx:1")
    assert ref.has_prefix("ecr-public") and ref.has_prefix("ecr-public/") and ref.has_prefix("ROOT")
    assert not ref.has_prefix("ecr") and not ref.has_prefix("ecr-public/nginx/nginx")


def test_parse_platform():
    assert parse_platform("linux/arm64") == Platform("linux", "arm64")
    assert parse_platform("linux/arm/v7") == Platform("linux", "arm", "v7")
    assert str(parse_platform("linux/arm/v7")) == "linux/arm/v7"
    assert Platform("linux", "arm").matches({"os": "linux", "architecture": "arm", "variant": "v6"})
    assert not Platform("linux", "arm", "v7").matches({"os": "linux", "architecture": "arm", "variant": "v6"})
    for bad in ("linux", "linux/", "/amd64", "linux/arm/v7/x", "linux amd64", None):
        with pytest.raises(ValueError, match="os/arch"):
            parse_platform(bad)


def test_log_lines_are_json_and_redacted():
    stream = io.StringIO()
    logs.configure(stream)
    try:
        logs.register_secret("hunter2-very-secret")
        logs.log("thing", detail="token=hunter2-very-secret", n=1)
        logs.configure(stream, enabled=False)
        logs.log("silent")
    finally:
        logs.configure()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "thing" and record["detail"] == "token=***" and record["n"] == 1
    assert "hunter2" not in str(errors.WarmError("failed with hunter2-very-secret"))


def test_credentials_repr_hides_the_password():
    assert "pw-123456" not in repr(Credentials("u", "pw-123456"))


def test_urls_and_challenges():
    assert check_url("http://127.0.0.1:5000/") == "http://127.0.0.1:5000"
    assert check_url("https://registry.example.com") == "https://registry.example.com"
    for bad in ("http://registry.example.com", "ftp://x", "127.0.0.1:5000"):
        with pytest.raises(ValueError):
            check_url(bad)
    assert parse_challenge('Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull"') == (
        "bearer",
        {"realm": "https://auth.example/token", "service": "reg", "scope": "repository:a:pull"},
    )


class _Resp:
    def __init__(self, headers=None):
        self.headers = headers or {}

    def getheader(self, name):
        return self.headers.get(name)


@pytest.mark.parametrize(
    "status, code, message, expected",
    [
        (404, "NAME_UNKNOWN", "repository name not known to registry", errors.RepositoryNotFound),
        (404, "", "The repository with name 'x' does not exist in the registry", errors.RepositoryNotFound),
        (404, "MANIFEST_UNKNOWN", "manifest unknown: Requested image not found", errors.ImageNotFound),
        (403, "DENIED", "not authorized to perform ecr:BatchGetImage", errors.AccessDenied),
        (403, "DENIED", "upstream registry denied access: authentication failed", errors.UpstreamCredentialsRejected),
        (500, "UNKNOWN", "upstream unauthorized", errors.UpstreamCredentialsRejected),
    ],
)
def test_error_classification(status, code, message, expected):
    client = RegistryClient("http://127.0.0.1:1", upstream_hint="the secret ecr-pullthroughcache/hub")
    body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
    err = client._classify(status, _Resp(), body, "cache/x:1")
    assert type(err) is expected
    if expected is errors.UpstreamCredentialsRejected:
        assert "ecr-pullthroughcache/hub" in str(err)


def stubbed_ecr():
    client = boto3.client("ecr", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_explain_repository_missing_without_rule():
    client, stub = stubbed_ecr()
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [{"ecrRepositoryPrefix": "k8s"}]})
    with stub:
        err = ecr.explain(errors.RepositoryNotFound("x"), parse_image("quay/app:1"), client)
    assert isinstance(err, errors.NoSuchRule) and "rule prefixes: k8s" in str(err)


def test_explain_repository_missing_with_rule_names_create_repository():
    client, stub = stubbed_ecr()
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [{"ecrRepositoryPrefix": "quay"}]})
    with stub:
        err = ecr.explain(errors.RepositoryNotFound("x"), parse_image("quay/app:1"), client)
    assert isinstance(err, errors.AccessDenied) and err.action == "ecr:CreateRepository"


def test_explain_denied_on_existing_repository_names_batch_import():
    client, stub = stubbed_ecr()
    stub.add_response("describe_repositories", {"repositories": [{"repositoryName": "quay/app"}]})
    with stub:
        err = ecr.explain(errors.AccessDenied("denied"), parse_image("quay/app:1"), client)
    assert err.action == "ecr:BatchImportUpstreamImage" and "ecr:BatchImportUpstreamImage" in str(err)


def test_explain_keeps_the_error_when_ecr_cannot_tell():
    client, stub = stubbed_ecr()
    stub.add_client_error("describe_pull_through_cache_rules", "AccessDeniedException")
    with stub:
        err = ecr.explain(errors.RepositoryNotFound("x"), parse_image("quay/app:1"), client)
    assert type(err) is errors.RepositoryNotFound and "ecr:CreateRepository" in str(err)
    original = errors.RateLimited("slow")
    assert ecr.explain(original, parse_image("quay/app:1"), client) is original
