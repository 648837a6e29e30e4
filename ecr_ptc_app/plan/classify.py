"""Classify the resource changes between two templates of one stack, as CloudFormation will carry them out.

Resources are matched by logical id. A resource is *replaced* when a create-only property's value changes
(its schema's ``createOnlyProperties``), counting a reference (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``) to a
replaced resource as a change, since the replacement has a new physical id and ARN. CloudFormation creates a
replacement before it deletes the old resource ("Update behaviors of stack resources", Replacement), so a
replacement *would fail* when the new resource carries the old one's identity: a primary identifier set in
the template (or a unique name, ``facts.NAMED``) whose value does not change. The same holds for a resource
removed under one logical id and added under another with the same identity. Pure functions: no I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from . import facts

ADDED, UPDATED, REPLACED, REMOVED = "added", "updated", "replaced", "removed"
# The resource attributes whose change CloudFormation applies as an update ("Metadata" alone is not one).
ATTRIBUTES = ("Properties", "DeletionPolicy", "UpdateReplacePolicy", "Condition", "UpdatePolicy")
SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}")


@dataclass(frozen=True)
class Change:
    """One resource's change. ``problem``: the deploy would fail (why); ``loss``: it would succeed but lose
    data or access; ``fix``: the steps that avoid either."""

    logical_id: str
    type: str
    action: str
    properties: tuple[str, ...] = ()  # the properties that changed (for a replacement, the create-only ones)
    problem: Optional[str] = None
    loss: Optional[str] = None
    fix: Optional[str] = None

    @property
    def refused(self) -> bool:
        return bool(self.problem or self.loss)


@dataclass
class StackChanges:
    """A stack's changes; ``status`` is added, removed, changed or unchanged."""

    stack: str
    status: str
    changes: list[Change] = field(default_factory=list)

    @property
    def refused(self) -> list[Change]:
        return [c for c in self.changes if c.refused]


def references(value: Any) -> set[str]:
    """The logical ids (and parameters) ``value`` refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) and item else str(item).split(".")[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) and item else item
                if isinstance(text, str):
                    found.update(SUB_REFERENCE.findall(text))
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return {name for name in found if not name.startswith("AWS::")}


def _select(value: Any, path: tuple[str, ...]) -> Any:
    """The part of ``value`` at a schema path (``*`` is every item of a list); None where absent."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "*":
        return [_select(item, rest) for item in value] if isinstance(value, list) else None
    return _select(value.get(head), rest) if isinstance(value, dict) else None


def _differs(old: Any, new: Any, moved: set[str]) -> bool:
    return old != new or bool(references(new) & moved)


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def _changed_properties(old: dict[str, Any], new: dict[str, Any], moved: set[str]) -> list[str]:
    before, after = _props(old), _props(new)
    return sorted(k for k in set(before) | set(after) if _differs(before.get(k), after.get(k), moved))


def _forced(old: dict[str, Any], new: dict[str, Any], region: str, moved: set[str]) -> tuple[str, ...]:
    """The create-only properties whose change replaces the resource (empty: no replacement)."""
    known = facts.type_facts(region, new["Type"])
    if known is None:
        return ()
    before, after = _props(old), _props(new)
    return tuple(
        sorted(
            {
                "/".join(path)
                for path in known.create_only
                if _differs(_select(before, path), _select(after, path), moved)
            }
        )
    )


def _identity(resource: dict[str, Any], region: str) -> Optional[tuple[str, ...]]:
    """The values naming the resource, when the template sets them all; None for a generated identity."""
    known = facts.type_facts(region, resource["Type"])
    props = _props(resource)
    if known is None or not known.identity or not all(name in props for name in known.identity):
        return None
    return tuple(json.dumps(props[name], sort_keys=True) for name in known.identity)


def _shown(identity: tuple[str, ...]) -> str:
    return ", ".join(json.loads(value) if value.startswith('"') else value for value in identity)


