"""Typed settings for what the cache creates (repository templates) and who may use it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union

if TYPE_CHECKING:  # type hints only: settings never start the CDK's jsii runtime
    from aws_cdk.aws_kms import IKey

from ecr_ptc import validation as v
from ecr_ptc.cache import lifecycle
from ecr_ptc.cache.lifecycle import LifecycleRule
from ecr_ptc.errors import ValidationError


class TagMutability(Enum):
    MUTABLE = "MUTABLE"
    IMMUTABLE = "IMMUTABLE"
    IMMUTABLE_WITH_EXCLUSION = "IMMUTABLE_WITH_EXCLUSION"  # immutable, but the excluded tags move
    MUTABLE_WITH_EXCLUSION = "MUTABLE_WITH_EXCLUSION"  # mutable, but the excluded tags are fixed


class ScanOnPush(Enum):
    OFF = "off"
    BASIC = "basic"
    ENHANCED = "enhanced"


# ECR user guide, "Archiving an image": archived images have a minimum storage duration of 90 days, and
# lifecycle policies cannot delete images that have been in the archive for less.
MIN_ARCHIVE_DAYS = 90

IMMUTABLE_WARNING = (
    "tagMutability IMMUTABLE stops the cache from refreshing tags such as 'latest' from the upstream; "
    "use it only for caches of pinned, never-moving tags, or use IMMUTABLE_WITH_EXCLUSION with "
    "tagMutabilityExclusions such as [latest, 'stable*'] to keep those moving"
)


E = TypeVar("E", bound=Enum)


def enum_value(enum: type[E], value: object, path: str) -> E:
    if isinstance(value, enum):
        return value
    for member in enum:  # accept the value in any case: 'MUTABLE', 'mutable'
        if isinstance(value, str) and value.lower() == str(member.value).lower():
            return member
    choices = ", ".join(str(m.value) for m in enum)
    raise ValidationError(path, f"{value!r} is not one of {choices}", f"use one of: {choices}")


def _scan_on_push(value: object) -> ScanOnPush:
    # YAML 1.1 reads an unquoted off/no as false and on/yes as true.
    if value is False:
        return ScanOnPush.OFF
    if value is True:
        raise ValidationError(
            "scan_on_push",
            "true names no scan type (YAML reads an unquoted on, yes or true as true)",
            "pass ScanOnPush.BASIC or ScanOnPush.ENHANCED",
            "write scanOnPush: basic or scanOnPush: enhanced (or off)",
        )
    return enum_value(ScanOnPush, value, "scan_on_push")


@dataclass(frozen=True)
class Encryption:
    """How cached repositories are encrypted: ``Encryption.aes256()`` or ``Encryption.kms(key_arn)``."""

    kms_key_arn: Optional[str] = None

    def __post_init__(self) -> None:
        if self.kms_key_arn is not None:
            v.check_kms_key_arn(self.kms_key_arn, "kms_key_arn")

    @classmethod
    def aes256(cls) -> "Encryption":
        return cls()

    @classmethod
    def kms(cls, key: Union[str, "IKey"]) -> "Encryption":
        """Encrypt with a KMS key of the cache's Region: its ARN, or an ``IKey`` (its ``key_arn``)."""
        return cls(kms_key_arn=v.arn_of(key, "key_arn", "kms_key_arn", "an IKey"))

    @property
    def encryption_type(self) -> str:
        return "KMS" if self.kms_key_arn else "AES256"


