"""The gates every template ``ecr-ptc plan`` proposes passes, as ``make test`` checks the shipped configs:
cdk-nag AwsSolutions (a validation plugin of the synth, ``ecr_ptc_stacks.compose.add_checks``) and cfn-lint
(errors, and warnings but the accepted ones below, each with its reason)."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

# Warnings we accept: rule id -> why.
ACCEPTED_WARNINGS = {
    "W3697": "AWS::Cloud9::EnvironmentEC2 is in maintenance mode; kind ec2 is the alternative",
}
# aws-cdk-lib makes a function or state machine DependsOn its own role and the role's default
# policy (so the policy exists before it runs); cfn-lint calls the role part redundant.
OWN_ROLE = re.compile(r"enforced by a 'GetAtt' at 'Resources/[^/]+/Properties/Role(Arn)?'")


# cfn-lint's uniqueness check compares two strings as booleans when either reads "true" or "false"
# (cfnlint.jsonschema._utils.equal -> cfnlint.helpers.bool_compare), so the tag keys "false" and "team"
# are "not unique" to it (cfn-lint 1.58.0, E3024). CloudFormation compares the keys as strings.
NOT_UNIQUE = re.compile(r"array items are not unique for keys (\[[^\]]*\])$")


def accepted(match: Any) -> bool:
    if match.rule.id == "W3005":
        return bool(OWN_ROLE.search(match.message))
    return any(match.rule.id == rid for rid in ACCEPTED_WARNINGS)


def false_duplicate(match: Any, template: dict[str, Any]) -> bool:
    """An E3024 "not unique" whose items differ in the named keys once compared as the strings they are."""
    found = NOT_UNIQUE.search(match.message)
    if match.rule.id != "E3024" or not found:
        return False
    keys = ast.literal_eval(found.group(1))
    items: Any = template
    for step in getattr(match, "path", ()):
        try:
            items = items[step]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return False
    seen = [json.dumps([item.get(key) for key in keys], sort_keys=True) for item in items]
    return len(set(seen)) == len(seen)


def cfn_lint_findings(template: dict[str, Any], region: str = "us-east-1") -> list[str]:
    """cfn-lint errors and unaccepted warnings of ``template`` in ``region``, as readable lines."""
    from cfnlint.api import ManualArgs, lint  # cfn-lint loads its rules and schemas: only when a plan runs

    # ensure_ascii=False: cfn-lint reads JSON with a YAML parser, which refuses the surrogate-pair escapes
    # (\ud86e\udf84) json.dumps writes for characters past U+FFFF (a tag value in CJK Extension B);
    # CloudFormation takes the template as UTF-8, as the CDK writes it. A parse error's match has no path.
    matches = lint(json.dumps(template, ensure_ascii=False), config=ManualArgs(regions=[region]))
    return [
        f"{m.rule.id} {m.message} ({'/'.join(map(str, getattr(m, 'path', ())))})"
        for m in matches
        if (m.rule.id.startswith("E") and not false_duplicate(m, template))
        or (m.rule.id.startswith("W") and not accepted(m))
    ]
