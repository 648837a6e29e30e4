"""Regions: which ECR and ecr-ptc support, which are opt-in, what CloudFormation and EC2 offer in each."""

from __future__ import annotations

import difflib
import functools
from typing import Any, Iterable, Optional

from ecr_ptc.checks.basics import check_type, fail

UNSUPPORTED_REGIONS = ("cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1")


COMMERCIAL_PARTITION = "aws"


@functools.lru_cache(maxsize=1)
def ecr_regions() -> dict[str, str]:
    """Region -> partition for every Region botocore's endpoint data lists for ECR (about 0.1 s, once)."""
    import botocore.session  # only here: validation must stay cheap to import

    session = botocore.session.get_session()
    return {
        region: partition
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ecr", partition_name=partition)
    }


# AWS Account Management reference, "Enable or disable AWS Regions in your account"
# (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html): Regions launched before
# March 20, 2019 are enabled by default; every later Region is an opt-in Region, disabled until an account
# enables it. No maintained machine-readable list ships with botocore or cfn-lint (botocore's endpoint data
# does not mark opt-in), so this is the one list, of the closed set: the default Regions of the commercial
# partition. Every other commercial Region botocore knows is opt-in, new ones included.
DEFAULT_ENABLED_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "sa-east-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
    }
)


def is_opt_in_region(region: str) -> bool:
    """Whether ``region`` (of the commercial partition) must be enabled in an account before use."""
    return ecr_regions().get(region) == COMMERCIAL_PARTITION and region not in DEFAULT_ENABLED_REGIONS


def opt_in_warning(region: str, who: str) -> Optional[str]:
    """A warning for an opt-in ``region`` (``who``: the accounts that must have it enabled), or None."""
    if not is_opt_in_region(region):
        return None
    return (
        f"{region} is an opt-in Region (launched after March 20, 2019): {who} must have it enabled "
        "(AWS Account Management, 'Enable or disable AWS Regions in your account'), or the deployment fails there"
    )


def check_region(value: Any, path: str) -> str:
    """A Region of the commercial partition that botocore knows ECR in (pull-through cache is not
    offered in China or GovCloud; other partitions are not supported by ecr-ptc)."""
    check_type(value, str, path, "a Region name")
    if value in UNSUPPORTED_REGIONS:
        fail(
            path,
            f"ECR pull-through cache rules cannot be created in {value}",
            "deploy to a commercial Region such as us-east-1 (not available in China or GovCloud)",
        )
    partition = ecr_regions().get(value)
    if partition is None:
        known = [r for r, p in ecr_regions().items() if p == COMMERCIAL_PARTITION]
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        fail(
            path,
            f"{value!r} is not an AWS Region that Amazon ECR is offered in",
            f"{hint}give a Region such as eu-west-1 (aws ec2 describe-regions lists yours)",
        )
    if partition != COMMERCIAL_PARTITION:
        fail(
            path,
            f"{value} is in the {partition} partition, which ecr-ptc does not support",
            "deploy to a Region of the commercial partition (aws), such as us-east-1",
        )
    return value


@functools.lru_cache(maxsize=None)
def _cfn_lint_data(*parts: str) -> Any:
    """A JSON file of cfn-lint's shipped CloudFormation data (per-Region resource types and EC2
    instance types), read without importing cfn-lint; None when it is not there."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), "data", "schemas", *parts)
    return json.loads(path.read_text()) if path.is_file() else None


def region_resource_types(region: str) -> Optional[frozenset[str]]:
    """The CloudFormation resource types offered in ``region`` (cfn-lint's data), None if unknown."""
    data = _cfn_lint_data("providers", f"{region}.json")
    return frozenset(data) if isinstance(data, dict) else None


def resource_schema(region: str, resource_type: str) -> Optional[dict[str, Any]]:
    """The CloudFormation resource schema (registry schema: ``createOnlyProperties``, ``primaryIdentifier``,
    ``readOnlyProperties``...) of ``resource_type`` in ``region``, as cfn-lint ships it; ``Custom::*`` types
    read ``AWS::CloudFormation::CustomResource``'s. None when the type or the data is unknown."""
    kind = "AWS::CloudFormation::CustomResource" if resource_type.startswith("Custom::") else resource_type
    providers = _cfn_lint_data("providers", f"{region}.json")
    digest = providers.get(kind) if isinstance(providers, dict) else None
    schema = _cfn_lint_data("resources", f"{digest}.json") if isinstance(digest, str) else None
    return schema if isinstance(schema, dict) else None


def region_instance_types(region: str) -> Optional[frozenset[str]]:
    """The EC2 instance types offered in ``region`` (cfn-lint's data), None if unknown."""
    data = _cfn_lint_data("extensions", "aws_ec2_instance", "instancetype_enum.json")
    enum = (data or {}).get(region, {}).get("enum") if isinstance(data, dict) else None
    return frozenset(enum) if enum else None


def check_resource_types_in_region(types: Iterable[str], region: str, path: str, fix: str) -> None:
    """Each CloudFormation resource type must be offered in ``region`` (skipped where the data is unknown)."""
    offered = region_resource_types(region)
    missing = [t for t in types if offered is not None and t not in offered]
    if missing:
        fail(
            path,
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not offered by CloudFormation in {region}",
            fix,
        )