@dataclass(frozen=True)
class RepositorySettings:
    """What every repository the cache creates gets (a repository creation template per rule prefix).

    Defaults match ECR without a template: mutable tags, AES256, no lifecycle policy, no scanning.

    Usage-based cleanup (ECR user guide, "Automate the cleanup of images by using lifecycle policies"):
    ``archive_unpulled_after_days`` moves images nobody pulled for that many days (1-3650) to the archive
    storage class; ``delete_archived_after_days`` (90-3650, ECR's minimum archive duration) then deletes
    them. ECR can count days since the last pull only to archive (``sinceImagePulled`` takes the
    ``transition`` action, never ``expire``), and an archived image cannot be pulled until it is restored.
    Left out (None): no such rule. ``expire_unpulled_after_days`` exists only to refuse that name with
    this explanation.
    """

    tag_mutability: TagMutability = TagMutability.MUTABLE
    # 1-5 wildcard filters for the *_WITH_EXCLUSION mutabilities (default: none)
    tag_mutability_exclusions: tuple[str, ...] = ()
    # ordered rules that select tags (default: none); after them the shortcuts, 'any' rules last
    lifecycle_rules: tuple[LifecycleRule, ...] = ()
    # a lifecycle policy JSON file used as it is, instead of every lifecycle key (default: none)
    lifecycle_policy_file: Optional[str] = None
    # principals and services that may pull what the cache creates (default: none)
    read_access: Optional[ReadAccess] = None
    expire_untagged_after_days: Optional[int] = None
    keep_last_images: Optional[int] = None
    encryption: Encryption = field(default_factory=Encryption.aes256)
    tags: dict[str, str] = field(default_factory=dict)
    scan_on_push: ScanOnPush = ScanOnPush.OFF
    archive_unpulled_after_days: Optional[int] = None
    delete_archived_after_days: Optional[int] = None
    expire_unpulled_after_days: Optional[int] = None
    # delete every repository under the cache's prefixes, images included, when the stack is deleted
    # (default False: they outlive the stack); not under a ROOT rule, not in an organization's spokes
    delete_on_stack_delete: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.delete_on_stack_delete, bool):  # a YAML 'no' or "false" must not purge
            raise ValidationError(
                "delete_on_stack_delete",
                f"expected true or false, got {self.delete_on_stack_delete!r}",
                "pass True or False",
                "write deleteOnStackDelete: true or false (unquoted)",
            )
        object.__setattr__(self, "tag_mutability", enum_value(TagMutability, self.tag_mutability, "tag_mutability"))
        self._check_exclusions_and_rules()
        object.__setattr__(self, "scan_on_push", _scan_on_push(self.scan_on_push))
        if self.expire_untagged_after_days is not None:
            v.check_positive_int(self.expire_untagged_after_days, "expire_untagged_after_days", maximum=3650)
        if self.keep_last_images is not None:
            v.check_positive_int(self.keep_last_images, "keep_last_images", maximum=10000)
        if not isinstance(self.encryption, Encryption):
            raise ValidationError(
                "encryption",
                f"{self.encryption!r} is not an encryption setting",
                "pass Encryption.aes256() or Encryption.kms(key_arn)",
                "use AES256 or {kmsKeyArn: <key arn>}",
            )
        self.check_lifecycle()
        object.__setattr__(self, "tags", v.check_tags(self.tags, "tags"))
        self._check_usage_rules()

    def _check_usage_rules(self) -> None:
        """The pull-time lifecycle keys: ranges, and the combinations ECR would refuse or never act on."""
        if self.expire_unpulled_after_days is not None:
            raise ValidationError(
                "expire_unpulled_after_days",
                "ECR lifecycle rules cannot expire images by days since their last pull: a sinceImagePulled "
                "rule can only move them to the archive storage class",
                f"use archive_unpulled_after_days={self.expire_unpulled_after_days!r} (and "
                "delete_archived_after_days, 90 or more, to delete them from the archive)",
                f"write archiveUnpulledAfterDays: {self.expire_unpulled_after_days!r} (and deleteArchivedAfterDays: "
                "90 or more to delete them from the archive); README: usage-based expiry",
            )
        archive, delete = self.archive_unpulled_after_days, self.delete_archived_after_days
        if archive is not None:
            v.check_positive_int(archive, "archive_unpulled_after_days", maximum=3650)
        if delete is not None:
            v.check_positive_int(delete, "delete_archived_after_days", maximum=3650)
            if delete < MIN_ARCHIVE_DAYS:
                raise ValidationError(
                    "delete_archived_after_days",
                    f"{delete} days is less than the {MIN_ARCHIVE_DAYS} days ECR keeps (and bills) an archived image "
                    "at least; ECR refuses a lifecycle rule that deletes archived images sooner",
                    f"give {MIN_ARCHIVE_DAYS} to 3650",
                )
            if archive is None:
                raise ValidationError(
                    "delete_archived_after_days",
                    "nothing is archived: there is no archive_unpulled_after_days rule",
                    "set archive_unpulled_after_days too, or leave delete_archived_after_days out",
                )
        if archive is None:
            return
        # ECR user guide, lifecycle policy evaluation rules: "Only one rule selecting a specific storage class
        # is allowed to select untagged images", and "an image that matches the tagging requirements of a
        # rule cannot be expired or archived by a rule with a lower priority".
        if self.expire_untagged_after_days is not None:
            raise ValidationError(
                "archive_unpulled_after_days",
                "cannot be combined with expire_untagged_after_days: the archive has a rule for untagged images "
                "too (so a multi-platform image's untagged platform manifests follow their index), and ECR allows "
                "one tagStatus untagged rule per storage class",
                "leave expire_untagged_after_days out (untagged images nobody pulls are archived as well), or "
                "leave archive_unpulled_after_days out",
            )
        if self.keep_last_images is not None:
            raise ValidationError(
                "archive_unpulled_after_days",
                "cannot be combined with keep_last_images: that rule selects every tagged image, and ECR never "
                "archives an image through a lower-priority rule once a higher one selects it, so nothing tagged "
                "would ever be archived",
                "choose one: keep_last_images (a count) or archive_unpulled_after_days (days since the last pull)",
            )

    @property
    def archives_by_pull(self) -> bool:
        """Whether a lifecycle rule counts days since the last pull (``archive_unpulled_after_days``, or a
        ``sinceImagePulled`` rule of a policy file), so that warming must not count as a pull."""
        policy = self.lifecycle_policy_text()
        rules = json.loads(policy)["rules"] if policy else []
        return any(rule.get("selection", {}).get("countType") == "sinceImagePulled" for rule in rules)

    @property
    def warnings(self) -> list[str]:
        return [IMMUTABLE_WARNING] if self.tag_mutability is TagMutability.IMMUTABLE else []

    def lifecycle_policy_text(self) -> Optional[str]:
        """What the creation templates get: the policy file as it is, or ``lifecycle_rules`` then the
        shortcut rules of :meth:`lifecycle_policy`, every ``tagStatus: any`` rule last (checked as ECR
        documents the rules)."""
        if self.lifecycle_policy_file is not None:
            return str(self.__dict__["_policy_file_text"])  # read and checked in __post_init__
        return lifecycle.compose(self.lifecycle_policy(), self.lifecycle_rules)

    def _check_exclusions_and_rules(self) -> None:
        with_exclusion = self.tag_mutability.value.endswith("_WITH_EXCLUSION")
        filters = self.tag_mutability_exclusions
        if filters or with_exclusion:
            if not with_exclusion:
                raise ValidationError(
                    "tag_mutability_exclusions",
                    f"exclusions apply to IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not {self.tag_mutability.value}",
                    "set tag_mutability to IMMUTABLE_WITH_EXCLUSION (or MUTABLE_WITH_EXCLUSION), or drop the exclusions",
                )
            if isinstance(filters, str) or not isinstance(filters, (list, tuple)) or not 1 <= len(filters) <= 5:
                raise ValidationError(
                    "tag_mutability_exclusions",
                    f"{self.tag_mutability.value} needs 1 to 5 wildcard filters, got {filters!r}",
                    "give a list such as ['latest', 'stable*'] (ECR allows 1 to 5)",
                )
            for i, item in enumerate(filters):
                if not isinstance(item, str) or not EXCLUSION_FILTER.match(item):
                    raise ValidationError(
                        f"tag_mutability_exclusions[{i}]",
                        f"{item!r} is not a tag filter",
                        "use 1-128 letters, digits, '.', '_', '-' and '*' wildcards",
                    )
            object.__setattr__(self, "tag_mutability_exclusions", tuple(filters))
        rules = self.lifecycle_rules
        if isinstance(rules, (str, dict)) or not isinstance(rules, (list, tuple)):
            raise ValidationError("lifecycle_rules", f"expected a list of rules, got {rules!r}", "write a list")
        for i, rule in enumerate(rules):
            if not isinstance(rule, lifecycle.LifecycleRule):
                raise ValidationError(
                    f"lifecycle_rules[{i}]", f"expected a LifecycleRule, got {rule!r}", "use LifecycleRule(...)"
                )
        object.__setattr__(self, "lifecycle_rules", tuple(rules))
        if self.read_access is not None and not isinstance(self.read_access, ReadAccess):
            raise ValidationError(
                "read_access", f"expected ReadAccess, got {self.read_access!r}", "use ReadAccess(...)"
            )

    def check_lifecycle(self) -> None:
        """The composed lifecycle policy as ECR documents the rules (after the lifecycle keys' own checks)."""
        getattr(self, "_check_usage_rules", lambda: None)()  # the pull-time keys' own, clearer messages first
        if self.lifecycle_policy_file is None:
            self.lifecycle_policy_text()
            return
        others = [
            name
            for name in (
                "expire_untagged_after_days",
                "keep_last_images",
                "archive_unpulled_after_days",
                "delete_archived_after_days",
            )
            if getattr(self, name, None) is not None
        ] + (["lifecycle_rules"] if self.lifecycle_rules else [])
        if others:
            raise ValidationError(
                "lifecycle_policy_file",
                f"a lifecycle policy file replaces every lifecycle setting, and {', '.join(others)} is given too",
                "put those rules in the file, or leave lifecycle_policy_file out",
            )
        v.check_type(self.lifecycle_policy_file, str, "lifecycle_policy_file", "a file path")
        object.__setattr__(
            self, "_policy_file_text", lifecycle.load_policy_file(self.lifecycle_policy_file, "lifecycle_policy_file")
        )

    def key_location(
        self, region: Optional[str], account: Optional[str]
    ) -> tuple[Optional[ValidationError], Optional[str]]:
        """(error, warning) for the KMS key in ``region``/``account`` (None: not known): a key of another
        Region cannot encrypt a repository; one of another account needs its key policy to allow it. The
        construct and the config loader both call this."""
        key = self.encryption.kms_key_arn
        if not key:
            return None, None
        problem, warning = v.kms_key_location_problems(key, region, account)
        error = (
            ValidationError(
                "encryption.kms_key_arn",
                problem,
                f"use a key of {region}, or deploy the cache to {v.region_of_arn(key)[0]}",
            )
            if problem
            else None
        )
        return error, warning

    @property
    def needs_template_role(self) -> bool:
        """ECR needs a custom role to apply KMS keys or tags to the repositories it creates."""
        return bool(self.encryption.kms_key_arn or self.tags)

    def lifecycle_policy(self) -> Optional[str]:
        """The lifecycle policy JSON, or None when no lifecycle setting is given.

        Safe for multi-platform images (ECR user guide, "Lifecycle policy evaluation rules"): an image
        referenced by a manifest list cannot be expired before the list, so the untagged rule never
        breaks a cached tag; and the count rule selects tagged images only, because ``tagStatus: any``
        counts every platform and attestation manifest as an image of its own."""
        rules: list[dict[str, Any]] = []
        if self.expire_untagged_after_days is not None:
            rules.append(
                {
                    "rulePriority": len(rules) + 1,
                    "description": f"Expire untagged images after {self.expire_untagged_after_days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": self.expire_untagged_after_days,
                    },
                    "action": {"type": "expire"},
                }
            )
        if self.keep_last_images is not None:
            rules.append(
                {
                    "rulePriority": len(rules) + 1,
                    "description": f"Keep only the last {self.keep_last_images} tagged images",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": ["*"],
                        "countType": "imageCountMoreThan",
                        "countNumber": self.keep_last_images,
                    },
                    "action": {"type": "expire"},
                }
            )
        if self.archive_unpulled_after_days is not None:
            # Tagged and untagged images in two rules: a policy has one tagStatus any rule at most (it must have
            # the highest rulePriority), and that one is the archive's deletion rule below.
            for which, selection in (("tagged", {"tagPatternList": ["*"]}), ("untagged", {})):
                rules.append(
                    {
                        "rulePriority": len(rules) + 1,
                        "description": f"Archive {which} images not pulled for {self.archive_unpulled_after_days} days",
                        "selection": {
                            "tagStatus": which,
                            **selection,
                            "countType": "sinceImagePulled",
                            "countUnit": "days",
                            "countNumber": self.archive_unpulled_after_days,
                        },
                        "action": {"type": "transition", "targetStorageClass": "archive"},
                    }
                )
        if self.delete_archived_after_days is not None:  # tagStatus any: the last rule
            rules.append(
                {
                    "rulePriority": len(rules) + 1,
                    "description": f"Delete images archived for {self.delete_archived_after_days} days",
                    "selection": {
                        "tagStatus": "any",
                        "storageClass": "archive",
                        "countType": "sinceImageTransitioned",
                        "countUnit": "days",
                        "countNumber": self.delete_archived_after_days,
                    },
                    "action": {"type": "expire"},
                }
            )
        return json.dumps({"rules": rules}, separators=(",", ":")) if rules else None


