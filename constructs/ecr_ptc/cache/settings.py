"""Typed settings for what the cache creates (repository templates) and who may use it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union

if TYPE_CHECKING:  # type hints only: settings never start the CDK's jsii runtime
    from aws_cdk.aws_kms import IKey

from ecr_ptc import validation as v
from ecr_ptc.errors import ValidationError


class TagMutability(Enum):
    MUTABLE = "MUTABLE"
    IMMUTABLE = "IMMUTABLE"


class ScanOnPush(Enum):
    OFF = "off"
    BASIC = "basic"
    ENHANCED = "enhanced"


IMMUTABLE_WARNING = (
    "tagMutability IMMUTABLE stops the cache from refreshing tags such as 'latest' from the upstream; "
    "use it only for caches of pinned, never-moving tags"
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
    """

    tag_mutability: TagMutability = TagMutability.MUTABLE
    expire_untagged_after_days: Optional[int] = None
    keep_last_images: Optional[int] = None
    encryption: Encryption = field(default_factory=Encryption.aes256)
    tags: dict[str, str] = field(default_factory=dict)
    scan_on_push: ScanOnPush = ScanOnPush.OFF

    def __post_init__(self) -> None:
        object.__setattr__(self, "tag_mutability", enum_value(TagMutability, self.tag_mutability, "tag_mutability"))
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
        object.__setattr__(self, "tags", v.check_tags(self.tags, "tags"))

    @property
    def warnings(self) -> list[str]:
        return [IMMUTABLE_WARNING] if self.tag_mutability is TagMutability.IMMUTABLE else []

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
