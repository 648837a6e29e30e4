"""IAM for the organization rollout, built from the cache's pure builders.

The hub: the cache's own ``access`` grants (``AccessSettings(organization_id=...)``) already let every
principal of the organization fill the cache prefixes (registry policy: ``ecr:BatchImportUpstreamImage``,
``ecr:CreateRepository``) and pull from the repositories the cache creates from then on (repository policy in
the creation templates). A spoke's ECR-to-ECR rule reads its upstream with ``ecr:BatchGetImage``,
``ecr:GetDownloadUrlForLayer`` and ``ecr:GetImageCopyStatus`` as well (ECR user guide, "Setting up
permissions for cross-account ECR to ECR PTC"): :func:`spoke_read_statement` grants those in the registry
policy, so repositories the hub cached before the organization was added are readable too. A registry
policy with actions other than the import and replication ones needs the registry's V2 policy scope
(ECR's default; ``aws ecr get-account-setting --name REGISTRY_POLICY_SCOPE``).

The spoke: one role that ECR's pull-through cache assumes, reading only the hub's prefixes and
importing only into the spoke's own. It may also fill the hub's prefixes (``ecr:CreateRepository``,
``ecr:BatchImportUpstreamImage``: the ECR guide's IAM page asks for them "if the repository storing the cached
images doesn't already exist", and a cross-account call needs the caller's own policy as well as the hub's
registry policy, which grants them to the organization). That is what a spoke's pull needs IF ECR pulls a
hub miss through the hub's own rule ("chaining"): the ECR guide does not document that; ``ecr-ptc org
verify`` finds out in a real organization, and miss forwarding fills the hub either way.
"""

from __future__ import annotations

from typing import Sequence

from aws_cdk import aws_iam as iam

from ecr_ptc.cache.policy import (
    AUTH_TOKEN_ACTION,
    CACHE_FILL_ACTIONS,
    LOCAL_IMPORT_ACTIONS,
    UPSTREAM_READ_ACTIONS,
    ArnParts,
    deny_statements,
    import_arns,
    repository_arns,
)
from ecr_ptc.cache.rules import UpstreamRule

# What an ECR-to-ECR rule asks of its upstream besides the cache-fill actions the access grants give, and
# ecr:DescribeImages: whether the hub holds an image, asked without pulling it (ecr-ptc doctor and org verify
# in a member account; a BatchGetImage on a cache repository would import from the upstream).
SPOKE_READ_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:GetImageCopyStatus", "ecr:DescribeImages")


def spoke_read_statement(hub: ArnParts, rules: Sequence[UpstreamRule], organization_id: str) -> iam.PolicyStatement:
    """The hub registry policy's statement for the spokes: principals of the organization may read the
    cache prefixes as an ECR-to-ECR upstream (the import actions come from the cache's ``access``)."""
    return iam.PolicyStatement(
        sid="OrganizationSpokesRead",
        actions=list(SPOKE_READ_ACTIONS),
        resources=repository_arns(hub, rules),
        principals=[iam.AnyPrincipal()],
        conditions={"StringEquals": {"aws:PrincipalOrgID": organization_id}},
    )


def spoke_role_document(spoke: ArnParts, hub: ArnParts, rules: Sequence[UpstreamRule]) -> iam.PolicyDocument:
    """What ECR needs to copy images from the hub into the spoke: read the hub's prefixes (the rules'
    upstream prefixes), fill them when the hub does not hold the image yet (chaining, undocumented),
    import under the spoke's own prefixes, get a registry token."""
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="ReadHub",
                actions=list(UPSTREAM_READ_ACTIONS),
                resources=[hub.repository_arn(_pattern(r.upstream_prefix)) for r in rules],
            ),
            iam.PolicyStatement(
                sid="FillHub",
                actions=list(CACHE_FILL_ACTIONS),
                resources=[hub.repository_arn(_pattern(r.upstream_prefix)) for r in rules],
            ),
            iam.PolicyStatement(
                sid="ImportIntoSpoke",
                actions=list(LOCAL_IMPORT_ACTIONS),
                resources=import_arns(spoke, rules),  # the allowed repositories, with allow lists
            ),
            iam.PolicyStatement(sid="AuthorizationToken", actions=[AUTH_TOKEN_ACTION], resources=["*"]),
            *deny_statements(spoke, rules),
        ]
    )


def _pattern(upstream_prefix: str | None) -> str:
    return "*" if upstream_prefix in (None, "ROOT") else f"{upstream_prefix}/*"


__all__ = ["SPOKE_READ_ACTIONS", "spoke_read_statement", "spoke_role_document"]
