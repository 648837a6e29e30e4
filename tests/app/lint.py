"""cfn-lint on synthesized templates."""
from __future__ import annotations

import json
from typing import Any

from cfnlint.api import ManualArgs, lint

# Warnings we accept, each for a stated reason.
ACCEPTED_WARNINGS = {
    "W3697": "AWS::Cloud9::EnvironmentEC2 is in maintenance mode; kind ec2 is the alternative",
}


def findings(template: dict[str, Any], region: str = "us-east-1") -> list[str]:
    """cfn-lint errors and unaccepted warnings, as readable lines."""
    matches = lint(json.dumps(template), config=ManualArgs(regions=[region]))
    return [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches
            if m.rule.id.startswith("E") or (m.rule.id.startswith("W") and m.rule.id not in ACCEPTED_WARNINGS)]
