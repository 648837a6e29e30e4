"""Checks on user input. Each rule lives here once; props classes and the config loader call them.

Every check raises :class:`ValidationError` with a path, the problem and the fix.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any, Iterable, NoReturn, Optional

from ecr_ptc.errors import ValidationError
from ecr_ptc_runtime.upstreams import ECR_URL, UPSTREAMS

# From the AWS::ECR::PullThroughCacheRule schema (EcrRepositoryPrefix / UpstreamRepositoryPrefix).
PREFIX_PATTERN = re.compile(r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$")
PREFIX_MIN, PREFIX_MAX = 2, 30
MAX_RULES = 50
UNSUPPORTED_REGIONS = ("cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1")
COMMERCIAL_PARTITION = "aws"
SECRET_NAME_PREFIX = "ecr-pullthroughcache/"
SECRET_NAME_PATTERN = re.compile(r"^ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+$")
SECRET_ARN_PATTERN = re.compile(
    r"^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$"
)
# Secrets Manager appends "-" and six random characters to a secret's name in its ARN: the complete
# ARN is ...:secret:ecr-pullthroughcache/<name>-<6 characters>, with a name of at least one character.
SECRET_ARN_SUFFIX = re.compile(r"-[a-zA-Z0-9]{6}$")
SECRET_ARN_COMPLETE = re.compile(r":secret:ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+-[a-zA-Z0-9]{6}$")
# Six lower-case letters after the last '-' are far more often the end of a name ('-docker', '-github')
# than a random suffix (about 1 in 190 suffixes looks like that): refused as ambiguous, secretName fits.
SECRET_ARN_WORD_SUFFIX = re.compile(r"-[a-z]{6}$")
ACCOUNT_PATTERN = re.compile(r"^\d{12}$")
ORG_PATTERN = re.compile(r"^o-[a-z0-9]{10,32}$")
IAM_PRINCIPAL_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)$")
ROLE_ARN_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
KMS_KEY_ARN_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key/[a-zA-Z0-9-]+$")
ECR_URL_PATTERN = ECR_URL.pattern  # the upstream table owns the shape of a private ECR registry host


def is_token(value: Any) -> bool:
    """A CDK token (an ARN of an ``IRole``, ``IKey`` or ``ISecret`` made in the app): known at deploy time only."""
    return isinstance(value, str) and "${Token[" in value


def arn_of(value: Any, attribute: str, path: str, what: str) -> str:
    """An ARN given as a string, or read from a CDK object that has it (``role.role_arn``, ``key.key_arn``)."""
    if isinstance(value, str):
        return value
    arn = getattr(value, attribute, None)
    if not isinstance(arn, str):
        fail(path, f"expected {what} or its ARN, got {value!r}", f"pass {what} or its ARN as a string")
    return arn


def fail(path: str, problem: str, fix: str) -> NoReturn:
    raise ValidationError(path, problem, fix)


def check_type(value: Any, kind: type | tuple[type, ...], path: str, what: str) -> None:
    # bool is an int in Python; a YAML `true` is never a number here.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int,))):
        fail(path, f"expected {what}, got {value!r}", f"give {what}")


def check_prefix(value: Any, path: str) -> str:
    """Return the repository prefix without its trailing slash (ECR assumes one)."""
    check_type(value, str, path, "a string such as 'docker-hub'")
    if not PREFIX_MIN <= len(value) <= PREFIX_MAX:
        fail(
            path,
            f"prefix {value!r} is {len(value)} characters long; ECR allows {PREFIX_MIN} to {PREFIX_MAX}",
            "choose a shorter or longer prefix",
        )
    if value.lower() == "root" and value != "ROOT":
        fail(path, f"{value!r} is not a valid prefix", "write ROOT in capitals to map repository names 1:1")
    if not PREFIX_PATTERN.match(value):
        fail(
            path,
            f"prefix {value!r} is not a valid repository prefix",
            "use lower-case letters and digits separated by '.', '_', '__', '-' or '/' "
            "(for example 'docker-hub' or 'team/quay'), or ROOT",
        )
    return value if value == "ROOT" else value.rstrip("/")


def check_upstream_prefix(value: Any, ecr_prefix: str, path: str) -> str:
    result = check_prefix(value, path)
    if ecr_prefix == "ROOT" and result != "ROOT":
        fail(
            path,
            "an upstream prefix needs an ECR prefix other than ROOT",
            "remove upstreamPrefix, or give the rule a prefix",
        )
    return result


# From the AWS::ECR::RegistryScanningConfiguration schema (RepositoryFilter.Filter): one separator
# between characters, so a prefix with '--' or '__' (allowed in a rule prefix) cannot be a filter.
SCAN_FILTER_PATTERN = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$")


def check_scan_filters(prefixes: Iterable[str], path: str) -> None:
    """Scan on push filters the registry's scanning to ``<prefix>/*`` per rule: each must be a valid filter."""
    for index, prefix in enumerate(prefixes):
        pattern = "*" if prefix == "ROOT" else f"{prefix}/*"
        if not SCAN_FILTER_PATTERN.match(pattern):
            fail(
                f"{path}[{index}].prefix",
                f"scan on push cannot filter on prefix {prefix!r}: ECR scanning filters "
                "allow one separator between characters ('--' and '__' are refused)",
                "use a prefix with single separators (e.g. 'a-b'), or leave scan_on_push off",
            )


