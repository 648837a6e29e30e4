"""What the YAML ``workstation`` block says, checked before any construct is built."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .errors import ValidationError

KINDS = ("cloud9", "ec2")
DEFAULT_INSTANCE_TYPE = "t3.small"
# Cloud9 stops an idle environment after this many minutes unless told otherwise.
DEFAULT_AUTOMATIC_STOP_MINUTES = 30
MAX_AUTOMATIC_STOP_MINUTES = 20160  # the CloudFormation limit (two weeks)

# family, generation, attributes and an optional option (m7i-flex), then a size:
# t3.small, m7g.large, c6in.2xlarge, u-6tb1.metal.
_INSTANCE_TYPE = re.compile(
    r"^(?:[a-z]+\d+[a-z]*(?:-[a-z0-9]+)?|u-\d+tb\d+)"
    r"\.(?:nano|micro|small|medium|large|metal(?:-\d+xl)?|\d*xlarge)$"
)
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
    :param instance_type: EC2 instance type, e.g. ``t3.small``.
    :param automatic_stop_minutes: cloud9 only: minutes of idleness before the
        environment stops (0 = never). Default 30 for cloud9.
    :param owner_arn: cloud9 only: who owns the environment: an IAM user, federated
        user, root or assumed-role session ARN (Cloud9 accepts no plain role ARN).
        Default: the identity that deploys the stack.
    :param subnet_id: subnet to launch into. Default: Cloud9 uses the default VPC;
        ec2 gets its own one-subnet VPC.
    """

    kind: str
    instance_type: str = DEFAULT_INSTANCE_TYPE
    automatic_stop_minutes: Optional[int] = None
    owner_arn: Optional[str] = None
    subnet_id: Optional[str] = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValidationError("kind", f"unknown workstation kind {self.kind!r}", "use one of: " + ", ".join(KINDS))
        if not isinstance(self.instance_type, str) or not _INSTANCE_TYPE.fullmatch(self.instance_type):
            raise ValidationError(
                "instance_type",
                f"{self.instance_type!r} is not an EC2 instance type",
                "give family, generation and size, e.g. t3.small, m7g.large or c6in.2xlarge",
            )
        self._check_cloud9_only("automatic_stop_minutes", "Session Manager sessions end on their own; stop the instance to save cost")
        self._check_cloud9_only("owner_arn", "an ec2 workstation has no owner; anyone allowed ssm:StartSession on it can open it")
        if self.kind == "cloud9" and self.automatic_stop_minutes is None:
            object.__setattr__(self, "automatic_stop_minutes", DEFAULT_AUTOMATIC_STOP_MINUTES)
        if self.automatic_stop_minutes is not None:
            minutes = self.automatic_stop_minutes
            if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_AUTOMATIC_STOP_MINUTES:
                raise ValidationError(
                    "automatic_stop_minutes",
                    f"{minutes!r} is not a whole number of minutes from 0 to {MAX_AUTOMATIC_STOP_MINUTES}",
                    f"give minutes of idleness before the environment stops, 0 to {MAX_AUTOMATIC_STOP_MINUTES} (0 = never)",
                )
        if self.owner_arn is not None and (not isinstance(self.owner_arn, str) or not _OWNER_ARN.fullmatch(self.owner_arn)):
            raise ValidationError(
                "owner_arn",
                f"{self.owner_arn!r} is not an IAM user, federated-user, assumed-role or root ARN"
                " (Cloud9 refuses plain role ARNs)",
                "give e.g. arn:aws:iam::123456789012:user/jane or, for a role, its session "
                "arn:aws:sts::123456789012:assumed-role/Admin/jane; or leave it out to make the deploying identity the owner",
            )
        if self.subnet_id is not None and (not isinstance(self.subnet_id, str) or not _SUBNET_ID.fullmatch(self.subnet_id)):
            raise ValidationError(
                "subnet_id",
                f"{self.subnet_id!r} is not a subnet id",
                "give 'subnet-' followed by 8 or 17 hex digits, e.g. subnet-0123456789abcdef0, or leave it out",
            )

    def _check_cloud9_only(self, name: str, why: str) -> None:
        if self.kind != "cloud9" and getattr(self, name) is not None:
            raise ValidationError(name, f"only applies to kind cloud9, not {self.kind}", f"remove it ({why})")
