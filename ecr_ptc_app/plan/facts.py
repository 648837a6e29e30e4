"""What CloudFormation does to each resource type on a change: the schema facts, plus the few the schemas omit.

The replacement facts come from the CloudFormation resource schemas cfn-lint ships (``createOnlyProperties``:
a change replaces the resource; ``primaryIdentifier``: what names it), read through
``ecr_ptc.validation.resource_schema``. The tables below hold what no schema says, each with its source.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional

# Resource types whose primary identifier is read-only (an ARN or an id) but whose physical name, when the
# template sets it, must be unique: a replacement under the same name fails like a primary identifier's.
# IAM CreatePolicy: "policy names must be unique within the account" (the path is not part of it);
# Secrets Manager CreateSecret, SNS CreateTopic, SQS CreateQueue, Step Functions CreateStateMachine,
# EventBridge PutRule (per event bus): a second resource of that name is refused or is the same resource.
NAMED: dict[str, tuple[str, ...]] = {
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName",),
    "AWS::SecretsManager::Secret": ("Name",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::StepFunctions::StateMachine": ("StateMachineName",),
    "AWS::Events::Rule": ("Name",),
    "AWS::CloudFormation::StackSet": ("StackSetName",),
    # ecr-ptc's own rule resource (ecr_ptc_runtime.rules): named by its prefix like the rule it manages.
    "Custom::EcrPtcPullThroughCacheRule": ("EcrRepositoryPrefix",),
}
MANAGED_RULE = "Custom::EcrPtcPullThroughCacheRule"

# Replacements that collide outside the stack: a new StackSet creates a second stack instance of the spoke in every
# target account and Region before CloudFormation deletes the old StackSet (and its instances), and the spoke's
# rules, templates and policies of the same names already exist there.
COLLIDES_ELSEWHERE: dict[str, str] = {
    "AWS::CloudFormation::StackSet": "the new StackSet deploys the spoke again into every target account and Region "
    "before CloudFormation deletes the old one, and the spoke's pull-through cache rules (same prefixes) already "
    "exist there",
}

# One per registry (account and Region): their primary identifier is the registry id. A new logical id for
# one means CloudFormation writes the new resource, then deletes the old one: the delete clears the setting
# the new one just wrote (ECR DeleteRegistryPolicy / PutRegistryScanningConfiguration have no per-resource id).
SINGLETONS = frozenset(
    {"AWS::ECR::RegistryPolicy", "AWS::ECR::RegistryScanningConfiguration", "AWS::ECR::ReplicationConfiguration"}
)

# Removing (or replacing) these loses something people rely on, even when the deploy succeeds.
LOSSES: dict[str, str] = {
    "AWS::SecretsManager::Secret": "the upstream credentials stored in this secret are deleted",
    "AWS::ECR::RegistryPolicy": "the registry policy is deleted: other accounts, the organization and "
    "replication lose the access its statements grant",
    "AWS::IAM::ManagedPolicy": "the consumer policy is deleted or gets a new ARN: roles that attached it outside "
    "this stack lose access to the cache",
    "AWS::ECR::RepositoryCreationTemplate": "repositories the cache creates under this prefix from now on get "
    "ECR's defaults (no encryption key, lifecycle policy, tags or scanning of this template)",
}
# A replacement that keeps what matters (same name): only the types whose content is the loss.
LOST_ON_REPLACEMENT = frozenset({"AWS::SecretsManager::Secret", "AWS::IAM::ManagedPolicy"})
RETAINED = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})

RULE = "AWS::ECR::PullThroughCacheRule"
# The steps that avoid a failing replacement: without the resource for one deploy, then with the change.
FIXES: dict[str, str] = {
    RULE: "deploy twice: first with this rule left out of rules (its cached repositories and images stay; pulls "
    "through the prefix fail until the second deploy), then with the changed rule; or, in a cache stack (not an "
    "organization's spoke), let such changes update in place from now on: README 'Rules that update in place'",
    "AWS::CloudFormation::StackSet": "deploy twice: first without organization (CloudFormation deletes the StackSet "
    "and its spokes), then with the changed organization",
    # The one named managed policy: the spoke's consumer policy (its Description lists the rules' prefixes).
    "AWS::IAM::ManagedPolicy": "the policy keeps its name, so CloudFormation cannot replace it (the spoke's consumer "
    "policy: its description lists the rules' prefixes): deploy twice, first without organization (CloudFormation "
    "deletes the StackSet and its spokes; member roles lose the policy until the second deploy), then with the change",
}
# The move from RULE to MANAGED_RULE: the new resource adopts the rule, then CloudFormation removes the old resource
# with the DeletionPolicy of the template it was deployed with; only Retain keeps the rule.
ADOPTION_LOSS = (
    "the new Custom::EcrPtcPullThroughCacheRule adopts the rule, then CloudFormation deletes the old "
    "AWS::ECR::PullThroughCacheRule {old} (deployed without DeletionPolicy Retain), and with it the rule"
)
ADOPTION_FIX = (
    "deploy once with -c ecr-ptc:pullThroughCacheRules=retain (CloudFormation then keeps the rules when their "
    "resources leave the template), then with =managed"
)
DEFAULT_FIX = "deploy twice: first with the resource left out of the config, then with the change"
TYPE_CHANGE_FIX = "keep the old resource's type under its logical id, or give the new resource another logical id"
SINGLETON_FIX = "keep the registry setting under its old logical id (construct id) so CloudFormation updates it"


@dataclass(frozen=True)
class TypeFacts:
    """Per resource type: the property paths whose change replaces it, and the properties naming it."""

    create_only: tuple[tuple[str, ...], ...]
    identity: tuple[str, ...]  # writable primary identifier, or NAMED's name; empty: a generated identity
    delete_first: bool = False  # the schema's replacementStrategy is delete_then_create: no collision


def _paths(pointers: object) -> list[tuple[str, ...]]:
    paths = []
    for pointer in pointers if isinstance(pointers, list) else []:
        parts = str(pointer).split("/")
        if parts[:2] == ["", "properties"] and len(parts) > 2:
            paths.append(tuple(parts[2:]))
    return paths


@functools.lru_cache(maxsize=None)
def type_facts(region: str, resource_type: str) -> Optional[TypeFacts]:
    """The facts of ``resource_type`` in ``region``; None for a type cfn-lint's schemas do not know."""
    from ecr_ptc.validation import resource_schema

    schema = resource_schema(region, resource_type)
    if schema is None:
        return None
    read_only = {path[0] for path in _paths(schema.get("readOnlyProperties"))}
    primary = [path[0] for path in _paths(schema.get("primaryIdentifier")) if len(path) == 1]
    writable = tuple(name for name in primary if name not in read_only)
    identity = writable if writable and len(writable) == len(primary) else NAMED.get(resource_type, ())
    return TypeFacts(
        create_only=tuple(_paths(schema.get("createOnlyProperties"))),
        identity=identity,
        delete_first=schema.get("replacementStrategy") == "delete_then_create",
    )


def fix_for(resource_type: str) -> str:
    return FIXES.get(resource_type, DEFAULT_FIX)


__all__ = ["LOSSES", "NAMED", "SINGLETONS", "TypeFacts", "fix_for", "type_facts"]
