"""A workstation to repeat the walkthrough's pull test from (issue 4).

``WorkstationSettings`` is the checked ``workstation`` block; ``WORKSTATION_KINDS``
maps its ``kind`` to the construct that builds it:

* ``cloud9``: :class:`Cloud9Workstation` (see ``workstation_cloud9`` for the
  managed-credentials design and the account requirements);
* ``ec2``: :class:`Ec2Workstation`.
"""
from __future__ import annotations

from .workstation_base import WorkstationBase
from .workstation_cloud9 import Cloud9Workstation
from .workstation_ec2 import Ec2Workstation
from .workstation_role import WorkstationRole
from .workstation_settings import WorkstationSettings

WORKSTATION_KINDS: dict[str, type[WorkstationBase]] = {
    Cloud9Workstation.kind: Cloud9Workstation,
    Ec2Workstation.kind: Ec2Workstation,
}

__all__ = [
    "WORKSTATION_KINDS",
    "Cloud9Workstation",
    "Ec2Workstation",
    "WorkstationBase",
    "WorkstationRole",
    "WorkstationSettings",
]