@dataclass(frozen=True)
class AccessSettings:
    """Who else may pull through the cache (first pulls included), via the registry policy."""

    principals: tuple[str, ...] = ()
    organization_id: Optional[str] = None

    def __post_init__(self) -> None:
        if isinstance(self.principals, str) or not isinstance(self.principals, (list, tuple)):
            raise ValidationError(
                "principals",
                f"expected a list, got {self.principals!r}",
                "pass principals=['123456789012']",
                "write principals as a list, e.g. ['123456789012']",
            )
        checked = tuple(v.check_principal(p, f"principals[{i}]") for i, p in enumerate(self.principals))
        object.__setattr__(self, "principals", checked)
        if self.organization_id is not None:
            v.check_organization_id(self.organization_id, "organization_id")
        if not checked and self.organization_id is None:
            raise ValidationError(
                "",
                "access names nobody",
                "pass principals or organization_id",
                "give principals, organizationId, or remove access",
            )


# ECR ImageTagMutabilityExclusionFilter.filter: ^[0-9a-zA-Z._*-]{1,128}$ (API reference).
EXCLUSION_FILTER = re.compile(r"^[0-9a-zA-Z._*-]{1,128}$")
# A service principal such as omics.amazonaws.com.
SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$")


@dataclass(frozen=True)
class ReadAccess:
    """Who may pull what the cache creates, through the repository policy of the creation templates.

    No registry policy is created for these: principals of this account pull with their own IAM policy
    (or the consumer policy); a service such as HealthOmics (``omics.amazonaws.com``) reads through
    this repository policy, as its guide documents.

    :param principals: account ids or IAM user/role ARNs (default: none).
    :param services: service principals, e.g. ``omics.amazonaws.com`` (default: none).
    :raises ValidationError: for a malformed principal, or when both are empty.
    """

    principals: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("principals", "services"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise ValidationError(name, f"expected a list, got {value!r}", f"write {name} as a list")
        object.__setattr__(
            self, "principals", tuple(v.check_principal(p, f"principals[{i}]") for i, p in enumerate(self.principals))
        )
        for i, service in enumerate(self.services):
            if not isinstance(service, str) or not SERVICE_PRINCIPAL.match(service):
                raise ValidationError(
                    f"services[{i}]",
                    f"{service!r} is not a service principal",
                    "give a service principal such as omics.amazonaws.com",
                )
        object.__setattr__(self, "services", tuple(self.services))
        if not self.principals and not self.services:
            raise ValidationError(
                "", "readAccess names nobody", "pass principals or services", "give principals or services"
            )
