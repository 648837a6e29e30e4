"""``ecr-ptc purge`` and the runtime it shares with the stack-delete custom resource, against botocore's
Stubber (which checks every request against ECR's service model): pagination, throttling, partial failure,
and a repository outside the prefixes never named in a call."""

from __future__ import annotations

import argparse
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ecr_ptc_app.commands import purge as command
from ecr_ptc_runtime import purge

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
CONFIG = """\
rules:
  - upstream: ecr-public
  - upstream: quay
    prefix: team/quay
  - upstream: k8s
    prefix: ROOT
"""


def ecr() -> tuple[Any, Stubber]:
    client = boto3.client("ecr", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    return client, Stubber(client)


def repo(name: str) -> dict:
    return {
        "repositoryName": name,
        "repositoryArn": f"arn:aws:ecr:eu-west-1:123456789012:repository/{name}",
        "registryId": "123456789012",
        "repositoryUri": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}",
        "createdAt": NOW - timedelta(days=100),
    }


def image(size: int, pulled_days_ago: int | None) -> dict:
    detail: dict = {"imageDigest": "sha256:" + "a" * 64, "imageSizeInBytes": size}
    if pulled_days_ago is not None:
        detail["lastRecordedPullTime"] = NOW - timedelta(days=pulled_days_ago)
    return detail


def throttled(stub: Stubber, operation: str) -> None:
    stub.add_client_error(operation, service_error_code="ThrottlingException", http_status_code=400)


def no_sleep(_: float) -> None:
    pass


def test_lists_only_under_the_prefixes_across_pages_and_throttling():
    client, stub = ecr()
    page = {"maxResults": 1000}
    throttled(stub, "describe_repositories")
    stub.add_response(
        "describe_repositories",
        {"repositories": [repo("ecr-public/nginx/nginx"), repo("other/app")], "nextToken": "t1"},
        page,
    )
    stub.add_response(
        "describe_repositories",
        {"repositories": [repo("ecr-publicx/y"), repo("team/quay/a/b")]},
        {**page, "nextToken": "t1"},
    )
    # describe_images for the two repositories under the prefixes only, the first in two pages
    stub.add_response(
        "describe_images",
        {"imageDetails": [image(100, 3)], "nextToken": "i1"},
        {"repositoryName": "ecr-public/nginx/nginx", **page},
    )
    throttled(stub, "describe_images")
    stub.add_response(
        "describe_images",
        {"imageDetails": [image(50, 1), image(25, None)]},
        {"repositoryName": "ecr-public/nginx/nginx", **page, "nextToken": "i1"},
    )
    stub.add_response("describe_images", {"imageDetails": []}, {"repositoryName": "team/quay/a/b", **page})
    with stub:
        found = purge.list_cache_repositories(client, ["ecr-public", "team/quay/"], deadline=1e12, sleep=no_sleep)
        stub.assert_no_pending_responses()
    assert [r.name for r in found] == ["ecr-public/nginx/nginx", "team/quay/a/b"]
    nginx = found[0]
    assert (nginx.images, nginx.size_bytes, nginx.last_pull) == (3, 175, NOW - timedelta(days=1))
    assert found[1].images == 0 and found[1].last_pull is None
    assert [r.name for r in purge.unpulled(found, 30, NOW)] == ["team/quay/a/b"]  # never pulled: since creation


def test_throttling_past_the_deadline_is_raised():
    client, stub = ecr()
    throttled(stub, "describe_repositories")
    with stub, pytest.raises(purge.ClientError):
        purge.list_cache_repositories(
            client,
            ["hub"],
            deadline=0.0,
            sleep=no_sleep,
        )


def test_root_is_never_purged():
    with pytest.raises(purge.PurgeRefused, match="ROOT"):
        purge.check_prefixes(["ROOT"])
    assert not purge.under("hubx/a", ["hub"]) and purge.under("hub/a", ["hub"])


def test_partial_failure_is_reported_and_the_outside_repository_is_never_named():
    client, stub = ecr()
    listed = [purge.CachedRepository(n, 1, 1, None, None) for n in ("hub/a", "hub/b", "hub/gone", "other/c")]
    stub.add_response("delete_repository", {"repository": repo("hub/a")}, {"repositoryName": "hub/a", "force": True})
    throttled(stub, "delete_repository")
    stub.add_client_error(
        "delete_repository", "AccessDeniedException", expected_params={"repositoryName": "hub/b", "force": True}
    )
    stub.add_client_error(
        "delete_repository",
        "RepositoryNotFoundException",
        expected_params={"repositoryName": "hub/gone", "force": True},
    )
    reported: list = []
    with stub:
        results = purge.delete_repositories(
            client, listed, ["hub"], deadline=1e12, sleep=no_sleep, report=reported.append
        )
        stub.assert_no_pending_responses()  # no call for other/c: the Stubber would have refused it
    assert [(d.repository, d.deleted, d.error) for d in results] == [
        ("hub/a", True, None),
        ("hub/b", False, "AccessDeniedException"),
        ("hub/gone", True, "RepositoryNotFoundException"),
        ("other/c", False, "OutsideCachePrefixes"),
    ]
    assert reported == results


# --- the command ---------------------------------------------------------------------------------------
def args(tmp_path: Path, *extra: str) -> argparse.Namespace:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG)
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    return parser.parse_args(["purge", "--config", str(path), *extra])


