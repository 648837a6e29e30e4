"""Typed cache rules: one factory per upstream registry, validated when they are made."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # type hints only: rules never start the CDK's jsii runtime
    from aws_cdk.aws_iam import IRole
    from aws_cdk.aws_secretsmanager import ISecret

from ecr_ptc import validation as v
from ecr_ptc.errors import ValidationError
from ecr_ptc_runtime import allow as allow_lists
from ecr_ptc_runtime.images import repository_pattern
from ecr_ptc_runtime.upstreams import ALIASES, UPSTREAMS, Auth, UpstreamInfo, suggest_upstream


def upstream_info(name: object, path: str = "upstream") -> UpstreamInfo:
    if not isinstance(name, str) or name not in UPSTREAMS:
        close = suggest_upstream(name) if isinstance(name, str) else None
        hint = f"did you mean {close!r}? " if close else ""
        raise ValidationError(path, f"unknown upstream {name!r}", f"{hint}use one of: {', '.join(UPSTREAMS)}")
    return UPSTREAMS[name]


@dataclass(frozen=True)
class UpstreamCredentials:
    """Where the upstream's user name and access token live (a Secrets Manager secret).

    Use one of the factories: ``from_secret_name``, ``from_secret_arn`` or ``create``.
    """

    secret_name: Optional[str] = None
    secret_arn: Optional[str] = None
    create: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.create, bool):  # a YAML 'no' or "false" must not create a secret
            raise ValidationError(
                "create",
                f"expected true or false, got {self.create!r}",
                "pass create=True, or use create_placeholder()",
                "write create: true (unquoted), or remove it",
            )
        given = [k for k in ("secret_name", "secret_arn") if getattr(self, k)] + (["create"] if self.create else [])
        if len(given) != 1:
            raise ValidationError(
                "",
                f"credentials need exactly one of secret_name, secret_arn or create (got {', '.join(given) or 'none'})",
                "use one factory: UpstreamCredentials.from_secret_name(...), from_secret_arn(...) "
                "or create_placeholder()",
                "give one: secretName: ecr-pullthroughcache/<name>, secretArn: <arn>, or create: true",
            )
        if self.secret_name is not None:
            v.check_secret_name(self.secret_name, "secret_name")
        if self.secret_arn is not None:
            v.check_secret_arn(self.secret_arn, "secret_arn")

    @classmethod
    def from_secret_name(cls, name: str) -> "UpstreamCredentials":
        """An existing secret; its complete ARN is read at deploy time."""
        return cls(secret_name=name)

    @classmethod
    def from_secret_arn(cls, arn: str) -> "UpstreamCredentials":
        """An existing secret by its complete ARN (with the 6-character suffix)."""
        return cls(secret_arn=arn)

    @classmethod
    def from_secret(cls, secret: "ISecret") -> "UpstreamCredentials":
        """A secret of this app (or imported by its complete ARN): its ``secret_full_arn``.

        :raises ValidationError: for a secret imported by name, whose complete ARN is not known.
        """
        arn = getattr(secret, "secret_full_arn", None)
        if not isinstance(arn, str):
            raise ValidationError(
                "secret",
                f"{secret!r} has no complete ARN (imported by name or partial ARN)",
                "use UpstreamCredentials.from_secret_name(name): its complete ARN is read at deploy time",
            )
        return cls(secret_arn=arn)

    @classmethod
    def create_placeholder(cls) -> "UpstreamCredentials":
        """A retained secret ``ecr-pullthroughcache/<prefix>`` with placeholder values to fill in."""
        return cls(create=True)


@dataclass(frozen=True, init=False)  # __init__ of its own: ``prefix`` is optional there, always set here
class UpstreamRule:
    """One pull-through cache rule. Prefer the factories, e.g. ``UpstreamRule.docker_hub(...)``.

    :param upstream: the upstream registry, one of ``ecr_ptc_runtime.upstreams.UPSTREAMS``.
    :param prefix: the repository prefix in this registry (default: the upstream's, e.g. ``ghcr``).
    :param upstream_prefix: the upstream namespace it maps to (default: none, i.e. ``ROOT``).
    :param registry_url: required for ``azure-container-registry`` and ``ecr``; fixed for the others.
    :param credentials: required for the upstreams that authenticate with a secret.
    :param role_arn: ``ecr`` only: the role ECR assumes (default: the construct creates one).
    :param allow: upstream repository patterns that may enter the cache, as the upstream names them
        (``library/*``; IAM wildcards ``*`` and ``?``; default: none, i.e. every repository). The import
        actions of every policy the stacks write name only these repositories under the prefix.
    :param deny: upstream repository patterns that may never enter (default: none): an explicit Deny.
    :raises ValidationError: for any of the above out of place or malformed.
    """

    upstream: str
    prefix: str  # always set: the given prefix, or the upstream's default
    upstream_prefix: Optional[str]
    registry_url: Optional[str]
    credentials: Optional[UpstreamCredentials]
    role_arn: Optional[str]
    allow: tuple[str, ...]
    deny: tuple[str, ...]

    def __init__(
        self,
        upstream: str,
        prefix: Optional[str] = None,
        upstream_prefix: Optional[str] = None,
        registry_url: Optional[str] = None,
        credentials: Optional[UpstreamCredentials] = None,
        role_arn: Optional[str] = None,
        allow: "tuple[str, ...] | list[str]" = (),
        deny: "tuple[str, ...] | list[str]" = (),
    ) -> None:
        info = upstream_info(upstream)
        checked = v.check_prefix(prefix if prefix is not None else info.default_prefix, "prefix")
        for name, value in (
            ("upstream", upstream),
            ("prefix", checked),
            ("upstream_prefix", upstream_prefix),
            ("registry_url", registry_url),
            ("credentials", credentials),
            ("role_arn", role_arn),
            ("allow", allow),
            ("deny", deny),
        ):
            object.__setattr__(self, name, value)
        self._check(info)
        self._check_lists()

    def _check_lists(self) -> None:
        for name in ("allow", "deny"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise ValidationError(
                    name,
                    f"expected a list of repository patterns, got {value!r}",
                    f"pass {name}=['library/*', ...]",
                    f"write {name} as a list, e.g. [library/*, bitnami/postgresql]",
                )
            for i, pattern in enumerate(value):
                problem = allow_lists.pattern_problem(pattern, self.upstream_prefix, self.upstream)
                if problem:
                    example = "library/*" if self.upstream == "docker-hub" else "prometheus/*"
                    raise ValidationError(
                        f"{name}[{i}]",
                        problem,
                        f"write the upstream repository path with '*' or '?' wildcards, e.g. {example!r}",
                    )
            object.__setattr__(self, name, tuple(dict.fromkeys(value)))

    def _check(self, info: UpstreamInfo) -> None:
        prefix = self.prefix
        if self.upstream_prefix is not None:
            object.__setattr__(
                self, "upstream_prefix", v.check_upstream_prefix(self.upstream_prefix, prefix, "upstream_prefix")
            )
        self._check_registry_url(info)
        self._check_credentials(info)
        if self.role_arn is not None:
            if info.auth is not Auth.ROLE:
                raise ValidationError(
                    "role_arn",
                    f"a role is only used by the 'ecr' upstream, not {self.upstream!r}",
                    "leave role_arn out",
                )
            v.check_role_arn(self.role_arn, "role_arn")

    def _check_registry_url(self, info: UpstreamInfo) -> None:
        if info.url is None:
            if self.registry_url is None:
                example = info.url_shape.example if info.url_shape else "<registry host>"
                raise ValidationError(
                    "registry_url",
                    f"the {info.name!r} upstream needs a registry URL",
                    f"pass registry_url={example!r}",
                    f"add registryUrl, e.g. {example}",
                )
            object.__setattr__(self, "registry_url", v.check_registry_url(info.name, self.registry_url, "registry_url"))
        elif self.registry_url is not None and self.registry_url != info.url:
            raise ValidationError(
                "registry_url", f"the {info.name!r} upstream is always {info.url}", "leave registry_url out"
            )

    def _check_credentials(self, info: UpstreamInfo) -> None:
        if info.auth is Auth.SECRET and self.credentials is None:
            raise ValidationError(
                "credentials",
                f"the {info.name!r} upstream needs credentials",
                "pass credentials=UpstreamCredentials.from_secret_name('ecr-pullthroughcache/<name>'), "
                "from_secret_arn(...) or create_placeholder()",
                "add credentials: {secretName: ecr-pullthroughcache/<name>}, {secretArn: <arn>} or {create: true}",
            )
        if info.auth is not Auth.SECRET and self.credentials is not None:
            how = "it uses an IAM role (roleArn)" if info.auth is Auth.ROLE else "it is public"
            raise ValidationError(
                "credentials", f"the {info.name!r} upstream takes no credentials: {how}", "leave credentials out"
            )

    # --- derived values -------------------------------------------------------------------
    def location_errors(self, region: Optional[str], account: Optional[str]) -> list[ValidationError]:
        """What cannot work once the rule is deployed in ``region``/``account`` (None: not known), as
        complete errors (paths relative to the rule); the construct and the config loader both call this.

        A literal ``secretArn`` must be of the rule's own account and Region (ECR reads secrets there only);
        an ``ecr`` rule's ``role_arn`` must be a role of the registry's own account (the ECR user guide,
        "Creating a pull through cache rule" for an ECR upstream: the role is in the downstream account)."""
        errors = []
        arn = self.credentials.secret_arn if self.credentials else None
        problem = v.secret_arn_location_problem(arn, region, account) if arn else None
        if problem:
            errors.append(
                ValidationError(
                    "credentials.secret_arn",
                    problem,
                    "use UpstreamCredentials.from_secret_name(name): it is read in the stack's own account and "
                    "Region at deploy time",
                    "use secretName: ecr-pullthroughcache/<name> (read in each stack's own account and Region at "
                    "deploy time, so each environment needs a secret of that name), or keep one environment, "
                    "the secret's",
                )
            )
        role_account = v.region_of_arn(self.role_arn)[1] if self.role_arn and not v.is_token(self.role_arn) else None
        if role_account and account and role_account != account:
            errors.append(
                ValidationError(
                    "role_arn",
                    f"the role belongs to account {role_account}, the registry to {account}: ECR assumes a "
                    "CustomRoleArn of the registry's own account only",
                    f"give a role of account {account} (trusted by pullthroughcache.ecr.amazonaws.com), or leave "
                    "role_arn out (the construct creates one)",
                    f"give a role of account {account}, or leave roleArn out (the stack creates one)",
                )
            )
        return errors

    @property
    def info(self) -> UpstreamInfo:
        return UPSTREAMS[self.upstream]

    @property
    def upstream_url(self) -> str:
        url = self.registry_url or self.info.url
        assert url is not None  # checked at construction: the upstreams without a fixed URL require one
        return url

    @property
    def repository_pattern(self) -> str:
        """The repository-name pattern (for IAM ARNs) of what this rule creates."""
        return repository_pattern(self.prefix)

    @property
    def restricted(self) -> bool:
        """Whether ``allow`` or ``deny`` limits what enters the cache through this rule."""
        return bool(self.allow or self.deny)

    @property
    def import_patterns(self) -> list[str]:
        """The cache repository-name patterns the import actions name: the allowed ones, else the prefix's."""
        if not self.allow:
            return [self.repository_pattern]
        return [allow_lists.cache_pattern(self.prefix, self.upstream_prefix, p) for p in self.allow]

    @property
    def deny_patterns(self) -> list[str]:
        """The cache repository-name patterns of ``deny`` (an explicit Deny of the import actions)."""
        return [allow_lists.cache_pattern(self.prefix, self.upstream_prefix, p) for p in self.deny]

    def refusal(self, upstream_path: str) -> Optional[allow_lists.Refusal]:
        """Why ``upstream_path`` (as the upstream names it) may not enter through this rule, or None."""
        return allow_lists.refusal(self.prefix, self.allow, self.deny, upstream_path)

    def example_repository(self) -> str:
        image = self.info.example_image
        return image if self.prefix == "ROOT" else f"{self.prefix}/{image}"

    # --- factories, one per upstream ------------------------------------------------------
    @classmethod
    def of(cls, upstream: str, **kwargs: Any) -> "UpstreamRule":
        return cls(upstream=upstream, **kwargs)

    @classmethod
    def ecr_public(cls, *, prefix: Optional[str] = None, upstream_prefix: Optional[str] = None) -> "UpstreamRule":
        return cls("ecr-public", prefix=prefix, upstream_prefix=upstream_prefix)

    @classmethod
    def k8s(cls, *, prefix: Optional[str] = None, upstream_prefix: Optional[str] = None) -> "UpstreamRule":
        return cls("k8s", prefix=prefix, upstream_prefix=upstream_prefix)

    @classmethod
    def quay(cls, *, prefix: Optional[str] = None, upstream_prefix: Optional[str] = None) -> "UpstreamRule":
        return cls("quay", prefix=prefix, upstream_prefix=upstream_prefix)

    @classmethod
    def docker_hub(
        cls, credentials: UpstreamCredentials, *, prefix: Optional[str] = None, upstream_prefix: Optional[str] = None
    ) -> "UpstreamRule":
        return cls("docker-hub", prefix=prefix, upstream_prefix=upstream_prefix, credentials=credentials)

    @classmethod
    def github_container_registry(
        cls, credentials: UpstreamCredentials, *, prefix: Optional[str] = None, upstream_prefix: Optional[str] = None
    ) -> "UpstreamRule":
        return cls("github-container-registry", prefix=prefix, upstream_prefix=upstream_prefix, credentials=credentials)

    @classmethod
    def gitlab_container_registry(
        cls, credentials: UpstreamCredentials, *, prefix: Optional[str] = None, upstream_prefix: Optional[str] = None
    ) -> "UpstreamRule":
        return cls("gitlab-container-registry", prefix=prefix, upstream_prefix=upstream_prefix, credentials=credentials)

    @classmethod
    def azure_container_registry(
        cls,
        registry_url: str,
        credentials: UpstreamCredentials,
        *,
        prefix: Optional[str] = None,
        upstream_prefix: Optional[str] = None,
    ) -> "UpstreamRule":
        return cls(
            "azure-container-registry",
            prefix=prefix,
            upstream_prefix=upstream_prefix,
            registry_url=registry_url,
            credentials=credentials,
        )

    @classmethod
    def chainguard(
        cls, credentials: UpstreamCredentials, *, prefix: Optional[str] = None, upstream_prefix: Optional[str] = None
    ) -> "UpstreamRule":
        return cls("chainguard", prefix=prefix, upstream_prefix=upstream_prefix, credentials=credentials)

    @classmethod
    def ecr(
        cls,
        registry_url: str,
        *,
        role_arn: Optional[str] = None,
        role: Optional["IRole"] = None,
        prefix: Optional[str] = None,
        upstream_prefix: Optional[str] = None,
    ) -> "UpstreamRule":
        """Another private ECR registry (cross-account or cross-Region).

        :param registry_url: ``<account>.dkr.ecr.<region>.amazonaws.com``.
        :param role_arn: the role ECR assumes to read it (default: the construct creates one).
        :param role: the same as an ``IRole`` of this app (its ``role_arn``); not with ``role_arn``.
        """
        if role is not None:
            if role_arn is not None:
                raise ValidationError("role", "both role and role_arn given", "pass one of them")
            role_arn = v.arn_of(role, "role_arn", "role", "an IRole")
        return cls("ecr", prefix=prefix, upstream_prefix=upstream_prefix, registry_url=registry_url, role_arn=role_arn)

    def with_prefix(self, prefix: str) -> "UpstreamRule":
        return dataclasses.replace(self, prefix=prefix)

    def restrict(
        self, *, allow: "tuple[str, ...] | list[str]" = (), deny: "tuple[str, ...] | list[str]" = ()
    ) -> "UpstreamRule":
        """This rule with ``allow`` and ``deny`` lists (see the class): ``UpstreamRule.docker_hub(creds).restrict(
        allow=['library/*'])``."""
        return dataclasses.replace(self, allow=tuple(allow), deny=tuple(deny))


def _nests(outer: str, inner: str) -> bool:
    return outer == "ROOT" or inner.startswith(outer + "/")


def check_lists_apart(rules: list[Optional[UpstreamRule]], path: str = "rules") -> None:
    """A rule with ``allow`` or ``deny`` may not nest with another rule's prefix (``ROOT`` beside others,
    ``ecr`` with ``ecr/team``): repository ARN patterns cannot tell the two rules' repositories apart, so
    the outer rule's grant would let in what the inner one's lists keep out."""
    for i, rule in enumerate(rules):
        if rule is None or not rule.restricted:
            continue
        for j, other in enumerate(rules):
            if other is None or i == j:
                continue
            if _nests(rule.prefix, other.prefix) or _nests(other.prefix, rule.prefix):
                which = "allow" if rule.allow else "deny"
                v.fail(
                    f"{path}[{i}].{which}",
                    f"the prefix {rule.prefix!r} nests with {path}[{j}]'s {other.prefix!r}: IAM repository patterns "
                    "cannot tell their repositories apart, so one rule's grant would let in what the other's "
                    "lists keep out",
                    "give the rules prefixes that do not contain each other (no ROOT beside other rules), or drop "
                    "the lists",
                )


def check_purge(rules: list[UpstreamRule], purge: bool) -> None:
    """``delete_on_stack_delete`` never purges under ``ROOT``: its repositories are all the registry's."""
    if purge and any(r.prefix == "ROOT" for r in rules):
        raise ValidationError(
            "repositories.delete_on_stack_delete",
            "a ROOT rule's repositories cannot be told from the registry's other repositories, so they are "
            "never purged on stack delete",
            "give the rule a prefix, or leave delete_on_stack_delete false",
            "give the rule a prefix, or leave repositories.deleteOnStackDelete false",
        )


def check_rules(rules: list[UpstreamRule], path: str = "rules") -> None:
    """Checks across rules: count, unique prefixes, and allow/deny lists apart from other prefixes."""
    v.check_rule_count(len(rules), path)
    v.check_unique_prefixes([r.prefix for r in rules], path)
    check_lists_apart(list(rules), path)


__all__ = [
    "ALIASES",
    "Auth",
    "UPSTREAMS",
    "UpstreamCredentials",
    "UpstreamInfo",
    "UpstreamRule",
    "check_lists_apart",
    "check_purge",
    "check_rules",
    "suggest_upstream",
    "upstream_info",
]
