"""IAM statements for the pull-through cache, built in one place.

Every function here is pure: it takes the ARN parts (plain strings or CDK tokens) and the rules,
and returns policy statements or documents. The construct in :mod:`ecr_ptc.cache.pull_through_cache` wires them to
resources; tests can check them without synthesizing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from aws_cdk import aws_iam as iam

from ecr_ptc import validation as v
from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, ReadAccess
from ecr_ptc.errors import ValidationError

AUTH_TOKEN_ACTION = "ecr:GetAuthorizationToken"  # account-wide: its only resource is "*"
PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
# What a first pull needs on top of PULL_ACTIONS; the registry policy can grant these two too.
CACHE_FILL_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
# A first pull through a rule whose creation template adds resource tags also needs this, in the
# puller's own identity policy (ECR user guide, "IAM permissions for pull through cache"); a
# registry policy cannot grant it.
TAG_ON_CREATE_ACTION = "ecr:TagResource"
# The ECR-to-ECR role (CustomRoleArn), split by where each action applies.
UPSTREAM_READ_ACTIONS = (
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchImportUpstreamImage",
    "ecr:GetImageCopyStatus",
)
LOCAL_IMPORT_ACTIONS = (
    "ecr:BatchImportUpstreamImage",
    "ecr:GetImageCopyStatus",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)
# The repository creation template role (needed for KMS keys or resource tags).
TEMPLATE_ACTIONS = ("ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource")
TEMPLATE_KMS_ACTIONS = ("kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey")


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


def repository_arns(where: ArnParts, rules: Iterable[UpstreamRule]) -> list[str]:
    """``repository/<prefix>/*`` per rule (``repository/*`` for ROOT), in rule order."""
    return [where.repository_arn(rule.repository_pattern) for rule in rules]


def pull_through_grants(
    where: ArnParts, rules: Sequence[UpstreamRule], *, tagged: bool = False
) -> list[tuple[list[str], list[str]]]:
    """(actions, resources) pairs that let a principal pull through the cache, first pulls included.

    The single source for both the consumer managed policy and ``grant_pull_through``.

    :param tagged: the creation templates add resource tags, so a first pull also tags the new repository.
    """
    fill = [*PULL_ACTIONS, *CACHE_FILL_ACTIONS, *([TAG_ON_CREATE_ACTION] if tagged else [])]
    return [
        ([AUTH_TOKEN_ACTION], ["*"]),
        (fill, repository_arns(where, rules)),
    ]


def pull_through_statements(
    where: ArnParts, rules: Sequence[UpstreamRule], *, tagged: bool = False
) -> list[iam.PolicyStatement]:
    return [
        iam.PolicyStatement(actions=actions, resources=resources)
        for actions, resources in pull_through_grants(where, rules, tagged=tagged)
    ]


def _access_statements(
    where: ArnParts, access: AccessSettings, actions: Sequence[str], resources: Optional[list[str]], sid: str
) -> list[iam.PolicyStatement]:
    """One statement for the listed principals, one for the organization (principal * + PrincipalOrgID)."""
    statements = []
    if access.principals:
        statements.append(
            iam.PolicyStatement(
                sid=f"{sid}Principals",
                actions=list(actions),
                resources=resources,
                principals=[iam.ArnPrincipal(where.principal_arn(p)) for p in access.principals],
            )
        )
    if access.organization_id:
        statements.append(
            iam.PolicyStatement(
                sid=f"{sid}Organization",
                actions=list(actions),
                resources=resources,
                principals=[iam.AnyPrincipal()],
                conditions={"StringEquals": {"aws:PrincipalOrgID": access.organization_id}},
            )
        )
    return statements


def registry_policy_document(
    where: ArnParts, rules: Sequence[UpstreamRule], access: AccessSettings
) -> iam.PolicyDocument:
    """The registry permissions policy: others may fill the cache, under the rules' prefixes only."""
    return iam.PolicyDocument(
        statements=_access_statements(
            where, access, CACHE_FILL_ACTIONS, repository_arns(where, rules), "PullThroughCache"
        )
    )


def repository_policy_document(
    where: ArnParts, access: Optional[AccessSettings], read: Optional[ReadAccess] = None
) -> Optional[iam.PolicyDocument]:
    """The policy every cached repository gets (via its creation template): others may pull from it.

    Pulls across accounts need this; the registry policy only covers filling the cache. ``read`` adds
    principals and services (``omics.amazonaws.com``: the HealthOmics guide's repository policy) that
    pull only, without a registry policy. None when nobody is named.
    """
    statements = _access_statements(where, access, PULL_ACTIONS, None, "PullCachedImages") if access else []
    if read is not None and read.principals:
        statements.append(
            iam.PolicyStatement(
                sid="ReadCachedImagesPrincipals",
                actions=list(PULL_ACTIONS),
                principals=[iam.ArnPrincipal(where.principal_arn(p)) for p in read.principals],
            )
        )
    if read is not None and read.services:
        statements.append(
            iam.PolicyStatement(
                sid="ReadCachedImagesServices",
                actions=list(PULL_ACTIONS),
                principals=[iam.ServicePrincipal(s) for s in read.services],
            )
        )
    return iam.PolicyDocument(statements=statements) if statements else None


def ecr_upstream_arn(rule: UpstreamRule, partition: str) -> str:
    """The upstream registry's repositories this rule reads: ``repository/<upstream prefix>/*`` or ``*``."""
    match = v.ECR_URL_PATTERN.match(rule.upstream_url)
    if match is None:  # UpstreamRule already checked the URL; this guards misuse
        raise ValidationError(
            "registry_url",
            f"{rule.upstream_url!r} is not a private ECR registry host",
            "give '<account>.dkr.ecr.<region>.amazonaws.com'",
        )
    account, region = match.group(1), match.group(2)
    prefix = rule.upstream_prefix
    pattern = "*" if prefix in (None, "ROOT") else f"{prefix}/*"
    return f"arn:{partition}:ecr:{region}:{account}:repository/{pattern}"


def ecr_upstream_role_document(where: ArnParts, rule: UpstreamRule) -> iam.PolicyDocument:
    """What ECR needs to copy images from another private registry into this rule's repositories."""
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="ReadUpstream",
                actions=list(UPSTREAM_READ_ACTIONS),
                resources=[ecr_upstream_arn(rule, where.partition)],
            ),
            iam.PolicyStatement(
                sid="ImportIntoCache", actions=list(LOCAL_IMPORT_ACTIONS), resources=repository_arns(where, [rule])
            ),
            iam.PolicyStatement(sid="AuthorizationToken", actions=[AUTH_TOKEN_ACTION], resources=["*"]),
        ]
    )


def template_role_document(
    where: ArnParts, rules: Sequence[UpstreamRule], kms_key_arn: Optional[str | Sequence[str]]
) -> iam.PolicyDocument:
    """What ECR needs to create repositories with a KMS key or resource tags from the templates."""
    statements = [
        iam.PolicyStatement(
            sid="CreateCacheRepositories", actions=list(TEMPLATE_ACTIONS), resources=repository_arns(where, rules)
        )
    ]
    keys = [kms_key_arn] if isinstance(kms_key_arn, str) else list(kms_key_arn or [])
    if keys:
        statements.append(
            iam.PolicyStatement(sid="UseRepositoryKey", actions=list(TEMPLATE_KMS_ACTIONS), resources=keys)
        )
    return iam.PolicyDocument(statements=statements)


__all__ = [
    "ArnParts",
    "AUTH_TOKEN_ACTION",
    "CACHE_FILL_ACTIONS",
    "PULL_ACTIONS",
    "TAG_ON_CREATE_ACTION",
    "ecr_upstream_arn",
    "ecr_upstream_role_document",
    "pull_through_grants",
    "pull_through_statements",
    "registry_policy_document",
    "repository_arns",
    "repository_policy_document",
    "template_role_document",
]