def run(tmp_path: Path, stubbed: Any, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = command.run(args(tmp_path, *extra), out, err, ecr=stubbed)
    return code, out.getvalue(), err.getvalue()


def test_dry_run_lists_and_deletes_nothing(tmp_path):
    client, stub = ecr()
    stub.add_response(
        "describe_repositories", {"repositories": [repo("ecr-public/a"), repo("k8s-like/pause")]}, {"maxResults": 1000}
    )
    stub.add_response(
        "describe_images", {"imageDetails": [image(2048, 2)]}, {"repositoryName": "ecr-public/a", "maxResults": 1000}
    )
    with stub:
        code, out, err = run(tmp_path, client)
        stub.assert_no_pending_responses()
    assert code == 0
    assert "ecr-public/a" in out and "2.0 KiB" in out and "k8s-like" not in out
    assert "dry run: 1 repositories under ecr-public/, team/quay/" in err and "--yes" in err


def test_yes_deletes_and_reports_each_as_json(tmp_path):
    client, stub = ecr()
    stub.add_response(
        "describe_repositories", {"repositories": [repo("team/quay/x"), repo("team/quay/y")]}, {"maxResults": 1000}
    )
    for name in ("team/quay/x", "team/quay/y"):
        stub.add_response("describe_images", {"imageDetails": []}, {"repositoryName": name, "maxResults": 1000})
    stub.add_response(
        "delete_repository", {"repository": repo("team/quay/x")}, {"repositoryName": "team/quay/x", "force": True}
    )
    stub.add_client_error(
        "delete_repository", "AccessDeniedException", expected_params={"repositoryName": "team/quay/y", "force": True}
    )
    with stub:
        code, out, err = run(tmp_path, client, "--prefix", "team/quay", "--yes", "--output", "json")
    assert code == 1
    answer = json.loads(out)
    assert answer["dryRun"] is False and answer["prefixes"] == ["team/quay"]
    assert [(r["repository"], r["deleted"]) for r in answer["repositories"]] == [
        ("team/quay/x", True),
        ("team/quay/y", False),
    ]
    assert "team/quay/y: not deleted (AccessDeniedException)" in err and "Fix:" in err


@pytest.mark.parametrize("prefix", ["ROOT", "other", "ecr-publicx"])
def test_a_prefix_outside_the_rules_is_bad_input(tmp_path, prefix):
    code, out, err = run(tmp_path, object(), "--prefix", prefix)  # no call may be made: object() has no methods
    assert code == 2 and out == "" and "Fix:" in err and "not a rule prefix" in err


def test_unpulled_days_filters(tmp_path):
    client, stub = ecr()
    stub.add_response(
        "describe_repositories",
        {"repositories": [repo("ecr-public/old"), repo("ecr-public/new")]},
        {"maxResults": 1000},
    )
    stub.add_response(
        "describe_images", {"imageDetails": [image(1, 400)]}, {"repositoryName": "ecr-public/old", "maxResults": 1000}
    )
    stub.add_response(
        "describe_images", {"imageDetails": [image(1, 0)]}, {"repositoryName": "ecr-public/new", "maxResults": 1000}
    )
    with stub:
        code, out, _ = run(tmp_path, client, "--unpulled-days", "90", "--output", "json")
    assert code == 0 and [r["repository"] for r in json.loads(out)["repositories"]] == ["ecr-public/old"]


def test_the_custom_resource_answers_cloudformation(monkeypatch):
    """On delete it purges the prefixes and answers SUCCESS; a failure is answered FAILED (never left waiting)."""
    from ecr_ptc_runtime import handler

    answers: list = []
    monkeypatch.setattr(handler, "respond", lambda url, body: answers.append((body["Status"], body["Reason"])))
    client, stub = ecr()
    stub.add_response("describe_repositories", {"repositories": [repo("hub/a")]}, {"maxResults": 1000})
    stub.add_response("describe_images", {"imageDetails": []}, {"repositoryName": "hub/a", "maxResults": 1000})
    stub.add_response("delete_repository", {"repository": repo("hub/a")}, {"repositoryName": "hub/a", "force": True})
    monkeypatch.setattr("ecr_ptc_runtime.ecr.client", lambda region=None: client)
    statuses = iter(["DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"])
    monkeypatch.setattr(purge, "stack_status", lambda stack_id: next(statuses))
    event = {"RequestType": "Delete", "ResourceProperties": {"Prefixes": ["hub"]}, "ResponseURL": "https://x"}
    with stub:
        handler.purge_on_stack_delete_handler(event, None)
    handler.purge_on_stack_delete_handler({**event, "ResourceProperties": {"Prefixes": ["ROOT"]}}, None)
    handler.purge_on_stack_delete_handler({**event, "RequestType": "Create"}, None)
    handler.purge_on_stack_delete_handler(event, None)  # removed from a stack that stays: no ECR call
    assert answers[0] == ("SUCCESS", "deleted 1 repositories under hub")
    assert answers[1][0] == "FAILED" and "ROOT" in answers[1][1]
    assert answers[2] == ("SUCCESS", "nothing to do")
    assert answers[3][0] == "SUCCESS" and "nothing deleted" in answers[3][1]
