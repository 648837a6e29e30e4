"""cfn-lint on synthesized templates: the gate ``ecr-ptc plan`` runs (one owner: ecr_ptc_app.plan.gates)."""

from __future__ import annotations

from ecr_ptc_app.plan.gates import ACCEPTED_WARNINGS, OWN_ROLE, accepted
from ecr_ptc_app.plan.gates import cfn_lint_findings as findings

__all__ = ["ACCEPTED_WARNINGS", "OWN_ROLE", "accepted", "findings"]
