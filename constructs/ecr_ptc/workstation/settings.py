"""What the YAML ``workstation`` block says, checked before any construct is built."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Optional

from ecr_ptc import validation as v
from ecr_ptc.errors import ValidationError
from ecr_ptc.workstation import instance_types


class WorkstationKind(Enum):
    """Which workstation: an AWS Cloud9 EC2 environment, or an EC2 instance reached with Session Manager."""

    CLOUD9 = "cloud9"
    EC2 = "ec2"


KINDS = tuple(k.value for k in WorkstationKind)
_KIND_BY_VALUE = {k.value: k for k in WorkstationKind}
DEFAULT_INSTANCE_TYPE = "t3.small"
# Cloud9 stops an idle environment after this many minutes unless told otherwise.
DEFAULT_AUTOMATIC_STOP_MINUTES = 30
MAX_AUTOMATIC_STOP_MINUTES = 20160  # the CloudFormation limit (two weeks)

# The pattern and length of AWS::Cloud9::EnvironmentEC2 InstanceType (and of the Cloud9 API):
# family letters and ONE digit right before the dot, so t3.small and m5.large but not t3a.small,
# c6i.large or m7i-flex.large.
_CLOUD9_INSTANCE_TYPE = re.compile(r"^[a-z]+[1-9][.][a-z0-9]+$")
_CLOUD9_INSTANCE_TYPE_LENGTH = range(5, 21)
# The pattern of AWS::Cloud9::EnvironmentEC2 OwnerArn (and of the Cloud9 API): a plain
# role ARN is NOT accepted; a role's user is named by its assumed-role session ARN.
_OWNER_ARN = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):(iam|sts)::\d+:(root|(user\/[\w+=/:,.@-]{1,64}"
    r"|federated-user\/[\w+=/:,.@-]{2,32}|assumed-role\/[\w+=:,.@-]{1,64}\/[\w+=,.@-]{1,64}))$",
    re.ASCII,
)
_SUBNET_ID = re.compile(r"^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$")


@dataclass(frozen=True)
class WorkstationSettings:
    """A workstation to repeat the walkthrough's pull test from.

    :param kind: ``cloud9`` (an AWS Cloud9 EC2 environment; Cloud9 is closed to new
        customers) or ``ec2`` (an Amazon Linux 2023 instance reached with Session Manager).
    :param instance_type: EC2 instance type, e.g. ``t3.small``: one botocore's EC2 model lists,
        not a Mac type. ec2: x86_64 or Graviton (the Amazon Linux 2023 image of its
        architecture). cloud9: x86_64 only (every Cloud9 image is), in the pattern of the
        Cloud9 API (one digit before the dot: ``t3.small``, ``m5.large``, not ``t3a.small``).
    :param automatic_stop_minutes: cloud9 only: minutes of idleness before the
        environment stops (0 = never). Default 30 for cloud9.
    :param owner_arn: cloud9 only: who owns the environment: an IAM user, federated
        user, root or assumed-role session ARN (Cloud9 accepts no plain role ARN).
        Default: the identity that deploys the stack.
    :param subnet_id: subnet to launch into. Default: Cloud9 uses the default VPC;
        ec2 gets its own one-subnet VPC.
    """

    kind: WorkstationKind  # or its value: 'cloud9', 'ec2'
    instance_type: str = DEFAULT_INSTANCE_TYPE
    automatic_stop_minutes: Optional[int] = None
    owner_arn: Optional[str] = None
    subnet_id: Optional[str] = None

    def __post_init__(self) -> None:
        kind: Optional[WorkstationKind] = self.kind if isinstance(self.kind, WorkstationKind) else None
        if isinstance(self.kind, str):  # a list or mapping from YAML is no kind (and not hashable)
            kind = _KIND_BY_VALUE.get(self.kind)
        if kind is None:
            raise ValidationError("kind", f"unknown workstation kind {self.kind!r}", "use one of: " + ", ".join(KINDS))
        object.__setattr__(self, "kind", kind)
        self._check_instance_type()
        self._check_cloud9_only(
            "automatic_stop_minutes", "Session Manager sessions end on their own; stop the instance to save cost"
        )
        self._check_cloud9_only(
            "owner_arn", "an ec2 workstation has no owner; anyone allowed ssm:StartSession on it can open it"
        )
        if self.kind is WorkstationKind.CLOUD9 and self.automatic_stop_minutes is None:
            object.__setattr__(self, "automatic_stop_minutes", DEFAULT_AUTOMATIC_STOP_MINUTES)
        if self.automatic_stop_minutes is not None:
            minutes = self.automatic_stop_minutes
            if (
                isinstance(minutes, bool)
                or not isinstance(minutes, int)
                or not 0 <= minutes <= MAX_AUTOMATIC_STOP_MINUTES
            ):
                raise ValidationError(
                    "automatic_stop_minutes",
                    f"{minutes!r} is not a whole number of minutes from 0 to {MAX_AUTOMATIC_STOP_MINUTES}",
                    f"give minutes of idleness before the environment stops, 0 to {MAX_AUTOMATIC_STOP_MINUTES} (0 = never)",
                )
        if self.owner_arn is not None and (
            not isinstance(self.owner_arn, str) or not _OWNER_ARN.fullmatch(self.owner_arn)
        ):
            raise ValidationError(
                "owner_arn",
                f"{self.owner_arn!r} is not an IAM user, federated-user, assumed-role or root ARN"
                " (Cloud9 refuses plain role ARNs)",
                "give e.g. arn:aws:iam::123456789012:user/jane or, for a role, its session "
                "arn:aws:sts::123456789012:assumed-role/Admin/jane; or leave it out to make the deploying identity the owner",
            )
        if self.subnet_id is not None and (
            not isinstance(self.subnet_id, str) or not _SUBNET_ID.fullmatch(self.subnet_id)
        ):
            raise ValidationError(
                "subnet_id",
                f"{self.subnet_id!r} is not a subnet id",
                "give 'subnet-' followed by 8 or 17 hex digits, e.g. subnet-0123456789abcdef0, or leave it out",
            )

    def _check_instance_type(self) -> None:
        """A type EC2 knows, on an architecture the kind's image runs on; for cloud9 also in its pattern."""
        value = self.instance_type
        if not isinstance(value, str) or value not in instance_types.known_instance_types():
            close = instance_types.close_matches(value) if isinstance(value, str) else []
            hint = "did you mean " + " or ".join(map(repr, close)) + "? " if close else ""
            raise ValidationError(
                "instance_type",
                f"{value!r} is not an EC2 instance type (botocore {instance_types.botocore_version()}"
                f" lists {len(instance_types.known_instance_types())})",
                f"{hint}give family, generation and size, e.g. t3.small, m7g.large or c6in.2xlarge"
                " ('aws ec2 describe-instance-types' lists them; for a type newer than this botocore, upgrade boto3)",
            )
        problem = instance_types.al2023_problem(value)
        if problem:
            raise ValidationError(
                "instance_type", problem, "choose a current x86_64 or Graviton type such as t3.small or t4g.small"
            )
        try:
            architecture = instance_types.architecture(value)
        except instance_types.UnsupportedInstanceType as err:
            raise ValidationError(
                "instance_type", str(err), "choose an x86_64 or Graviton (arm64) type such as t3.small or t4g.small"
            ) from None
        if self.kind is not WorkstationKind.CLOUD9:
            return
        if architecture != instance_types.X86_64:
            raise ValidationError(
                "instance_type",
                f"{value} is an {architecture} instance type and every Cloud9 image is x86_64",
                "choose an x86_64 type such as t3.small or m5.large, or use kind ec2 for Graviton"
                " (it starts the arm64 Amazon Linux 2023 image on Graviton types)",
            )
        if not _CLOUD9_INSTANCE_TYPE.fullmatch(value) or len(value) not in _CLOUD9_INSTANCE_TYPE_LENGTH:
            raise ValidationError(
                "instance_type",
                f"Cloud9 refuses {value}: its instance types must match {_CLOUD9_INSTANCE_TYPE.pattern}"
                " (family letters and one digit before the dot: no attribute letters such as the a of t3a)",
                "choose e.g. t3.small, t3.medium, m5.large or c5.xlarge, or use kind ec2, which takes any type",
            )

    def check_region(self, region: str) -> None:
        """What this workstation needs is offered in ``region`` (cfn-lint's CloudFormation data): the
        Cloud9 resource type for kind cloud9, the instance type for both.

        :raises ValidationError: with path ``kind`` or ``instance_type``.
        """
        if self.kind is WorkstationKind.CLOUD9:
            v.check_resource_types_in_region(
                ["AWS::Cloud9::EnvironmentEC2"],
                region,
                "kind",
                "use kind ec2 there (Cloud9 is offered in fewer Regions, and closed to new customers)",
            )
        offered = v.region_instance_types(region)
        if offered is not None and self.instance_type not in offered:
            raise ValidationError(
                "instance_type",
                f"{self.instance_type!r} is not offered in {region}",
                "choose a type offered there (aws ec2 describe-instance-type-offerings "
                f"--region {region}), e.g. t3.small",
            )

    def _check_cloud9_only(self, name: str, why: str) -> None:
        if self.kind is not WorkstationKind.CLOUD9 and getattr(self, name) is not None:
            raise ValidationError(name, f"only applies to kind cloud9, not {self.kind.value}", f"remove it ({why})")
