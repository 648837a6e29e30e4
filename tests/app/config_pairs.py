"""Config pairs (A, B) for the pair property test: A from the config strategy, B = A with one targeted edit.

Each ``Mutation`` edits one key the way a platform team changes a deployed config; ``apply`` returns the
edited copy of A's document, or None when the edit does not apply to A (no rule with credentials, ...).
Add a mutation for a new config key to ``MUTATIONS`` (one entry, a name and a function).
"""

from __future__ import annotations

import copy
import string
from dataclasses import dataclass
from typing import Any, Callable, Optional

from hypothesis import strategies as st

from .config_strategy import OMIT, Draft, config_documents, dump

Document = dict[str, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]
SUFFIX = st.text(string.ascii_letters + string.digits, min_size=6, max_size=6)


@dataclass(frozen=True)
class Mutation:
    name: str
    apply: Callable[[Document, Draw], Optional[Document]]


def _rules(doc: Document, where: Callable[[dict], bool]) -> list[dict]:
    return [r for r in doc.get("rules", []) if isinstance(r, dict) and where(r)]


def _single_location(doc: Document) -> Optional[tuple[str, str]]:
    """(region, account) every stack shares, when one is known."""
    envs = doc.get("environments") or []
    org = doc.get("organization")
    if org:
        return org["hub"]["region"], org["hub"]["account"]
    if len(envs) == 1 and envs[0].get("account"):
        return envs[0]["region"], envs[0]["account"]
    return None


