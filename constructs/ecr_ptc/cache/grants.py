"""What the cache's policies grant, as plain data: actions, repository ARNs, and the policies' sizes.

No CDK import (``ecr-ptc validate`` measures the policies without starting jsii): :mod:`ecr_ptc.cache.policy`
turns these into CDK statements, and validate and the constructs measure them against IAM's and ECR's size
limits with the same functions.

Allow and deny lists (``UpstreamRule.allow``/``deny``): the import actions (``ecr:BatchImportUpstreamImage``,
``ecr:CreateRepository``) take repository ARNs (ECR user guide, "IAM permissions required to sync an upstream
registry with an Amazon ECR private registry":
https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html), so naming only the allowed
repositories under a rule's prefix lets nothing else be imported; ``deny`` adds an explicit Deny, which wins
over every Allow (IAM user guide, policy evaluation logic). Pull actions stay on the prefix: what is cached
was allowed when it entered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.errors import ValidationError

AUTH_TOKEN_ACTION = "ecr:GetAuthorizationToken"  # account-wide: its only resource is "*"
PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
# What a first pull needs on top of PULL_ACTIONS; the registry policy can grant these two too.
CACHE_FILL_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
# A first pull through a rule whose creation template adds resource tags also needs this, in the
# puller's own identity policy (ECR user guide, "IAM permissions for pull through cache"); a
# registry policy cannot grant it.
TAG_ON_CREATE_ACTION = "ecr:TagResource"

# IAM user guide, "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
# a managed policy holds at most 6,144 characters and a role's inline policies together 10,240, white space not
# counted. ECR API reference, PutRegistryPolicy: policyText is at most 10,240 characters.
MAX_MANAGED_POLICY_CHARACTERS = 6_144
MAX_ROLE_INLINE_CHARACTERS = 10_240
MAX_REGISTRY_POLICY_CHARACTERS = 10_240
# What a role that uses the consumer statements inline adds besides them (the warmer's: DescribeImages and
# DescribeRepositories on the prefixes, logs, the provider's own statements); tests/ecr_ptc/cache/test_allow.py
# measures it on a synthesized warmer.
ROLE_OTHER_STATEMENTS_CHARACTERS = 2_500


@dataclass(frozen=True)
class ArnParts:
    """Where the registry is: partition, Region and account (tokens in an environment-agnostic stack)."""

    partition: str
    region: str
    account: str

    def repository_arn(self, pattern: str) -> str:
        return f"arn:{self.partition}:ecr:{self.region}:{self.account}:repository/{pattern}"

    def principal_arn(self, principal: str) -> str:
        """An account id becomes its root ARN; an ARN stays as given."""
        return principal if principal.startswith("arn:") else f"arn:{self.partition}:iam::{principal}:root"


# The longest parts a policy's ARNs can have, for the size estimates: the longest partition and Region names.
LONGEST = ArnParts("aws-us-gov", "ap-southeast-5", "123456789012")


def repository_arns(where: ArnParts, rules: Iterable[UpstreamRule]) -> list[str]:
    """``repository/<prefix>/*`` per rule (``repository/*`` for ROOT), in rule order."""
    return [where.repository_arn(rule.repository_pattern) for rule in rules]


def import_arns(where: ArnParts, rules: Iterable[UpstreamRule]) -> list[str]:
    """The repositories the import actions may name: each rule's allowed ones under its prefix, else its prefix."""
    return list(dict.fromkeys(where.repository_arn(p) for rule in rules for p in rule.import_patterns))


def deny_arns(where: ArnParts, rules: Iterable[UpstreamRule]) -> list[str]:
    """The repositories of the rules' ``deny`` lists, for an explicit Deny of the import actions."""
    return list(dict.fromkeys(where.repository_arn(p) for rule in rules for p in rule.deny_patterns))


def restricted(rules: Iterable[UpstreamRule]) -> bool:
    return any(rule.restricted for rule in rules)


def pull_through_grants(
    where: ArnParts, rules: Sequence[UpstreamRule], *, tagged: bool = False
) -> list[tuple[list[str], list[str]]]:
    """(actions, resources) pairs that let a principal pull through the cache, first pulls included.

    The single source for both the consumer managed policy and ``grant_pull_through``. With allow lists, the
    import actions (and ``ecr:TagResource``) name the allowed repositories only; pulls stay on the prefixes.

    :param tagged: the creation templates add resource tags, so a first pull also tags the new repository.
    """
    fill = [*CACHE_FILL_ACTIONS, *([TAG_ON_CREATE_ACTION] if tagged else [])]
    if not restricted(rules):
        return [([AUTH_TOKEN_ACTION], ["*"]), ([*PULL_ACTIONS, *fill], repository_arns(where, rules))]
    return [
        ([AUTH_TOKEN_ACTION], ["*"]),
        (list(PULL_ACTIONS), repository_arns(where, rules)),
        (fill, import_arns(where, rules)),
    ]


def import_denials(where: ArnParts, rules: Sequence[UpstreamRule]) -> list[tuple[list[str], list[str]]]:
    """(actions, resources) pairs to Deny: the import actions on the ``deny`` repositories (none without)."""
    arns = deny_arns(where, rules)
    return [(list(CACHE_FILL_ACTIONS), arns)] if arns else []


# --- sizes ---------------------------------------------------------------------------------------
def _one_or_list(values: Sequence[str]) -> Any:
    return values[0] if len(values) == 1 else list(values)


def _statement(effect: str, actions: Sequence[str], resources: Sequence[str], **more: Any) -> dict[str, Any]:
    return {"Action": _one_or_list(actions), "Effect": effect, "Resource": _one_or_list(resources), **more}


def policy_length(statements: Sequence[dict[str, Any]]) -> int:
    """Characters of a policy document as IAM counts them (compact JSON: IAM does not count white space)."""
    return len(json.dumps({"Statement": list(statements), "Version": "2012-10-17"}, separators=(",", ":")))


def consumer_statements(where: ArnParts, rules: Sequence[UpstreamRule], *, tagged: bool = False) -> list[dict]:
    """The consumer policy's statements as JSON (what ``grant_pull_through`` adds to a role, too)."""
    return [_statement("Allow", a, r) for a, r in pull_through_grants(where, rules, tagged=tagged)] + [
        _statement("Deny", a, r) for a, r in import_denials(where, rules)
    ]


def registry_statements(
    where: ArnParts, rules: Sequence[UpstreamRule], principals: Sequence[str], organization_id: Optional[str]
) -> list[dict]:
    """The cache's registry-policy statements as JSON (``policy.registry_policy_document`` builds the same)."""
    arns = import_arns(where, rules)
    out = []
    if principals:
        roots = [where.principal_arn(p) for p in principals]
        out.append(
            _statement("Allow", CACHE_FILL_ACTIONS, arns, Principal={"AWS": _one_or_list(roots)}, Sid=REGISTRY_SIDS[0])
        )
    if organization_id:
        org = {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
        out.append(
            _statement("Allow", CACHE_FILL_ACTIONS, arns, Principal={"AWS": "*"}, Condition=org, Sid=REGISTRY_SIDS[1])
        )
    denied = deny_arns(where, rules)
    if denied and out:
        out.append(_statement("Deny", CACHE_FILL_ACTIONS, denied, Principal={"AWS": "*"}, Sid=REGISTRY_SIDS[2]))
    return out


# The statement ids of the cache's own registry policy: principals, organization, deny list.
REGISTRY_SIDS = ("PullThroughCachePrincipals", "PullThroughCacheOrganization", "PullThroughCacheDenyList")


def check_policy_sizes(
    rules: Sequence[UpstreamRule],
    *,
    tagged: bool = False,
    principals: Sequence[str] = (),
    organization_id: Optional[str] = None,
    extra_registry_statements: Sequence[dict[str, Any]] = (),
) -> None:
    """Refuse lists that would not fit: the consumer managed policy (6,144), a role using the same statements
    inline (10,240 with its other statements), the registry policy (10,240). Measured with the longest
    partition and Region names, so a config that passes fits every Region.

    :param extra_registry_statements: statements the config adds to the registry policy (``registry``). The
        organization's hub policy, with the spokes' read statement, is measured by
        ``organization.settings.hub_registry_policy_length``.
    :raises ValidationError: at ``rules`` with the size, the limit and what to do.
    """
    fix = "use fewer or broader allow/deny patterns (one 'team/*' instead of many names), or shorter prefixes"
    consumer = policy_length(consumer_statements(LONGEST, rules, tagged=tagged))
    if consumer > MAX_MANAGED_POLICY_CHARACTERS:
        raise ValidationError(
            "rules",
            f"the consumer policy would hold about {consumer} characters with these allow/deny lists; an IAM "
            f"managed policy holds {MAX_MANAGED_POLICY_CHARACTERS}",
            fix,
        )
    # A role that carries these statements inline (the warmer, a grant_pull_through grantee) adds its other
    # statements: 6,144 + ROLE_OTHER_STATEMENTS_CHARACTERS stays under MAX_ROLE_INLINE_CHARACTERS, so the
    # managed policy's limit is the one that binds.
    own = registry_statements(LONGEST, rules, principals, organization_id)
    if not own and not extra_registry_statements:
        return
    registry = policy_length([*own, *extra_registry_statements])
    if registry > MAX_REGISTRY_POLICY_CHARACTERS:
        raise ValidationError(
            "rules",
            f"the registry policy would hold about {registry} characters (each access statement lists every "
            f"allowed repository); ECR takes {MAX_REGISTRY_POLICY_CHARACTERS}",
            fix + ", or fewer access.principals",
        )


__all__ = [
    "AUTH_TOKEN_ACTION",
    "ArnParts",
    "CACHE_FILL_ACTIONS",
    "LONGEST",
    "MAX_MANAGED_POLICY_CHARACTERS",
    "MAX_REGISTRY_POLICY_CHARACTERS",
    "MAX_ROLE_INLINE_CHARACTERS",
    "PULL_ACTIONS",
    "ROLE_OTHER_STATEMENTS_CHARACTERS",
    "REGISTRY_SIDS",
    "TAG_ON_CREATE_ACTION",
    "check_policy_sizes",
    "consumer_statements",
    "deny_arns",
    "import_arns",
    "import_denials",
    "policy_length",
    "pull_through_grants",
    "registry_statements",
    "repository_arns",
    "restricted",
]