def check_unique_prefixes(prefixes: Iterable[Optional[str]], path: str) -> None:
    """Prefixes by rule index; None stands for a rule that failed its own checks."""
    seen: dict[str, int] = {}
    for index, prefix in enumerate(prefixes):
        if prefix is None:
            continue
        if prefix in seen:
            fail(
                f"{path}[{index}].prefix",
                f"prefix {prefix!r} is already used by {path}[{seen[prefix]}]",
                "give each rule its own prefix",
            )
        seen[prefix] = index


def check_rule_count(count: int, path: str) -> None:
    if count == 0:
        fail(path, "no pull-through cache rules are defined", "add at least one rule")
    if count > MAX_RULES:
        fail(
            path,
            f"{count} rules given; ECR allows {MAX_RULES} per registry and Region (not adjustable)",
            "split the rules across Regions or accounts",
        )


def check_secret_name(value: Any, path: str) -> str:
    check_type(value, str, path, "a secret name")
    if not value.startswith(SECRET_NAME_PREFIX):
        fail(
            path,
            f"secret name {value!r} does not start with {SECRET_NAME_PREFIX!r}",
            f"ECR only reads secrets named '{SECRET_NAME_PREFIX}<name>'; rename the secret",
        )
    if not SECRET_NAME_PATTERN.match(value):
        fail(
            path,
            f"secret name {value!r} has characters Secrets Manager does not allow",
            "use letters, digits and /_+=.@- only",
        )
    return value


def check_secret_arn(value: Any, path: str) -> str:
    check_type(value, str, path, "a Secrets Manager secret ARN")
    if is_token(value):
        return value
    if not SECRET_ARN_PATTERN.match(value) or not 50 <= len(value) <= 612:
        fail(
            path,
            f"{value!r} is not a Secrets Manager ARN of a secret named 'ecr-pullthroughcache/...'",
            "give the complete ARN, e.g. arn:aws:secretsmanager:eu-west-1:123456789012:"
            "secret:ecr-pullthroughcache/docker-hub-AbCdEf",
        )
    if not SECRET_ARN_SUFFIX.search(value) or not SECRET_ARN_COMPLETE.search(value):
        fail(
            path,
            f"{value!r} lacks the 6-character suffix Secrets Manager adds to secret ARNs "
            "(the complete ARN ends in '<name>-' and six random characters)",
            "copy the complete ARN from 'aws secretsmanager describe-secret', or use secretName instead",
        )
    if SECRET_ARN_WORD_SUFFIX.search(value):
        fail(
            path,
            f"{value!r} ends in '{value.rsplit('-', 1)[1]}', which reads as the end of the secret's name, "
            "not the 6-character random suffix: this looks like a partial ARN",
            "use secretName (its complete ARN is read at deploy time), or copy the complete ARN from "
            "'aws secretsmanager describe-secret'",
        )
    return value


def secret_arn_location_problem(arn: str, region: Optional[str], account: Optional[str]) -> Optional[str]:
    """Why a literal secret ARN cannot serve a rule in ``region``/``account`` (None: not known), or None.

    ECR reads a rule's secret in the rule's own account and Region only (ECR user guide, "Storing your
    upstream repository credentials in an AWS Secrets Manager secret")."""
    if is_token(arn):
        return None
    arn_region, arn_account = region_of_arn(arn)
    if region and arn_region != region:
        return f"the secret is in {arn_region}, the rule in {region}: ECR reads secrets of the rule's own Region"
    if account and arn_account != account:
        return (
            f"the secret belongs to account {arn_account}, the rule to {account}: ECR reads secrets of the "
            "rule's own account"
        )
    return None


def check_account_id(value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML reads an unquoted account id as a number; only all 12 digits say which account
        value = str(value) if 10**11 <= value < 10**12 else f"{value}"
    check_type(value, str, path, "a 12-digit AWS account id")
    if not ACCOUNT_PATTERN.match(value):
        fail(path, f"{value!r} is not a 12-digit AWS account id", "quote the id and give all 12 digits")
    return value


def check_principal(value: Any, path: str) -> str:
    """An account id or an IAM root/user/role ARN."""
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        or (isinstance(value, str) and not value.startswith("arn:"))
    ):
        return check_account_id(value, path)
    check_type(value, str, path, "an account id or IAM ARN")
    if not IAM_PRINCIPAL_PATTERN.match(value):
        fail(
            path,
            f"{value!r} is not an account id or IAM user/role ARN",
            "give a 12-digit account id or an ARN like arn:aws:iam::123456789012:role/Builder",
        )
    return value