def credential_form(doc: Document, draw: Draw) -> Optional[Document]:
    """A rule's credentials switched between secretName, secretArn and create."""
    rules = _rules(doc, lambda r: "credentials" in r)
    if not rules:
        return None
    rule = draw(st.sampled_from(rules))
    location = _single_location(doc)
    forms = ["secretName", "create"] + (["secretArn"] if location else [])
    form = draw(st.sampled_from([f for f in forms if f not in rule["credentials"]]))
    name = f"ecr-pullthroughcache/{rule.get('upstream')}"
    if form == "secretArn" and location:
        region, account = location
        rule["credentials"] = {"secretArn": f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-{draw(SUFFIX)}"}
    else:
        rule["credentials"] = {"secretName": name} if form == "secretName" else {"create": True}
    return doc


def secret_arn_suffix(doc: Document, draw: Draw) -> Optional[Document]:
    """A secret recreated: the same name, a new 6-character suffix in its ARN."""
    rules = _rules(doc, lambda r: "secretArn" in r.get("credentials", {}))
    if not rules:
        return None
    rule = draw(st.sampled_from(rules))
    arn = rule["credentials"]["secretArn"]
    new = draw(SUFFIX.filter(lambda s: s != arn[-6:]))
    rule["credentials"]["secretArn"] = arn[:-6] + new
    return doc


def role_path(doc: Document, draw: Draw) -> Optional[Document]:
    iam = doc.setdefault("iam", {})
    iam["rolePath"] = draw(st.sampled_from([p for p in ("/", "/platform/", "/moved/") if p != iam.get("rolePath")]))
    return doc


def boundary(doc: Document, draw: Draw) -> Optional[Document]:
    iam = doc.setdefault("iam", {})
    if iam.pop("permissionsBoundary", None) is None:
        iam["permissionsBoundary"] = "arn:aws:iam::aws:policy/PowerUserAccess"
    return doc


def upstream_prefix(doc: Document, draw: Draw) -> Optional[Document]:
    rules = _rules(doc, lambda r: r.get("prefix") != "ROOT")
    if not rules:
        return None
    rule = draw(st.sampled_from(rules))
    rule["upstreamPrefix"] = "moved" if rule.get("upstreamPrefix") != "moved" else "team"
    return doc


def registry_url(doc: Document, draw: Draw) -> Optional[Document]:
    rules = _rules(doc, lambda r: r.get("upstream") in ("ecr", "azure-container-registry"))
    if not rules:
        return None
    rule = draw(st.sampled_from(rules))
    if rule["upstream"] == "ecr":
        account = "999988887777" if not rule["registryUrl"].startswith("9999") else "888877776666"
        rule["registryUrl"] = account + rule["registryUrl"][12:]
    else:
        rule["registryUrl"] = ("moved" if not rule["registryUrl"].startswith("moved") else "other") + "01.azurecr.io"
    return doc


def prefix_rename(doc: Document, draw: Draw) -> Optional[Document]:
    rules = _rules(doc, lambda r: True)
    used = {str(r.get("prefix", "")).rstrip("/") for r in rules}
    rule = draw(st.sampled_from(rules))
    rule["prefix"] = next(p for p in ("renamed", "renamed2", "renamed3", "renamed4", "renamed5") if p not in used)
    return doc


def rule_order(doc: Document, draw: Draw) -> Optional[Document]:
    if len(doc.get("rules", [])) < 2:
        return None
    doc["rules"] = list(reversed(doc["rules"]))
    return doc


def hub_move(doc: Document, draw: Draw) -> Optional[Document]:
    org = doc.get("organization")
    if not org:
        return None
    hub = org["hub"]
    if draw(st.booleans()):
        hub["account"] = "777766665555" if hub["account"] != "777766665555" else "666655554444"
    else:
        hub["region"] = "eu-central-1" if hub["region"] != "eu-central-1" else "eu-west-3"
    return doc


def kms(doc: Document, draw: Draw) -> Optional[Document]:
    """Repository encryption: AES256 (or ECR's default) to a KMS key and back."""
    repositories = doc.get("repositories") or {}
    location = _single_location(doc)
    if isinstance(repositories.get("encryption"), dict):
        repositories["encryption"] = "AES256"
    elif location:
        region, account = location
        repositories["encryption"] = {
            "kmsKeyArn": f"arn:aws:kms:{region}:{account}:key/{'1' * 8}-2222-3333-4444-{'5' * 12}"
        }
    else:
        return None
    doc["repositories"] = repositories
    return doc


def tags(doc: Document, draw: Draw) -> Optional[Document]:
    doc["tags"] = {**(doc.get("tags") or {}), "owner": draw(st.sampled_from(["platform", "team-b"]))}
    return doc


def monitoring(doc: Document, draw: Draw) -> Optional[Document]:
    if doc.pop("monitoring", OMIT) is OMIT:
        doc["monitoring"] = {"email": ["platform@example.com"], "dashboard": True}
    return doc


def workstation_kind(doc: Document, draw: Draw) -> Optional[Document]:
    station = doc.get("workstation")
    if not station:
        return None
    doc["workstation"] = {"kind": "ec2" if station["kind"] == "cloud9" else "cloud9"}
    return doc


def public_upstreams(doc: Document, draw: Draw) -> Optional[Document]:
    org = doc.get("organization")
    if not org:
        return None
    org["publicUpstreams"] = "direct" if org.get("publicUpstreams", "hub") == "hub" else "hub"
    return doc


def _prefix(rule: dict) -> str:
    from .config_strategy import UPSTREAMS

    prefix = rule.get("prefix")
    return UPSTREAMS[rule["upstream"]][0] if prefix is None else str(prefix).rstrip("/") or str(prefix)


def allow_lists(doc: Document, draw: Draw) -> Optional[Document]:
    """A rule's allow/deny lists dropped, or added (README "Which images may enter": only on a rule whose prefix
    nests with no other's). The lists added let every image in but one name, so warm.images stay allowed."""
    from .config_strategy import nests

    rules = _rules(doc, lambda r: "upstream" in r)
    apart = [r for r in rules if not any(nests(_prefix(r), _prefix(o)) for o in rules if o is not r)]
    if not apart:
        return None
    rule = draw(st.sampled_from(apart))
    if "allow" in rule or "deny" in rule:
        rule.pop("allow", None)
        rule.pop("deny", None)
        return doc
    under = str(rule.get("upstreamPrefix") or "ROOT").rstrip("/")
    lead = "" if under == "ROOT" else f"{under}/"
    rule["allow"] = [f"{lead}*"]
    rule["deny"] = [f"{lead}zz-never-warmed/x9"]
    return doc


def delete_on_stack_delete(doc: Document, draw: Draw) -> Optional[Document]:
    """repositories.deleteOnStackDelete turned on or off (README "Removing the cache": never with a ROOT rule)."""
    if _rules(doc, lambda r: r.get("prefix") == "ROOT"):
        return None
    repositories = doc.get("repositories")
    repositories = dict(repositories) if isinstance(repositories, dict) else {}
    repositories["deleteOnStackDelete"] = not repositories.get("deleteOnStackDelete", False)
    doc["repositories"] = repositories
    return doc


def fill_on_miss(doc: Document, draw: Draw) -> Optional[Document]:
    """Miss forwarding switched on or off (the hub's bus and fill function, each spoke's forwarding rule)."""
    org = doc.get("organization")
    if not org:
        return None
    org["fillOnMiss"] = not org.get("fillOnMiss", True)
    return doc


def auto_deploy_depends_on(doc: Document, draw: Draw) -> Optional[Document]:
    """The StackSet's automatic deployments made to wait for another StackSet, or no longer."""
    org = doc.get("organization")
    if not org or org.get("autoDeploy") is False:
        return None
    if org.pop("autoDeployDependsOn", None) is None:
        org["autoDeployDependsOn"] = [
            "arn:aws:cloudformation:us-east-1:222222222222:stackset/account-baseline:0000abcd-0000-4000-8000-000000000001"
        ]
    return doc


FILL_ON_MISS: Optional[Mutation] = Mutation("fillOnMiss", fill_on_miss)

MUTATIONS: tuple[Mutation, ...] = tuple(
    m
    for m in (
        Mutation("credential form", credential_form),
        Mutation("secret ARN suffix", secret_arn_suffix),
        Mutation("rolePath", role_path),
        Mutation("permissions boundary", boundary),
        Mutation("upstreamPrefix", upstream_prefix),
        Mutation("registryUrl", registry_url),
        Mutation("prefix rename", prefix_rename),
        Mutation("rule order", rule_order),
        Mutation("hub move", hub_move),
        Mutation("KMS on/off", kms),
        Mutation("tags", tags),
        Mutation("monitoring on/off", monitoring),
        Mutation("workstation kind", workstation_kind),
        Mutation("publicUpstreams", public_upstreams),
        Mutation("allow/deny lists", allow_lists),
        Mutation("deleteOnStackDelete", delete_on_stack_delete),
        Mutation("autoDeployDependsOn", auto_deploy_depends_on),
        FILL_ON_MISS,
    )
    if m is not None
)


@dataclass(frozen=True)
class Pairs:
    """A valid draft A and one or more B, each A with one mutation: (mutation name, B's text)."""

    a: Draft
    bs: tuple[tuple[str, str], ...]

    def __repr__(self) -> str:  # what a failure report shows: the files as written
        shown = "".join(f", {name}=<<<\n{text}>>>" for name, text in self.bs)
        return f"Pairs(a=<<<\n{self.a.text}>>>{shown})"


@st.composite
def config_pairs(draw, per_a: int = 2, mutations: tuple[Mutation, ...] = MUTATIONS) -> Pairs:
    """A valid draft A (the config strategy's) and up to ``per_a`` Bs, each with another mutation that applies
    to A (A is synthesized once for all of them)."""
    a = draw(config_documents(near_miss_chance=None))
    bs: list[tuple[str, str]] = []
    for mutation in draw(st.permutations(mutations)):
        b = mutation.apply(copy.deepcopy(a.document), draw)
        if b is not None and b != a.document:
            bs.append((mutation.name, dump(b)))
        if len(bs) == per_a:
            break
    return Pairs(a, tuple(bs))
