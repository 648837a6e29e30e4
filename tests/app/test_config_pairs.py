"""Property: a config change that would fail at deploy is refused by `ecr-ptc plan`, with steps.

Hypothesis draws a valid config A (tests/app/config_strategy.py) and Bs, each A with one targeted edit
(tests/app/config_pairs.py: credential form, secret ARN suffix, rolePath, boundary, upstreamPrefix, registryUrl,
prefix rename, rule order, hub move, KMS on/off, tags, monitoring on/off, workstation kind, publicUpstreams,
fillOnMiss, allow/deny lists, deleteOnStackDelete, autoDeployDependsOn).
Both are synthesized (every stack, the organization's spoke included) and compared stack by stack:

* an oracle written apart from the classifier (it rewrites references to new resources into fresh markers
  until nothing changes, then compares create-only values and identities as CloudFormation's schemas give
  them) lists the resources whose replacement or creation must collide with a resource that still exists;
* plan's classifier must refuse exactly those (``problem`` and a ``fix``), and refuse nothing else for a
  failure of that kind.

It runs with the rules as ``AWS::ECR::PullThroughCacheRule`` (the default) and as the managed custom resource
(``ecr-ptc:pullThroughCacheRules=managed``, half the examples), whose hub rules must never be refused.

Deterministic (``derandomize``, and the same draws in any test order: tests/stable_draws.py);
``ECR_PTC_PAIR_EXAMPLES`` sets the number of As (default 8, each with up to two Bs, and half as many with managed
rules: about 36 synths and 24 compared pairs, about 15 s on two cores).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from ecr_ptc.validation import resource_schema
from ecr_ptc_app.plan import facts
from ecr_ptc_app.plan.classify import classify
from tests.stable_draws import import_product_modules

from .config_pairs import Pairs, config_pairs
from .synth import CONTEXT

import_product_modules()  # the same examples in any test order (tests/stable_draws.py)

EXAMPLES = int(os.environ.get("ECR_PTC_PAIR_EXAMPLES", "8"))


# --- the oracle -------------------------------------------------------------------------------------------
def _pointer(value: Any, parts: list[str]) -> Any:
    for i, part in enumerate(parts):
        if part == "*":
            return [_pointer(item, parts[i + 1 :]) for item in value] if isinstance(value, list) else None
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _mark(value: Any, new: set[str]) -> Any:
    """``value`` with every reference to a resource in ``new`` replaced by a marker of a value never seen."""
    if isinstance(value, dict):
        if value.get("Ref") in new:
            return f"<new {value['Ref']}>"
        target = value.get("Fn::GetAtt")
        if target is not None and (target[0] if isinstance(target, list) else str(target).split(".")[0]) in new:
            return f"<new {json.dumps(target)}>"
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) else sub
        if isinstance(text, str) and any("${" + lid + "}" in text or "${" + lid + "." in text for lid in new):
            return f"<new {text}>"
        return {k: _mark(v, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark(v, new) for v in value]
    return value


def _schema(resource: dict, region: str) -> dict:
    return resource_schema(region, resource["Type"]) or {}


def _paths(schema: dict, key: str) -> list[list[str]]:
    return [p.split("/")[2:] for p in schema.get(key, []) if p.startswith("/properties/")]


def _identity(resource: dict, region: str) -> str | None:
    schema = _schema(resource, region)
    read_only = {p[0] for p in _paths(schema, "readOnlyProperties")}
    primary = [p[0] for p in _paths(schema, "primaryIdentifier")]
    names = primary if primary and not set(primary) & read_only else list(facts.NAMED.get(resource["Type"], ()))
    props = resource.get("Properties", {})
    if not names or not all(n in props for n in names):
        return None
    return json.dumps([resource["Type"], [props[n] for n in names]], sort_keys=True)


def collisions(a: dict, b: dict, region: str) -> set[str]:
    """Logical ids of B that CloudFormation creates (new, or replacing A's) while A's resource of the same
    identity still exists."""
    old, res = a.get("Resources", {}), b.get("Resources", {})
    new = {lid for lid in res if lid not in old or old[lid]["Type"] != res[lid]["Type"]}
    while True:
        marked = {lid: _mark(r.get("Properties", {}), new) for lid, r in res.items()}
        grown = {
            lid
            for lid in res
            if lid not in new
            and any(
                _pointer(old[lid].get("Properties", {}), p) != _pointer(marked[lid], p)
                for p in _paths(_schema(res[lid], region), "createOnlyProperties")
            )
        }
        if not grown:
            break
        new |= grown
    existing = {_identity(r, region) for r in old.values()} - {None}
    return {
        lid
        for lid in new
        if old.get(lid, {}).get("Type", res[lid]["Type"]) == res[lid]["Type"]
        and not (lid in old and _schema(res[lid], region).get("replacementStrategy") == "delete_then_create")
        and _identity({**res[lid], "Properties": marked[lid]}, region) in existing
    }


# --- the property --------------------------------------------------------------------------------------------
def synthesize(text: str, folder: Path, rules: str = "cloudformation") -> dict | None:
    from ecr_ptc_app.config import ConfigError, load_config
    from ecr_ptc_app.plan.sources import synthesize

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(text)
    try:
        config = load_config(folder / "config.yaml")
    except ConfigError:  # whether validate refuses rightly is test_property.py's question
        return None
    try:  # cdk-nag off: the gates are the property test's and plan's; this is about change
        context = {**CONTEXT, "nag": "false", "ecr-ptc:pullThroughCacheRules": rules}
        return synthesize(config, folder / "cdk.out", context)
    finally:
        shutil.rmtree(folder / "cdk.out", ignore_errors=True)


def check(a: dict, b: dict) -> list[str]:
    regions = {name: s.region or "us-east-1" for name, s in b.items()}
    stacks = classify({n: s.template for n, s in a.items()}, {n: s.template for n, s in b.items()}, regions)
    found = []
    for stack in stacks:
        if stack.stack not in a or stack.stack not in b:
            continue
        expected = collisions(a[stack.stack].template, b[stack.stack].template, regions[stack.stack])
        refused = {c.logical_id for c in stack.changes if c.problem and c.fix}
        unsteps = [c.logical_id for c in stack.changes if c.problem and not c.fix]
        other = {  # failures of other kinds: a type changed, a registry singleton re-homed, a StackSet replaced
            c.logical_id
            for c in stack.changes
            if c.problem
            and ("resource's type" in c.problem or c.type in facts.SINGLETONS or c.type in facts.COLLIDES_ELSEWHERE)
        }
        if expected - refused:
            found.append(f"{stack.stack}: would fail at deploy, plan does not refuse: {sorted(expected - refused)}")
        if refused - expected - other:
            found.append(f"{stack.stack}: plan refuses what deploys: {sorted(refused - expected - other)}")
        if unsteps:
            found.append(f"{stack.stack}: refused without steps: {unsteps}")
        managed = [c.logical_id for c in stack.changes if c.type == facts.MANAGED_RULE and c.refused]
        if managed:
            found.append(f"{stack.stack}: a rule that updates in place was refused: {managed}")
    return found


@pytest.mark.synth
# The rules as AWS::ECR::PullThroughCacheRule (the default) and as the custom resource that updates in place
# (managed: half the examples; its hub rules must never be refused).
@pytest.mark.parametrize("rules, examples", [("cloudformation", EXAMPLES), ("managed", max(1, EXAMPLES // 2))])
def test_changes_that_would_fail_at_deploy_are_refused_by_plan(tmp_path, rules, examples):
    seen: list[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=tuple(p for p in Phase if p not in (Phase.shrink, Phase.explain)),
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(pairs=config_pairs())
    def pairs_plan(pairs: Pairs) -> None:
        a = synthesize(pairs.a.text, tmp_path / "a", rules)
        if a is None:
            return
        for name, text in pairs.bs:
            b = synthesize(text, tmp_path / "b", rules)
            if b is None:
                continue
            problems = check(a, b)
            assert not problems, (
                "\n".join(problems) + f"\n--- mutation: {name}\n--- A ---\n{pairs.a.text}--- B ---\n{text}"
            )
            seen.append(name)

    pairs_plan()
    assert seen, "no pair was synthesized"


# --- the oracle on pairs whose answer is known (it must be able to fail) -------------------------------------
def _rule(prefix: str, **props: Any) -> dict:
    return {"Type": "AWS::ECR::PullThroughCacheRule", "Properties": {"EcrRepositoryPrefix": prefix, **props}}


def test_the_oracle_sees_a_collision_through_a_replaced_role():
    role = {"Type": "AWS::IAM::Role", "Properties": {"Path": "/"}}
    a = {"Resources": {"Role": role, "Rule": _rule("p", CustomRoleArn={"Fn::GetAtt": ["Role", "Arn"]})}}
    b = json.loads(json.dumps(a))
    b["Resources"]["Role"]["Properties"]["Path"] = "/x/"
    assert collisions(a, b, "eu-west-1") == {"Rule"}
    b["Resources"]["Rule"]["Properties"]["EcrRepositoryPrefix"] = "q"
    assert collisions(a, b, "eu-west-1") == set()


def test_the_oracle_sees_a_named_resource_moved_between_logical_ids():
    assert collisions({"Resources": {"A": _rule("p")}}, {"Resources": {"B": _rule("p")}}, "eu-west-1") == {"B"}
    assert collisions({"Resources": {"A": _rule("p")}}, {"Resources": {"A": _rule("p")}}, "eu-west-1") == set()