def _replaced_ids(old: dict[str, dict], new: dict[str, dict], region: str) -> set[str]:
    """Logical ids replaced, to a fixed point: a replaced resource's new ARN changes what refers to it."""
    replaced: set[str] = set()
    common = [k for k in new if k in old]
    grew = True
    while grew:
        grew = False
        for lid in common:
            if lid not in replaced and (
                old[lid]["Type"] != new[lid]["Type"] or _forced(old[lid], new[lid], region, replaced)
            ):
                replaced.add(lid)
                grew = True
    return replaced


def _loss(resource: dict[str, Any], replaced: bool) -> Optional[str]:
    kind = resource["Type"]
    if kind not in facts.LOSSES or (replaced and kind not in facts.LOST_ON_REPLACEMENT):
        return None
    policy = resource.get("UpdateReplacePolicy" if replaced else "DeletionPolicy", "Delete")
    return None if policy in facts.RETAINED else facts.LOSSES[kind]


def _replacement(lid: str, old: dict, new: dict, region: str, replaced: set[str]) -> Change:
    kind = new["Type"]
    if old["Type"] != kind:
        return Change(
            lid,
            kind,
            REPLACED,
            ("Type",),
            problem=f"would fail: CloudFormation does not change a resource's type ({old['Type']} to {kind}) "
            "under the same logical id",
            fix=facts.TYPE_CHANGE_FIX,
        )
    forced = _forced(old, new, region, replaced)
    identity = _identity(new, region)
    problem = None
    named = facts.type_facts(region, kind)
    names = named.identity if named else ()
    if named and named.delete_first:  # CloudFormation deletes the old one first (schema replacementStrategy)
        identity = None
    if (
        identity
        and identity == _identity(old, region)
        and not any(references(_props(new)[n]) & replaced for n in names)
    ):
        problem = (
            f"would fail: a change of {', '.join(forced)} replaces the {kind}, CloudFormation creates the "
            f"replacement before it deletes the old one, and {_shown(identity)} already exists"
        )
    if problem is None and kind in facts.COLLIDES_ELSEWHERE:
        problem = f"would fail: a change of {', '.join(forced)} replaces the {kind}: {facts.COLLIDES_ELSEWHERE[kind]}"
    loss = None if problem else _loss(old, replaced=True)  # a replacement that fails loses nothing
    fix = facts.fix_for(kind) if problem or loss else None
    return Change(lid, kind, REPLACED, forced, problem=problem, loss=loss, fix=fix)


def _adoptions(old: dict[str, dict], new: dict[str, dict]) -> dict[str, tuple[str, str]]:
    """Added managed rules whose prefix a removed AWS::ECR::PullThroughCacheRule held without Retain."""
    found: dict[str, tuple[str, str]] = {}
    for lid, res in new.items():
        if lid in old or res["Type"] != facts.MANAGED_RULE:
            continue
        for old_id, old_res in old.items():
            same = _props(old_res).get("EcrRepositoryPrefix") == _props(res).get("EcrRepositoryPrefix")
            kept = old_res.get("DeletionPolicy") in facts.RETAINED
            if old_id not in new and old_res["Type"] == facts.RULE and same and not kept:
                found[lid] = (old_id, facts.ADOPTION_LOSS.format(old=old_id))
    return found


def _moves(old: dict[str, dict], new: dict[str, dict], region: str) -> dict[str, tuple[str, str]]:
    """Added logical ids whose resource collides with a removed one: id -> (removed id, why)."""
    gone = {lid: res for lid, res in old.items() if lid not in new}
    found: dict[str, tuple[str, str]] = _adoptions(old, new)
    for lid, res in new.items():
        if lid in old or lid in found:
            continue
        identity = _identity(res, region)
        for old_id, old_res in gone.items():
            # A rule moved back from the managed resource to AWS::ECR::PullThroughCacheRule names the same rule.
            back = (old_res["Type"], res["Type"]) == (facts.MANAGED_RULE, facts.RULE)
            if old_res["Type"] != res["Type"] and not back:
                continue
            if res["Type"] in facts.SINGLETONS:
                found[lid] = (old_id, f"deleting {old_id} afterwards clears the {res['Type']} this one writes")
            elif identity is not None and identity == _identity(old_res, region):
                found[lid] = (
                    old_id,
                    f"CloudFormation creates it before deleting {old_id}, and {_shown(identity)} already exists",
                )
    return found


