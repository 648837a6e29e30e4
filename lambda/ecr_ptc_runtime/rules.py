"""Pull-through cache rules as a CloudFormation custom resource (``Custom::EcrPtcPullThroughCacheRule``).

``AWS::ECR::PullThroughCacheRule`` marks every property create-only, so CloudFormation replaces a rule for any
change, creating the new one first under the same prefix, which ECR refuses. This resource makes ECR hold the
rule the template describes instead, in place:

* the same upstream (registry URL, upstream registry, upstream prefix), another credential or role:
  ``UpdatePullThroughCacheRule`` (it updates ``credentialArn`` and ``customRoleArn`` of an existing rule);
* another upstream under the same prefix: ``DeletePullThroughCacheRule`` then ``CreatePullThroughCacheRule``,
  within the one request;
* no rule under the prefix: ``CreatePullThroughCacheRule``; a rule that is already what the template says is
  adopted as it is (the move from ``AWS::ECR::PullThroughCacheRule``, whose rule stays by ``DeletionPolicy:
  Retain``). A different rule of another owner under the prefix is refused, never overwritten, on Create.

The physical id is the ECR prefix: a new prefix is a new rule, and CloudFormation deletes the old one (its Delete,
``DeletePullThroughCacheRule``; a rule already gone is fine). The same request replayed (a retry, a rollback to
the old properties) reconciles to the same state.

ResourceProperties: EcrRepositoryPrefix, UpstreamRegistryUrl, UpstreamRegistry, UpstreamRepositoryPrefix,
CredentialArn, CustomRoleArn (the last four optional), as ``AWS::ECR::PullThroughCacheRule`` names them.
"""

from __future__ import annotations

from typing import Any, Optional

from .logs import log

# ResourceProperties -> the ECR API's parameter, for the upstream (fixed once a rule exists) and the rest.
UPSTREAM = {
    "UpstreamRegistryUrl": "upstreamRegistryUrl",
    "UpstreamRegistry": "upstreamRegistry",
    "UpstreamRepositoryPrefix": "upstreamRepositoryPrefix",
}
UPDATABLE = {"CredentialArn": "credentialArn", "CustomRoleArn": "customRoleArn"}
NOT_FOUND = "PullThroughCacheRuleNotFoundException"
# The physical id of a Create that failed: its rollback Delete must not delete a rule it never made.
NOT_CREATED = "not-created:"


class RuleConflict(Exception):
    """A rule of another owner holds the prefix."""


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def wanted(props: dict[str, Any]) -> dict[str, str]:
    """The rule ``props`` describe, in the ECR API's names (empty values left out)."""
    out = {"ecrRepositoryPrefix": str(props["EcrRepositoryPrefix"])}
    for prop, name in {**UPSTREAM, **UPDATABLE}.items():
        if props.get(prop):
            out[name] = str(props[prop])
    return out


def describe(client: Any, prefix: str) -> Optional[dict[str, Any]]:
    try:
        rules = client.describe_pull_through_cache_rules(ecrRepositoryPrefixes=[prefix])["pullThroughCacheRules"]
    except Exception as exc:  # botocore's errors load lazily: tell them by code
        if _code(exc) == NOT_FOUND:
            return None
        raise
    return rules[0] if rules else None


def _same(current: dict[str, Any], want: dict[str, str], names: dict[str, str]) -> bool:
    # ECR reports an unset upstream prefix as ROOT (the API reference's default): compare them as equal.
    def value(rule: dict[str, Any], name: str) -> Any:
        found = rule.get(name)
        return "ROOT" if name == "upstreamRepositoryPrefix" and not found else found or None

    return all(value(current, name) == value(want, name) for name in names.values())


def reconcile(client: Any, props: dict[str, Any], *, adopt_only_identical: bool) -> str:
    """Make ECR hold the rule ``props`` describe; returns what it did. ``adopt_only_identical``: a different rule
    under the prefix is another owner's (Create), not this resource's old state (Update)."""
    want = wanted(props)
    prefix = want["ecrRepositoryPrefix"]
    current = describe(client, prefix)
    if current is None:
        client.create_pull_through_cache_rule(**want)
        return "created"
    if _same(current, want, UPSTREAM) and _same(current, want, UPDATABLE):
        return "kept"
    if adopt_only_identical:
        raise RuleConflict(
            f"a pull-through cache rule with prefix {prefix!r} exists and differs from this one "
            f"(upstream {current.get('upstreamRegistryUrl')}): delete it (aws ecr delete-pull-through-cache-rule "
            f"--ecr-repository-prefix {prefix}) or give this rule another prefix"
        )
    if _same(current, want, UPSTREAM):
        update = {"ecrRepositoryPrefix": prefix, **{n: want[n] for n in UPDATABLE.values() if n in want}}
        client.update_pull_through_cache_rule(**update)
        return "updated"
    remove(client, prefix)
    client.create_pull_through_cache_rule(**want)
    return "recreated"


def remove(client: Any, prefix: str) -> str:
    try:
        client.delete_pull_through_cache_rule(ecrRepositoryPrefix=prefix)
    except Exception as exc:
        if _code(exc) == NOT_FOUND:
            return "gone"
        raise
    return "deleted"


def on_event(event: dict[str, Any], client: Any) -> str:
    """Carry out one CloudFormation request; returns the physical id (the prefix)."""
    kind = event["RequestType"]
    props = event.get("ResourceProperties", {})
    if kind == "Delete":
        prefix = str(event.get("PhysicalResourceId", ""))
        done = remove(client, prefix) if prefix and not prefix.startswith(NOT_CREATED) else "nothing"
        log("pull-through-cache-rule", request=kind, prefix=prefix, result=done)
        return prefix
    prefix = str(props["EcrRepositoryPrefix"])
    moved = kind == "Update" and event.get("PhysicalResourceId") != prefix
    done = reconcile(client, props, adopt_only_identical=kind == "Create" or moved)
    log("pull-through-cache-rule", request=kind, prefix=prefix, result=done)
    return prefix
