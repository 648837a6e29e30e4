"""What every pull-through cache offers other constructs, deployed here or imported from elsewhere."""

from __future__ import annotations

from typing import Optional, Protocol, Sequence, Union, runtime_checkable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from constructs import Construct, IConstruct
from ecr_ptc.cache.policy import ArnParts, deny_statements, import_arns, pull_through_grants, repository_arns
from ecr_ptc.cache.rules import UpstreamRule, check_rules
from ecr_ptc.cache.settings import RepositorySettings
from ecr_ptc.errors import ValidationError
from ecr_ptc.nag import acknowledge, printed, wildcard_finding
from ecr_ptc_runtime.images import image_uri

PULL_THROUGH_REASON = (
    "first pulls create repositories under the cache's prefixes, so their names are not "
    "known in advance; the wildcard stays inside one prefix"
)

ALLOW_LIST_REASON = (
    "an allow-list pattern of the rule (rules[].allow): the import actions name only the upstream repositories "
    "the list lets in, under the rule's prefix"
)


@runtime_checkable
class IPullThroughCache(Protocol):
    """A pull-through cache other constructs can use: grant pulls, build image URIs, warm it.

    Implemented by :class:`~ecr_ptc.cache.pull_through_cache.PullThroughCache` and by what
    ``PullThroughCache.from_attributes`` returns for a cache another stack or app deployed.
    """

    @property
    def rules(self) -> Sequence[UpstreamRule]: ...

    @property
    def prefixes(self) -> tuple[str, ...]: ...

    @property
    def registry_uri(self) -> str: ...

    @property
    def repository_arns(self) -> list[str]: ...

    def grant_pull_through(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def rule_for(self, rule_or_prefix: Union[UpstreamRule, str]) -> UpstreamRule: ...

    def image_uri(
        self,
        rule_or_prefix: Union[UpstreamRule, str],
        repository: str,
        tag: str = "latest",
        *,
        digest: Optional[str] = None,
    ) -> str: ...


class PullThroughCacheBase(Construct):
    """The behaviour :class:`IPullThroughCache` promises, from the rules and where the registry is.

    :param rules: the cache's rules (checked: 1 to 50, distinct prefixes).
    :param repositories: the settings of its creation templates (default: none); with tags, a
        first pull also needs ``ecr:TagResource``, so grants include it.
    :param account: the registry's account (default: the stack's).
    :param region: the registry's Region (default: the stack's).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        rules: Sequence[UpstreamRule],
        repositories: Optional[RepositorySettings] = None,
        account: Optional[str] = None,
        region: Optional[str] = None,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        account, region = account or stack.account, region or stack.region
        self._rules: tuple[UpstreamRule, ...] = tuple(rules)
        self.repositories: RepositorySettings = repositories or RepositorySettings()
        # per-prefix settings that differ from ``repositories`` (PullThroughCache's prefix_repositories)
        self.prefix_repositories: dict[str, RepositorySettings] = {}
        self._where = ArnParts(stack.partition, region, account)
        self._registry_uri = f"{account}.dkr.ecr.{region}.{stack.url_suffix}"

    def settings_for(self, prefix: str) -> RepositorySettings:
        """The repository settings of the template for ``prefix``: its own, else the default."""
        return self.prefix_repositories.get(prefix, self.repositories)

    @property
    def tagged(self) -> bool:
        """Whether any template adds resource tags (a first pull then also needs ``ecr:TagResource``)."""
        return any(self.settings_for(r.prefix).tags for r in self._rules)

    @property
    def rules(self) -> tuple[UpstreamRule, ...]:
        return self._rules

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(r.prefix for r in self._rules)

    @property
    def registry_uri(self) -> str:
        """``<account>.dkr.ecr.<region>.amazonaws.com`` (tokens in an environment-agnostic stack)."""
        return self._registry_uri

    @property
    def repository_arns(self) -> list[str]:
        """``repository/<prefix>/*`` per rule (``repository/*`` for ROOT): what the cache creates."""
        return repository_arns(self._where, self._rules)

    def grant_pull_through(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` pull through the cache, first pulls included (the consumer policy's statements).

        When the grantee is a construct (a Role, a Function...), the cdk-nag findings for the
        ``repository/<prefix>/*`` resources are acknowledged on it. The ``ecr:GetAuthorizationToken``
        statement still shows as ``AwsSolutions-IAM5[Resource::*]``: acknowledge it on the grantee if
        nothing else there uses ``*``.

        :param grantee: a role, user, function or anything else ``IGrantable``.
        :returns: the combined grant.
        """
        grant: Optional[iam.Grant] = None
        for actions, resources in pull_through_grants(self._where, self._rules, tagged=self.tagged):
            part = iam.Grant.add_to_principal(grantee=grantee, actions=actions, resource_arns=resources)
            grant = part if grant is None else grant.combine(part)
        assert grant is not None  # pull_through_grants always has two parts
        for statement in deny_statements(self._where, self._rules):  # the rules' deny lists
            grantee.grant_principal.add_to_principal_policy(statement)
        if isinstance(grantee, Construct):
            self._acknowledge_pull_through(grantee)
        return grant

    def rule_for(self, rule_or_prefix: Union[UpstreamRule, str]) -> UpstreamRule:
        """The rule with that prefix.

        :raises ValidationError: when no rule of this cache has it.
        """
        prefix = rule_or_prefix.prefix if isinstance(rule_or_prefix, UpstreamRule) else rule_or_prefix
        for rule in self._rules:
            if rule.prefix == prefix:
                return rule
        raise ValidationError(
            "rule_or_prefix",
            f"no rule of this cache has the prefix {prefix!r}",
            f"use one of: {', '.join(self.prefixes)}",
        )

    def image_uri(
        self,
        rule_or_prefix: Union[UpstreamRule, str],
        repository: str,
        tag: str = "latest",
        *,
        digest: Optional[str] = None,
    ) -> str:
        """``<registry>/<prefix>/<repository>:<tag>``, or ``...@<digest>`` when a digest is given.

        :param rule_or_prefix: a rule of this cache, or its prefix.
        :param repository: the upstream repository, e.g. ``library/nginx``.
        :param tag: default ``latest``; a ``sha256:`` value counts as a digest.
        :param digest: pin by digest (a token such as ``CacheWarmer.digest()`` must come this way).
        :raises ValidationError: when no rule of this cache has the prefix.
        """
        rule = self.rule_for(rule_or_prefix)
        return image_uri(self.registry_uri, rule.prefix, repository, tag, digest=digest)

    def example_pull_command(self, rule_or_prefix: Union[UpstreamRule, str]) -> str:
        """``docker pull <registry>/<prefix>/<an example repository of the upstream>``."""
        rule = self.rule_for(rule_or_prefix)
        return f"docker pull {self.registry_uri}/{rule.example_repository()}"

    def smoke_test_images(self) -> list[str]:
        """Full URIs of one known image per rule, for a pull test (rules whose upstream has no public
        example image, such as GHCR or another ECR registry, are left out)."""
        return [
            self.image_uri(r, *r.info.example_image.rsplit(":", 1))
            for r in self._rules
            if "<" not in r.info.example_image
        ]

    # --- nag acknowledgments ---------------------------------------------------------------------
    def _acknowledge_pull_through(self, scope: IConstruct) -> None:
        self._acknowledge_prefix_wildcards(scope, PULL_THROUGH_REASON)

    def _acknowledge_prefix_wildcards(
        self, scope: IConstruct, reason: str, rules: Optional[Sequence[UpstreamRule]] = None
    ) -> None:
        rules = rules if rules is not None else self._rules
        for arn in repository_arns(self._where, rules):
            acknowledge(scope, wildcard_finding(printed(self, arn)), reason)
        for arn in import_arns(self._where, rules):  # allow patterns: repositories named by the list
            if "*" in arn and arn not in repository_arns(self._where, rules):
                acknowledge(scope, wildcard_finding(printed(self, arn)), ALLOW_LIST_REASON)


class ImportedPullThroughCache(PullThroughCacheBase):
    """A cache deployed by another stack or app: creates nothing, grants and names like the real one."""


def import_cache(
    scope: Construct,
    id: str,
    *,
    rules: Sequence[UpstreamRule],
    repositories: Optional[RepositorySettings] = None,
    account: Optional[str] = None,
    region: Optional[str] = None,
) -> ImportedPullThroughCache:
    rules = list(rules)
    if not rules or not all(isinstance(r, UpstreamRule) for r in rules):
        raise ValidationError(
            "rules",
            f"expected a list of UpstreamRule, got {rules!r}",
            "pass the rules the cache was deployed with, e.g. [UpstreamRule.ecr_public()]",
        )
    check_rules(rules)
    if repositories is not None and not isinstance(repositories, RepositorySettings):
        raise ValidationError(
            "repositories",
            f"expected RepositorySettings, got {repositories!r}",
            "pass the RepositorySettings the cache was deployed with, or leave it out",
        )
    return ImportedPullThroughCache(scope, id, rules=rules, repositories=repositories, account=account, region=region)


__all__ = [
    "IPullThroughCache",
    "ImportedPullThroughCache",
    "PULL_THROUGH_REASON",
    "PullThroughCacheBase",
    "import_cache",
]