def classify_stack(old_template: dict[str, Any], new_template: dict[str, Any], region: str) -> list[Change]:
    """Every resource change from ``old_template`` to ``new_template`` (one stack), sorted by logical id.

    :param region: the stack's Region (the schemas are per Region).
    """
    old, new = old_template.get("Resources", {}), new_template.get("Resources", {})
    replaced = _replaced_ids(old, new, region)
    moves = _moves(old, new, region)
    changes = []
    for lid in sorted(set(old) | set(new)):
        if lid not in old:
            kind = new[lid]["Type"]
            moved = moves.get(lid)
            fix = (facts.SINGLETON_FIX if kind in facts.SINGLETONS else facts.fix_for(kind)) if moved else None
            if moved and kind == facts.MANAGED_RULE and old.get(moved[0], {}).get("Type") == facts.RULE:
                changes.append(Change(lid, kind, ADDED, loss=moved[1], fix=facts.ADOPTION_FIX))
                continue
            changes.append(Change(lid, kind, ADDED, problem=moved and f"would fail: {moved[1]}", fix=fix))
        elif lid not in new:
            loss = _loss(old[lid], replaced=False) if not _went_with_its_rule(old[lid], new) else None
            changes.append(Change(lid, old[lid]["Type"], REMOVED, loss=loss, fix=loss and _keep_fix(old[lid])))
        elif lid in replaced:
            changes.append(_replacement(lid, old[lid], new[lid], region, replaced))
        else:
            attributes = [a for a in ATTRIBUTES[1:] if old[lid].get(a) != new[lid].get(a)]
            changed = _changed_properties(old[lid], new[lid], replaced) + attributes
            if changed:
                changes.append(Change(lid, new[lid]["Type"], UPDATED, tuple(changed)))
    return changes


def _went_with_its_rule(resource: dict[str, Any], new: dict[str, dict]) -> bool:
    """A repository creation template removed with the rule of its prefix: no repository is created there any more."""
    if resource["Type"] != "AWS::ECR::RepositoryCreationTemplate":
        return False
    prefix = _props(resource).get("Prefix")
    return not any(_props(r).get("EcrRepositoryPrefix") == prefix for r in new.values() if r["Type"] == facts.RULE)


def _keep_fix(resource: dict[str, Any]) -> str:
    return (
        f"keep the {resource['Type']} in the config, or move what depends on it elsewhere first; to remove it "
        "on purpose, deploy it once with DeletionPolicy Retain"
    )


def classify(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], regions: dict[str, str]
) -> list[StackChanges]:
    """Per stack name of either side: its status and changes.

    :param old: templates by stack name (the previous assembly, or what is deployed).
    :param new: templates by stack name (this config, synthesized now).
    :param regions: each new stack's Region (schemas are per Region; default us-east-1).
    """
    result = []
    for stack in sorted(set(old) | set(new)):
        if stack not in old:
            result.append(StackChanges(stack, ADDED))
        elif stack not in new:
            result.append(StackChanges(stack, REMOVED))
        else:
            changes = classify_stack(old[stack], new[stack], regions.get(stack) or "us-east-1")
            result.append(StackChanges(stack, "changed" if changes else "unchanged", changes))
    return result


def refused(stacks: Iterable[StackChanges]) -> list[tuple[str, Change]]:
    """Every change that would fail or lose something, with its stack."""
    return [(s.stack, c) for s in stacks for c in s.changes if c.refused]