def check_pattern(value: Any, path: str, pattern: re.Pattern, what: str, fix: str) -> str:
    """A string that must match ``pattern``; ``what`` names it in the problem ("an IAM role ARN")."""
    check_type(value, str, path, what)
    if not is_token(value) and not pattern.match(value):
        fail(path, f"{value!r} is not {what}", fix)
    return value


def check_organization_id(value: Any, path: str) -> str:
    return check_pattern(
        value,
        path,
        ORG_PATTERN,
        "an AWS Organizations id",
        "give the id from 'aws organizations describe-organization', like o-a1b2c3d4e5",
    )


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


def region_of_arn(arn: str) -> tuple[str, str]:
    """(region, account) of an ARN such as arn:aws:kms:eu-west-1:123456789012:key/..."""
    parts = arn.split(":", 5)
    return parts[3], parts[4]


def kms_key_location_problems(
    key_arn: str, region: Optional[str], account: Optional[str]
) -> tuple[Optional[str], Optional[str]]:
    """(error, warning) for a KMS key used by repositories in ``region``/``account`` (None: not known).

    A key of another Region cannot encrypt a repository (KMS keys are regional); a key of another
    account works only if its key policy lets this account use it."""
    if is_token(key_arn):
        return None, None
    key_region, key_account = region_of_arn(key_arn)
    error = warning = None
    if region and key_region != region:
        error = (
            f"the KMS key is in {key_region}, the repositories in {region}: ECR needs a key of the "
            "repository's own Region"
        )
    if account and key_account != account:
        warning = (
            f"the KMS key belongs to account {key_account}, the repositories to {account}: its key policy "
            f"must let {account} use it (kms:CreateGrant, kms:DescribeKey), or ECR cannot create them"
        )
    return error, warning


def check_role_arn(value: Any, path: str) -> str:
    return check_pattern(
        value, path, ROLE_ARN_PATTERN, "an IAM role ARN", "give an ARN like arn:aws:iam::123456789012:role/PtcUpstream"
    )


# AWS::ECR::RepositoryCreationTemplate CustomRoleArn: no path in the role ARN (role/<name> only).
TEMPLATE_ROLE_ARN_PATTERN = re.compile(r"^arn:aws[-a-z0-9]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_-]{1,64}$")


def check_template_role_arn(value: Any, path: str) -> str:
    return check_pattern(
        value,
        path,
        TEMPLATE_ROLE_ARN_PATTERN,
        "an IAM role ARN without a path (ECR's CustomRoleArn for templates allows none)",
        "give an ARN like arn:aws:iam::123456789012:role/EcrTemplates, of a role whose path is /",
    )


def check_kms_key_arn(value: Any, path: str) -> str:
    return check_pattern(
        value,
        path,
        KMS_KEY_ARN_PATTERN,
        "a KMS key ARN",
        "give the key's ARN (aliases cannot be granted in IAM policies), like "
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )


def check_positive_int(value: Any, path: str, *, maximum: int | None = None) -> int:
    check_type(value, int, path, "a whole number of 1 or more")
    if value < 1 or (maximum is not None and value > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        fail(path, f"{value} is out of range", f"give a whole number of 1 or more{bound}")
    return value


def check_tags(value: Any, path: str) -> dict[str, str]:
    if value is None:
        return {}
    check_type(value, dict, path, "a mapping of tag keys to values")
    if len(value) > 50:
        fail(path, f"{len(value)} tags given; ECR allows 50", "drop some tags")
    result = {}
    for key, val in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.startswith("aws:"):
            fail(
                f"{path}.{key}", f"tag key {key!r} is not allowed", "use 1-128 characters that do not start with 'aws:'"
            )
        if not isinstance(val, (str, int, float)) or isinstance(val, bool) or len(str(val)) > 256:
            fail(f"{path}.{key}", f"tag value {val!r} is not allowed", "use a string of up to 256 characters")
        result[key] = str(val)
    return result


def check_registry_url(upstream: str, value: Any, path: str) -> str:
    check_type(value, str, path, "a registry host name")
    host = value.removeprefix("https://").rstrip("/")
    shape = UPSTREAMS[upstream].url_shape if upstream in UPSTREAMS else None
    if shape is not None and not shape.pattern.match(host):
        fail(path, f"{value!r} is not {shape.what}", f"give {shape.form}")
    return host
