"""A Kyverno ClusterPolicy that points Pods at the cache when they are created (``ecr-ptc uri --kyverno``).

Generated from :func:`ecr_ptc_runtime.patterns.rewrite_patterns`, the regular-expression form of the one
mapping ``ecr-ptc uri`` and ``ecr-ptc rewrite`` use (tests run every pattern against the reference table
and compare with :func:`~ecr_ptc_runtime.mapping.map_reference`). Kyverno's own image variables are not used:
how they normalise a one-component name differs between Kyverno versions (``registry.k8s.io/pause`` became
``library/pause`` in some), while a pattern over the image as written means the same everywhere.

Design choices, each a reason a reviewer can check:

* Pods only, on CREATE, with auto-generation for controllers off: Deployments and the like keep their
  manifests' images (no GitOps drift), and their Pods are rewritten when created. A running Pod is never
  changed (an UPDATE that rewrote an image would restart its container).
* containers, initContainers and ephemeralContainers of the Pod. Ephemeral containers added later with
  ``kubectl debug`` arrive through the ``pods/ephemeralcontainers`` subresource, which this policy does not
  match: name the cache URI there yourself (``ecr-ptc uri``).
* One Kyverno rule per cache rule, in the order the mapping tries them (longest upstream prefix first):
  a rewritten image names the cache registry and matches no later rule.
* A rule's ``allow`` and ``deny`` lists are conditions on the rewritten image (``regex_match`` over
  ``regex_replace_all``): an image they refuse is left as written, and no later rule takes it.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from ecr_ptc_runtime.mapping import CacheRule, reference_hosts
from ecr_ptc_runtime.patterns import RewritePattern, rewrite_patterns

POLICY_NAME = "ecr-ptc-pull-through-cache"
MIN_KYVERNO = "1.10.0"  # match.resources.operations
CONTAINER_LISTS = (
    ("containers", "request.object.spec.containers"),
    ("initContainers", "request.object.spec.initContainers || `[]`"),
    ("ephemeralContainers", "request.object.spec.ephemeralContainers || `[]`"),
)


def _jmespath_string(text: str) -> str:
    """A JMESPath raw string literal: single quotes, with a quote escaped (backslashes stay as they are)."""
    return "'" + text.replace("'", "\\'") + "'"


def rule_name(prefix: str) -> str:
    """``team/quay`` -> ``cache-team-quay`` (Kyverno rule names: at most 63 characters)."""
    return ("cache-" + re.sub(r"[^a-z0-9-]+", "-", prefix.lower()).strip("-"))[:63]


def _unique_names(prefixes: list[str]) -> dict[str, str]:
    """A rule name per prefix; ``a/b`` and ``a-b`` would both be ``cache-a-b``, so the later one gets a number."""
    names: dict[str, str] = {}
    for i, prefix in enumerate(prefixes):
        name = rule_name(prefix)
        if name in names.values():
            name = f"{name[:58]}-{i + 1}"
        names[prefix] = name
    return names


def _foreach(pattern: RewritePattern) -> list[dict[str, Any]]:
    conditions: list[dict[str, Any]] = [
        {
            "key": f"{{{{ regex_match({_jmespath_string(pattern.match)}, element.image) }}}}",
            "operator": "Equals",
            "value": True,
        }
    ]
    conditions += [
        {
            "key": f"{{{{ regex_match({_jmespath_string(unless)}, element.image) }}}}",
            "operator": "Equals",
            "value": False,
        }
        for unless in pattern.unless
    ]
    rewritten = (
        f"regex_replace_all({_jmespath_string(pattern.match)}, element.image, {_jmespath_string(pattern.replacement)})"
    )
    image = f"{{{{ {rewritten} }}}}"
    if pattern.only:  # the rule's allow list: the rewritten image must name an allowed repository
        alternatives = "|".join(f"(?:{o})" for o in pattern.only)
        conditions.append(
            {
                "key": f"{{{{ regex_match({_jmespath_string(alternatives)}, {rewritten}) }}}}",
                "operator": "Equals",
                "value": True,
            }
        )
    conditions += [  # the rule's deny list
        {"key": f"{{{{ regex_match({_jmespath_string(n)}, {rewritten}) }}}}", "operator": "Equals", "value": False}
        for n in pattern.never
    ]
    return [
        {
            "list": expression,
            "preconditions": {"all": conditions},
            "patchStrategicMerge": {"spec": {field: [{"name": "{{ element.name }}", "image": image}]}},
        }
        for field, expression in CONTAINER_LISTS
    ]


def cluster_policy(rules: Sequence[CacheRule], registry: str, source: str) -> dict[str, Any]:
    """The ClusterPolicy as a mapping, ready to dump as YAML.

    :param rules: the cache rules.
    :param registry: the cache registry host.
    :param source: the config file it was generated from (named in the description).
    """
    by_prefix: dict[str, list[RewritePattern]] = {}
    for pattern in rewrite_patterns(rules, registry):
        by_prefix.setdefault(pattern.prefix, []).append(pattern)
    upstreams = {r.prefix: reference_hosts(r)[0] for r in rules}
    return {
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {
            "name": POLICY_NAME,
            "annotations": {
                "policies.kyverno.io/title": "Pull images through the ECR pull-through cache",
                "policies.kyverno.io/subject": "Pod",
                "policies.kyverno.io/minversion": MIN_KYVERNO,
                "policies.kyverno.io/description": (
                    f"Generated by ecr-ptc uri --kyverno from {source}: when a Pod is created, images of "
                    f"{', '.join(dict.fromkeys(upstreams.values()))} are rewritten to the pull-through cache "
                    f"{registry}. Regenerate it after changing the rules."
                ),
                "pod-policies.kyverno.io/autogen-controllers": "none",
            },
        },
        "spec": {
            "background": False,
            "rules": [
                {
                    "name": name,
                    "match": {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]},
                    "mutate": {"foreach": [entry for p in by_prefix[prefix] for entry in _foreach(p)]},
                }
                for prefix, name in _unique_names(list(by_prefix)).items()
            ],
        },
    }


def to_yaml(policy: dict[str, Any]) -> str:
    """YAML with every string that holds a Kyverno expression double-quoted (as Kyverno's own samples write them)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # each rule spelt out: no &anchors for shared lists
            return True

    def string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = '"' if "{{" in value or "\\" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, string)
    return yaml.dump(policy, Dumper=Dumper, sort_keys=False, width=4096, default_flow_style=False)


__all__ = ["POLICY_NAME", "cluster_policy", "rule_name", "to_yaml"]
