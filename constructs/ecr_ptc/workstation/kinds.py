"""Which construct builds each workstation ``kind``.

``WorkstationSettings`` is the checked ``workstation`` block; ``WORKSTATION_KINDS``
maps its ``kind`` to the construct that builds it:

* ``cloud9``: :class:`Cloud9Workstation` (see ``workstation_cloud9`` for the
  managed-credentials design and the account requirements);
* ``ec2``: :class:`Ec2Workstation`.
"""

from __future__ import annotations

from ecr_ptc.workstation.base import WorkstationBase
from ecr_ptc.workstation.cloud9 import Cloud9Workstation
from ecr_ptc.workstation.ec2 import Ec2Workstation
from ecr_ptc.workstation.role import WorkstationRole
from ecr_ptc.workstation.settings import WorkstationKind, WorkstationSettings

WORKSTATION_KINDS: dict[WorkstationKind, type[WorkstationBase]] = {
    Cloud9Workstation.kind: Cloud9Workstation,
    Ec2Workstation.kind: Ec2Workstation,
}

__all__ = [
    "WORKSTATION_KINDS",
    "Cloud9Workstation",
    "Ec2Workstation",
    "WorkstationBase",
    "WorkstationKind",
    "WorkstationRole",
    "WorkstationSettings",
]
