"""Hypothesis strategies for ecr-ptc config files (README "Config reference").

``config_documents()`` draws a :class:`Draft`: the YAML text of a whole config, the document it
was made from, and the near-misses put in on purpose (none: the draft is meant to be valid).

The strategy knows the config from the README, not from the product code: one ``Section`` per
top-level key, each with a ``valid`` strategy (a value, or ``OMIT``) and a ``near_miss`` strategy
(a value one mistake away from valid, and what the mistake is). A new top-level key is one more
``Section`` in ``SECTIONS``; a new key inside a section is one more line in its ``valid``
function (and, ideally, one more mutation in its ``near_miss`` list).

Sections are drawn in dependency order (environments, then rules, then what refers to the rules)
and share what later sections need through :class:`Context`; the YAML lists them in the usual
order, rules first.
"""

from __future__ import annotations

import datetime
import functools
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml
from hypothesis import strategies as st

OMIT = object()  # a section (or key) left out of the document

# --- facts from the README -------------------------------------------------------------------
UPSTREAMS = {  # name -> (default prefix, fixed registry URL or None, kind of authentication)
    "ecr-public": ("ecr-public", "public.ecr.aws", "none"),
    "k8s": ("k8s", "registry.k8s.io", "none"),
    "quay": ("quay", "quay.io", "none"),
    "docker-hub": ("docker-hub", "registry-1.docker.io", "secret"),
    "github-container-registry": ("ghcr", "ghcr.io", "secret"),
    "gitlab-container-registry": ("gitlab", "registry.gitlab.com", "secret"),
    "azure-container-registry": ("azure", None, "secret"),
    "chainguard": ("chainguard", "cgr.dev", "secret"),
    "ecr": ("ecr", None, "role"),
}
# Commercial Regions with Amazon ECR: long-standing ones and some of the newest (where fewer
# services are offered, which is what a deployability check should see).
REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "sa-east-1",
    "ap-northeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "ap-southeast-5",
    "mx-central-1",
    "ca-west-1",
    "il-central-1",
)
ACCOUNTS = ("123456789012", "111122223333", "444455556666", "210987654321")
# x86_64 and Graviton types of many families (README: t3.small, m7g.large).
EC2_INSTANCE_TYPES = (
    "t3.small",
    "t3.micro",
    "m7g.large",
    "t4g.small",
    "c6in.xlarge",
    "m5.large",
    "t3a.medium",
    "c7g.medium",
    "m7i-flex.large",
    "r6i.large",
)
# Cloud9 takes x86_64 types in its API's pattern (family letters and one digit before the dot).
CLOUD9_INSTANCE_TYPES = ("t3.small", "t3.medium", "t2.micro", "m5.large", "c5.xlarge")
GRAVITON_INSTANCE_TYPES = ("m7g.large", "t4g.small", "c7g.medium")
PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386", "linux/ppc64le", "linux/s390x")
TAGS = ("latest", "1.27", "v3", "3.10", "stable-alpine", "2024.06.1", "v1_2")
# A small pool of name parts makes names that differ only in their separators likely
# (a-b, a.b, a_b, a/b): exactly what distinct construct ids and outputs must survive.
WORDS = ("a", "b", "c1", "hub", "team", "io", "base", "x9")
SEPARATORS = (".", "_", "__", "-", "--", "/")


@dataclass
class Rule:
    """What later sections need to know about a rule the strategy drew."""

    upstream: str
    prefix: str  # effective: the default filled in, the trailing '/' dropped
    create: bool = False  # credentials: {create: true}
    upstream_prefix: Optional[str] = None  # None or ROOT: none
    restricted: bool = False  # allow or deny lists (README: warm.images must pass them)


@dataclass
class Context:
    regions: list[str] = field(default_factory=list)  # of the environments; [] = environment-agnostic
    accounts: list[Optional[str]] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    scan_type: Optional[str] = None  # repositories.scanOnPush as a registry scan type, when on
    # a rule's own repositories block keeps a count or brings a policy file: the default block then must not
    # archive by last pull (README: archiveUnpulledAfterDays goes with neither)
    own_lifecycle: bool = False
    organization_id: Optional[str] = None  # with organization: access names no other organization

    @property
    def single_region(self) -> Optional[str]:
        """The one Region every stack is in, when there is exactly one."""
        return self.regions[0] if len(set(self.regions)) == 1 else None


@dataclass(frozen=True)
class Draft:
    text: str  # the YAML file
    document: Any  # what the text was dumped from (before any text-level mistake)
    near_misses: tuple[str, ...]  # () = meant to be valid

    @property
    def meant_valid(self) -> bool:
        return not self.near_misses

    def __repr__(self) -> str:  # what a failure report shows: the file as written
        return f"Draft(near_misses={list(self.near_misses)!r}, text=<<<\n{self.text}>>>)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis prints with this
        printer.text(repr(self))


@dataclass(frozen=True)
class Section:
    key: str
    valid: Callable[[Context], st.SearchStrategy[Any]]  # a value or OMIT; records into the Context
    near_miss: Callable[[Context], st.SearchStrategy[tuple[Any, str]]]  # (value, what is wrong)


# --- small pieces ----------------------------------------------------------------------------
@st.composite
def name_path(draw, min_parts: int = 1, max_parts: int = 3, slash: bool = True) -> str:
    """Lower-case name parts joined by separators: ``a``, ``team/hub``, ``c1.io__base``."""
    parts = draw(st.lists(st.sampled_from(WORDS), min_size=min_parts, max_size=max_parts))
    separators = SEPARATORS if slash else tuple(s for s in SEPARATORS if s != "/")
    text = parts[0]
    for part in parts[1:]:
        text += draw(st.sampled_from(separators)) + part
    return text


@st.composite
def custom_prefix(draw) -> str:
    """A valid non-ROOT prefix, 2-30 characters, sometimes with the trailing '/' ECR drops."""
    prefix = draw(name_path().filter(lambda p: 2 <= len(p) <= 29))
    return prefix + "/" if draw(st.integers(0, 5)) == 0 else prefix


def account() -> st.SearchStrategy[str]:
    return st.sampled_from(ACCOUNTS)


def region() -> st.SearchStrategy[str]:
    return st.sampled_from(REGIONS)


def secret_suffix() -> st.SearchStrategy[str]:
    # README: six lower-case letters read as the end of a name (a partial ARN) and are refused
    return st.text(string.ascii_letters + string.digits, min_size=6, max_size=6).filter(
        lambda s: not (s.isalpha() and s.islower())
    )


def secret_leaf() -> st.SearchStrategy[str]:
    return st.text(string.ascii_lowercase + string.digits + "/_+=.@-", min_size=1, max_size=20).filter(
        lambda s: s[0].isalnum()
    )


@st.composite
def secret_arn(draw, in_region: Optional[str], in_account: Optional[str]) -> str:
    return (
        f"arn:aws:secretsmanager:{in_region or draw(region())}:{in_account or draw(account())}:secret:"
        f"ecr-pullthroughcache/{draw(secret_leaf())}-{draw(secret_suffix())}"
    )


@st.composite
def kms_key_arn(draw, in_region: str) -> str:
    key = draw(st.uuids()).hex
    return f"arn:aws:kms:{in_region}:{draw(account())}:key/{key[:8]}-{key[8:12]}-{key[12:16]}-{key[16:20]}-{key[20:]}"


def role_name() -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Za-z][A-Za-z0-9+=,.@_-]{0,20}(/[A-Za-z0-9_-]{1,10})?", fullmatch=True)


# --- environments ----------------------------------------------------------------------------
@st.composite
def environments_valid(draw, ctx: Context) -> Any:
    if draw(st.booleans()):
        return OMIT
    with_account = draw(st.booleans())  # all with, or all without: two stacks never share a registry
    pairs = draw(
        st.lists(st.tuples(account() if with_account else st.none(), region()), min_size=1, max_size=2, unique=True)
    )
    if not with_account:
        pairs = list({r: (a, r) for a, r in pairs}.values())
    ctx.regions = [r for _, r in pairs]
    ctx.accounts = [a for a, _ in pairs]
    return [{"region": r} if a is None else {"account": a, "region": r} for a, r in pairs]


@st.composite
def environments_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    good = {"account": draw(account()), "region": draw(region())}
    choice = draw(
        st.sampled_from(
            [
                ("a Region that does not exist", {"region": "eu-west-10"}),
                ("a Region in capitals", {"region": "EU-WEST-1"}),
                ("a China Region", {"region": "cn-north-1"}),
                ("a GovCloud Region", {"region": "us-gov-west-1"}),
                ("a Region without its number", {"region": "eu-west"}),
                ("an 11-digit account", {"account": "12345678901", "region": "eu-west-1"}),
                ("no region", {"account": "123456789012"}),
                ("a misspelt key", {"acount": "123456789012", "region": "eu-west-1"}),
                ("the same environment twice", "duplicate"),
                ("a mapping instead of a list", "mapping"),
            ]
        )
    )
    what, value = choice
    if value == "duplicate":
        return [good, dict(good)], what
    if value == "mapping":
        return good, what
    return [value], what


# --- rules -----------------------------------------------------------------------------------
@st.composite
def one_rule(draw, ctx: Context, used: set[str]) -> dict:
    upstream = draw(st.sampled_from(sorted(UPSTREAMS)))
    default_prefix, fixed_url, auth = UPSTREAMS[upstream]
    choices = [custom_prefix()]
    if default_prefix not in used:
        choices.append(st.none())
    if "ROOT" not in used:
        choices.append(st.just("ROOT"))
    prefix = draw(
        st.one_of(*choices).filter(
            lambda p: (p.rstrip("/") if p not in (None, "ROOT") else p or default_prefix) not in used
        )
    )
    effective = default_prefix if prefix is None else prefix if prefix == "ROOT" else prefix.rstrip("/")
    used.add(effective)
    rule: dict[str, Any] = {"upstream": upstream}
    if prefix is not None:
        rule["prefix"] = prefix
    if prefix != "ROOT" and draw(st.integers(0, 3)) == 0:
        rule["upstreamPrefix"] = draw(st.one_of(st.just("ROOT"), custom_prefix()))
    if upstream == "azure-container-registry":
        rule["registryUrl"] = (
            draw(st.text(string.ascii_lowercase + string.digits, min_size=5, max_size=50)) + ".azurecr.io"
        )
    elif upstream == "ecr":
        rule["registryUrl"] = f"{draw(account())}.dkr.ecr.{draw(region())}.amazonaws.com"
    elif draw(st.integers(0, 6)) == 0:
        rule["registryUrl"] = fixed_url  # the fixed URL, given anyway
    create = False
    if auth == "secret":
        how = draw(st.sampled_from(["secretName", "secretArn", "create"]))
        known_region = ctx.single_region if ctx.regions else None
        if how == "secretArn" and len(ctx.regions) > 1:
            how = "secretName"  # README: a literal ARN fits at most one of several environments
        if how == "secretName":
            rule["credentials"] = {"secretName": "ecr-pullthroughcache/" + draw(secret_leaf())}
        elif how == "secretArn":
            same_account = ctx.accounts[0] if ctx.accounts and len(set(ctx.accounts)) == 1 else None
            rule["credentials"] = {"secretArn": draw(secret_arn(known_region, same_account))}
        else:
            rule["credentials"] = {"create": True}
            create = True
    if draw(st.integers(0, 4)) == 0:  # README: a rule's own repositories block, over the default key by key
        own = draw(template_extras(file_allowed=True))
        if draw(st.booleans()):  # README: a policy file replaces every lifecycle key, so with one only null
            count = st.none() if "lifecyclePolicyFile" in own else st.one_of(st.none(), st.integers(1, 10000))
            own["keepLastImages"] = draw(count)
        rule["repositories"] = own
        ctx.own_lifecycle |= own.get("keepLastImages") is not None or "lifecyclePolicyFile" in own
    known_accounts = {a for a in ctx.accounts if a}
    if upstream == "ecr" and len(known_accounts) <= 1 and draw(st.booleans()):
        # README: the role is of the registry's own account (CustomRoleArn), unknown for an environment without one
        owner = next(iter(known_accounts)) if known_accounts else draw(account())
        rule["roleArn"] = f"arn:aws:iam::{owner}:role/{draw(role_name())}"
    ctx.rules.append(Rule(upstream, effective, create, rule.get("upstreamPrefix")))
    return rule


@st.composite
def rules_valid(draw, ctx: Context) -> list[dict]:
    used: set[str] = set()
    count = draw(st.integers(1, 4))
    rules = [draw(one_rule(ctx, used)) for _ in range(count)]
    first = len(ctx.rules) - len(rules)
    for rule, drawn in zip(rules, ctx.rules[first:], strict=True):
        # README: lists only on a rule whose prefix nests with no other rule's (ROOT beside others nests)
        if not any(nests(drawn.prefix, o.prefix) for o in ctx.rules[first:] if o is not drawn):
            if draw(st.integers(0, 2)) == 0:
                rule.update(draw(allow_lists(drawn)))
                drawn.restricted = True
    return rules


def nests(a: str, b: str) -> bool:
    return a == "ROOT" or b == "ROOT" or a.startswith(b + "/") or b.startswith(a + "/")


@st.composite
def list_pattern(draw, rule: Rule) -> str:
    """An upstream repository pattern (README: as the upstream names it, IAM's * and ?)."""
    parts = draw(st.lists(st.sampled_from([*WORDS, "*", "a?", "*x9"]), min_size=1, max_size=3))
    text = "/".join(parts)
    if rule.upstream_prefix not in (None, "ROOT"):
        return f"{rule.upstream_prefix.rstrip('/')}/{text}"
    if rule.upstream == "docker-hub" and "/" not in text and "*" not in text:
        return f"library/{text}"  # Docker Hub's official images live under library/
    return text


@st.composite
def allow_lists(draw, rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["allow"] = draw(st.lists(list_pattern(rule), min_size=1, max_size=4, unique=True))
    if not out or draw(st.booleans()):
        out["deny"] = draw(st.lists(list_pattern(rule), min_size=1, max_size=2, unique=True))
    return out


@st.composite
def rules_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    rules = draw(rules_valid(ctx))
    i = draw(st.integers(0, len(rules) - 1))
    rule = rules[i]
    mistakes: list[tuple[str, Callable[[], Any]]] = [
        ("a 31-character prefix", lambda: rule.update(prefix="a" * 31)),
        ("a 1-character prefix", lambda: rule.update(prefix="a")),
        ("a prefix with capitals", lambda: rule.update(prefix="Docker-Hub")),
        ("root in lower case", lambda: rule.update(prefix="root")),
        ("a doubled slash", lambda: rule.update(prefix="team//hub")),
        ("a leading separator", lambda: rule.update(prefix="-team")),
        ("the same prefix twice", lambda: rules.append(dict(rule))),
        ("upstreamPrefix with prefix ROOT", lambda: rule.update(prefix="ROOT", upstreamPrefix="base")),
        ("an allow pattern in capitals", lambda: rule.update(allow=["Team/*"])),
        ("a deny pattern as a string", lambda: rule.update(deny="team/*")),
        ("an allow pattern with an empty segment", lambda: rule.update(allow=["team//app"])),
        (
            "docker-hub without credentials",
            lambda: rules.__setitem__(i, {"upstream": "docker-hub", "prefix": "dh-missing"}),
        ),
        (
            "credentials on a public upstream",
            lambda: rules.__setitem__(i, {"upstream": "quay", "prefix": "q-creds", "credentials": {"create": True}}),
        ),
        (
            "a secret name without ecr-pullthroughcache/",
            lambda: rules.__setitem__(
                i, {"upstream": "chainguard", "prefix": "cg-name", "credentials": {"secretName": "chainguard-token"}}
            ),
        ),
        (
            "a secret ARN without its 6-character suffix",
            lambda: rules.__setitem__(
                i,
                {
                    "upstream": "chainguard",
                    "prefix": "cg-arn",
                    "credentials": {
                        "secretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/cg"
                    },
                },
            ),
        ),
        (
            "a partial secret ARN whose name ends in six letters",
            lambda: rules.__setitem__(
                i,
                {
                    "upstream": "docker-hub",
                    "prefix": "dh-partial",
                    "credentials": {
                        "secretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/my-docker"
                    },
                },
            ),
        ),
        (
            "two kinds of credentials",
            lambda: rules.__setitem__(
                i,
                {
                    "upstream": "github-container-registry",
                    "prefix": "gh-two",
                    "credentials": {"secretName": "ecr-pullthroughcache/gh", "create": True},
                },
            ),
        ),
        (
            "create: 'yes' as a string",
            lambda: rules.__setitem__(
                i, {"upstream": "gitlab-container-registry", "prefix": "gl-yes", "credentials": {"create": "yes"}}
            ),
        ),
        (
            "azure without registryUrl",
            lambda: rules.__setitem__(
                i, {"upstream": "azure-container-registry", "prefix": "az-url", "credentials": {"create": True}}
            ),
        ),
        (
            "a 3-character Azure registry name",
            lambda: rules.__setitem__(
                i,
                {
                    "upstream": "azure-container-registry",
                    "prefix": "az-short",
                    "registryUrl": "abc.azurecr.io",
                    "credentials": {"create": True},
                },
            ),
        ),
        (
            "an ECR registry URL with a short account",
            lambda: rules.__setitem__(
                i, {"upstream": "ecr", "prefix": "ecr-short", "registryUrl": "12345.dkr.ecr.eu-west-1.amazonaws.com"}
            ),
        ),
        (
            "another registryUrl for a fixed upstream",
            lambda: rules.__setitem__(i, {"upstream": "quay", "prefix": "q-url", "registryUrl": "quay.example.com"}),
        ),
        (
            "roleArn on a non-ecr upstream",
            lambda: rules.__setitem__(
                i, {"upstream": "k8s", "prefix": "k-role", "roleArn": "arn:aws:iam::123456789012:role/x"}
            ),
        ),
        (
            "a user ARN as roleArn",
            lambda: rules.__setitem__(
                i,
                {
                    "upstream": "ecr",
                    "prefix": "ecr-user",
                    "registryUrl": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                    "roleArn": "arn:aws:iam::123456789012:user/x",
                },
            ),
        ),
        ("an unknown upstream", lambda: rule.update(upstream="dockerhub")),
        ("a misspelt key", lambda: rule.update(upstreamPrefx="base")),
        ("a rule written as a string", lambda: rules.__setitem__(i, "ecr-public")),
        ("no rules", lambda: rules.clear()),
        (
            "51 rules",
            lambda: rules.__setitem__(slice(None), [{"upstream": "quay", "prefix": f"q{n:02d}"} for n in range(51)]),
        ),
    ]
    owner = next((a for a in ctx.accounts if a), None)
    if owner:  # README: an ecr rule's roleArn is a role of the registry's own account
        stranger = "444455556666" if owner != "444455556666" else "111122223333"
        mistakes.append(
            (
                "an ecr rule's roleArn of another account than the stack",
                lambda: rules.__setitem__(
                    i,
                    {
                        "upstream": "ecr",
                        "prefix": "ecr-other",
                        "registryUrl": f"{stranger}.dkr.ecr.us-east-1.amazonaws.com",
                        "roleArn": f"arn:aws:iam::{stranger}:role/Puller",
                    },
                ),
            )
        )
    if ctx.single_region:  # README: the secret is in the rule's own Region
        other = "us-west-2" if ctx.single_region != "us-west-2" else "eu-west-1"
        mistakes.append(
            (
                "a secret ARN in another Region than the stack",
                lambda: rules.__setitem__(
                    i,
                    {
                        "upstream": "chainguard",
                        "prefix": "cg-region",
                        "credentials": {
                            "secretArn": f"arn:aws:secretsmanager:{other}:123456789012:secret:ecr-pullthroughcache/cg-AbC123"
                        },
                    },
                ),
            )
        )
    if len(ctx.regions) > 1:  # README: a literal ARN fits at most one of several environments
        mistakes.append(
            (
                "a secret ARN with several environments",
                lambda: rules.__setitem__(
                    i,
                    {
                        "upstream": "chainguard",
                        "prefix": "cg-envs",
                        "credentials": {
                            "secretArn": f"arn:aws:secretsmanager:{ctx.regions[0]}:{ctx.accounts[0] or '123456789012'}"
                            ":secret:ecr-pullthroughcache/cg-AbC123"
                        },
                    },
                ),
            )
        )
    if ctx.single_region and ctx.accounts and ctx.accounts[0]:
        mistakes.append(
            (
                "a secret ARN of another account than the stack",
                lambda: rules.__setitem__(
                    i,
                    {
                        "upstream": "chainguard",
                        "prefix": "cg-acct",
                        "credentials": {
                            "secretArn": f"arn:aws:secretsmanager:{ctx.single_region}:"
                            f"{'111122223333' if ctx.accounts[0] != '111122223333' else '444455556666'}"
                            ":secret:ecr-pullthroughcache/cg-AbC123"
                        },
                    },
                ),
            )
        )
    what, mutate = draw(st.sampled_from(mistakes))
    mutate()
    return rules, what


# --- repositories ----------------------------------------------------------------------------
@st.composite
def repositories_valid(draw, ctx: Context) -> Any:
    if draw(st.integers(0, 2)) == 0:
        return OMIT
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["tagMutability"] = draw(st.sampled_from(["MUTABLE", "IMMUTABLE", "mutable"]))
    # README: archiveUnpulledAfterDays goes with neither expireUntaggedAfterDays nor keepLastImages
    by_last_pull = not ctx.own_lifecycle and draw(st.integers(0, 2)) == 0
    if not by_last_pull and draw(st.booleans()):
        out["expireUntaggedAfterDays"] = draw(st.integers(1, 3650))
    if not by_last_pull and draw(st.booleans()):
        out["keepLastImages"] = draw(st.integers(1, 10000))
    if by_last_pull:
        out["archiveUnpulledAfterDays"] = draw(st.integers(1, 3650))
        if draw(st.booleans()):
            out["deleteArchivedAfterDays"] = draw(st.integers(90, 3650))
    if draw(st.booleans()):
        # a key of the stacks' Region (KMS keys are regional); any Region when it is not known
        key_region = ctx.single_region or (None if ctx.regions else draw(region()))
        out["encryption"] = (
            {"kmsKeyArn": draw(kms_key_arn(key_region))} if key_region and draw(st.booleans()) else "AES256"
        )
    if draw(st.booleans()):
        out["tags"] = draw(
            st.dictionaries(
                st.sampled_from(["team", "cost-center", "env", "owner", "app:tier"]),
                st.sampled_from(["platform", "42", "dev", "a b", "x" * 256]),
                min_size=1,
                max_size=3,
            )
        )
    # README: a scan filter allows one separator between characters, so no scanning with '--' or '__' prefixes
    if draw(st.booleans()):
        doubled = any("--" in r.prefix or "__" in r.prefix for r in ctx.rules)
        out["scanOnPush"] = "off" if doubled else draw(st.sampled_from(["basic", "enhanced", "off"]))
        ctx.scan_type = None if out["scanOnPush"] == "off" else out["scanOnPush"].upper()
    out.update(draw(template_extras()))
    if not any(r.prefix == "ROOT" for r in ctx.rules) and draw(st.integers(0, 3)) == 0:
        out["deleteOnStackDelete"] = draw(st.booleans())  # README: never with a ROOT rule
    return out


# README: tagMutabilityExclusions (1-5 filters of [0-9a-zA-Z._*-]), lifecycleRules, readAccess, lifecyclePolicyFile
EXCLUSIONS = ("latest", "stable*", "v*-rc*", "main", "dev-*", "*.nightly")
POLICY_FILE = str(Path(__file__).resolve().parent / "peers" / "lifecycle-policy.json")


@st.composite
def template_extras(draw, file_allowed: bool = False) -> dict[str, Any]:
    """The template keys a rule's own repositories block may also set (tag mutability with its
    exclusions always together, so a block never inherits filters that do not fit)."""
    out: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        mutability = draw(st.sampled_from(["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION", "MUTABLE"]))
        out["tagMutability"] = mutability
        out["tagMutabilityExclusions"] = (
            draw(st.lists(st.sampled_from(EXCLUSIONS), min_size=1, max_size=5, unique=True))
            if mutability.endswith("EXCLUSION")
            else []
        )
    if draw(st.integers(0, 3)) == 0:
        rules = []
        for _ in range(draw(st.integers(1, 3))):
            rule: dict[str, Any] = draw(
                st.sampled_from(
                    [
                        {"tagPrefixes": ["v", "release"][: draw(st.integers(1, 2))]},
                        {"tagPatterns": [draw(st.sampled_from(["*-rc*", "v*.*.*", "*a*b*c*d", "*"]))]},
                    ]
                )
            )
            if draw(st.booleans()):
                rule["keepLast"] = draw(st.integers(1, 10000))
            else:
                rule["expireAfterDays"] = draw(st.integers(1, 3650))
            if draw(st.booleans()):
                rule["description"] = "from the property test"
            rules.append(rule)
        out["lifecycleRules"] = rules
    if draw(st.integers(0, 3)) == 0:
        access: dict[str, Any] = {"services": ["omics.amazonaws.com"]}
        if draw(st.booleans()):
            access["principals"] = [draw(principal())]
        out["readAccess"] = access
    if file_allowed and draw(st.integers(0, 5)) == 0:
        out = {k: val for k, val in out.items() if k != "lifecycleRules"}
        out.update(
            lifecyclePolicyFile=POLICY_FILE,
            lifecycleRules=[],
            expireUntaggedAfterDays=None,
            keepLastImages=None,
            archiveUnpulledAfterDays=None,
            deleteArchivedAfterDays=None,
        )
    return out


@st.composite
def repositories_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    base = draw(repositories_valid(ctx))
    base = {} if base is OMIT else base
    mistakes = [
        ("tagMutability neither MUTABLE nor IMMUTABLE", {"tagMutability": "MUTABLE_ISH"}),
        ("expireUntaggedAfterDays 0", {"expireUntaggedAfterDays": 0}),
        ("expireUntaggedAfterDays 3651", {"expireUntaggedAfterDays": 3651}),
        ("expireUntaggedAfterDays as a string", {"expireUntaggedAfterDays": "7"}),
        ("expireUntaggedAfterDays true", {"expireUntaggedAfterDays": True}),
        ("keepLastImages 10001", {"keepLastImages": 10001}),
        ("encryption KMS without a key", {"encryption": "KMS"}),
        (
            "a key alias instead of a key ARN",
            {"encryption": {"kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:alias/ecr"}},
        ),
        ("a tag key starting with aws:", {"tags": {"aws:owner": "me"}}),
        ("51 tags", {"tags": {f"t{n}": "v" for n in range(51)}}),
        ("a 257-character tag value", {"tags": {"team": "x" * 257}}),
        ("scanOnPush on", {"scanOnPush": True}),
        ("scanOnPush continuous", {"scanOnPush": "continuous"}),
        ("deleteOnStackDelete as a string", {"deleteOnStackDelete": "yes"}),
        ("a misspelt key", {"expireAfterDays": 7}),
        ("exclusions with MUTABLE", {"tagMutability": "MUTABLE", "tagMutabilityExclusions": ["latest"]}),
        ("IMMUTABLE_WITH_EXCLUSION without filters", {"tagMutability": "IMMUTABLE_WITH_EXCLUSION"}),
        (
            "six exclusion filters",
            {"tagMutability": "IMMUTABLE_WITH_EXCLUSION", "tagMutabilityExclusions": list(EXCLUSIONS)},
        ),
        (
            "an exclusion filter with a slash",
            {"tagMutability": "MUTABLE_WITH_EXCLUSION", "tagMutabilityExclusions": ["release/1"]},
        ),
        (
            "a lifecycle rule with both lists",
            {"lifecycleRules": [{"tagPrefixes": ["v"], "tagPatterns": ["v*"], "keepLast": 1}]},
        ),
        ("a pattern with five wildcards", {"lifecycleRules": [{"tagPatterns": ["*a*b*c*d*"], "keepLast": 1}]}),
        ("a lifecycle rule with no action", {"lifecycleRules": [{"tagPrefixes": ["v"]}]}),
        ("a lifecycle rule selecting nothing", {"lifecycleRules": [{"keepLast": 3}]}),
        (
            "an untagged rule beside expireUntaggedAfterDays",
            {"expireUntaggedAfterDays": 3, "lifecycleRules": [{"tagStatus": "untagged", "expireAfterDays": 9}]},
        ),
        ("a policy file that does not exist", {"lifecyclePolicyFile": "no-such-policy.json"}),
        ("a policy file beside keepLastImages", {"lifecyclePolicyFile": POLICY_FILE, "keepLastImages": 3}),
        ("readAccess naming nobody", {"readAccess": {}}),
        ("expireUnpulledAfterDays, which ECR cannot do", {"expireUnpulledAfterDays": 90}),
        ("deleteArchivedAfterDays 89", {"archiveUnpulledAfterDays": 30, "deleteArchivedAfterDays": 89}),
        (
            "deleteArchivedAfterDays with nothing archived",
            {"archiveUnpulledAfterDays": None, "deleteArchivedAfterDays": 120},
        ),
        ("archiveUnpulledAfterDays 0", {"archiveUnpulledAfterDays": 0}),
        ("archiving beside keepLastImages", {"archiveUnpulledAfterDays": 30, "keepLastImages": 5}),
        ("archiving beside expireUntaggedAfterDays", {"archiveUnpulledAfterDays": 30, "expireUntaggedAfterDays": 5}),
        ("a service principal without its domain", {"readAccess": {"services": ["omics"]}}),
    ]
    if ctx.single_region:
        other = "us-west-2" if ctx.single_region != "us-west-2" else "eu-west-1"
        mistakes.append(("a KMS key of another Region", {"encryption": {"kmsKeyArn": draw(kms_key_arn(other))}}))
    what, change = draw(st.sampled_from(mistakes))
    return {**base, **change}, what


# --- access ----------------------------------------------------------------------------------
@st.composite
def principal(draw) -> str:
    acct = draw(account())
    return draw(
        st.sampled_from(
            [
                acct,
                f"arn:aws:iam::{acct}:root",
                f"arn:aws:iam::{acct}:role/ci-builder",
                f"arn:aws:iam::{acct}:user/jane",
                f"arn:aws:iam::{acct}:role/team/pull.er",
            ]
        )
    )


@st.composite
def access_valid(draw, ctx: Context) -> Any:
    if draw(st.integers(0, 2)) > 0:
        return OMIT
    out: dict[str, Any] = {}
    principals = draw(st.lists(principal(), max_size=3, unique=True))
    if principals or draw(st.booleans()):
        out["principals"] = principals
    if not principals or draw(st.booleans()):
        out["organizationId"] = ctx.organization_id or "o-" + draw(
            st.text(string.ascii_lowercase + string.digits, min_size=10, max_size=32)
        )
    return out


@st.composite
def access_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    what, value = draw(
        st.sampled_from(
            [
                ("an 11-digit account", {"principals": ["12345678901"]}),
                ("a group ARN", {"principals": ["arn:aws:iam::123456789012:group/devs"]}),
                ("a short organization id", {"organizationId": "o-abc"}),
                ("access naming nobody", {}),
                ("principals as one string", {"principals": "123456789012"}),
                ("a misspelt key", {"orgId": "o-a1b2c3d4e5"}),
            ]
        )
    )
    return value, what


# --- warm ------------------------------------------------------------------------------------
def owning_rule(repository: str, rules: list[Rule]) -> Optional[Rule]:
    """README: the longest matching prefix wins; ROOT matches everything, last."""
    matching = [r for r in rules if r.prefix == "ROOT" or repository.startswith(r.prefix + "/")]
    return max(matching, key=lambda r: -1 if r.prefix == "ROOT" else len(r.prefix), default=None)


def warmed_name(repository: str, tag: str, rule: Rule) -> str:
    """README: a docker-hub official image without library/ is warmed as <prefix>/library/<name>."""
    rest = repository[len(rule.prefix) + 1 :] if rule.prefix != "ROOT" else repository
    if rule.upstream == "docker-hub" and rule.prefix != "ROOT" and "/" not in rest:
        return f"{rule.prefix}/library/{rest}:{tag}"
    return f"{repository}:{tag}"


@st.composite
def warm_images(draw, ctx: Context) -> list[tuple[str, Rule]]:
    """1-3 images under the rules' prefixes, distinct as warmed; with the rule that caches each."""
    images: dict[str, tuple[str, Rule]] = {}
    open_rules = [r for r in ctx.rules if not r.restricted]  # README: an image a list refuses is refused
    if not open_rules:
        return []
    for _ in range(draw(st.integers(1, 3))):
        rule = draw(st.sampled_from(open_rules))
        if rule.prefix == "ROOT":
            repository = draw(name_path(slash=False)) + "/" + draw(name_path(max_parts=2))
        else:
            repository = rule.prefix + "/" + draw(name_path(max_parts=2))
        image = f"{repository}:{draw(st.sampled_from(TAGS))}"
        owner = owning_rule(repository, ctx.rules)
        if owner is None:
            continue
        images.setdefault(warmed_name(repository, image.rsplit(":", 1)[1], owner), (image, owner))
    return list(images.values())


@st.composite
def warm_valid(draw, ctx: Context) -> Any:
    if draw(st.booleans()) or not ctx.rules:
        return OMIT
    images = draw(warm_images(ctx))
    if not images:
        return OMIT
    out: dict[str, Any] = {"images": [image for image, _ in images]}
    if draw(st.booleans()):
        out["platforms"] = draw(st.lists(st.sampled_from(PLATFORMS), min_size=1, max_size=3, unique=True))
    if draw(st.booleans()):
        out["timeoutMinutes"] = draw(st.integers(1, 50))
    # README: warming through a create: true rule is refused with onFailure: fail
    placeholder = any(rule.create for _, rule in images)
    on_failure = "warn" if placeholder else draw(st.sampled_from(["fail", "warn", None]))
    if on_failure is not None:
        out["onFailure"] = on_failure
    if draw(st.integers(0, 2)) == 0:  # README: rate or cron, UTC, at most hourly
        out["schedule"] = draw(st.sampled_from(SCHEDULES))
    return out


SCHEDULES = ("rate(12 hours)", "rate(1 hour)", "rate(1 day)", "cron(0 3 * * ? *)", "cron(15 */6 ? * MON-FRI *)")


@st.composite
def warm_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    base = draw(warm_valid(ctx))
    base = {"images": ["nope/x:1"]} if base is OMIT else base
    first = base["images"][0]
    mistakes = [
        ("an image without a tag", {"images": [first.rsplit(":", 1)[0]]}),
        ("an image by digest", {"images": [first.rsplit(":", 1)[0] + "@sha256:" + "a" * 64]}),
        (
            "an image under no rule prefix",
            {"images": ["zz-none/x:1"] if not any(r.prefix == "ROOT" for r in ctx.rules) else ["Upper/x:1"]},
        ),
        ("an image in capitals", {"images": [first.upper()]}),
        ("no images", {"images": []}),
        ("a platform without its architecture", {"platforms": ["linux"]}),
        ("the same platform twice", {"platforms": ["linux/amd64", "linux/amd64"]}),
        ("timeoutMinutes 0", {"timeoutMinutes": 0}),
        ("timeoutMinutes 51", {"timeoutMinutes": 51}),
        ("timeoutMinutes as a string", {"timeoutMinutes": "30"}),
        ("onFailure ignore", {"onFailure": "ignore"}),
        ("the same image twice", {"images": [first, first]}),
        ("a misspelt key", {"image": [first]}),
        ("no images key", "drop:images"),
        ("a schedule every five minutes", {"schedule": "rate(5 minutes)"}),
        ("rate(1 hours)", {"schedule": "rate(1 hours)"}),
        ("a cron of five fields", {"schedule": "cron(0 3 * * ?)"}),
        ("a cron with both days given", {"schedule": "cron(0 3 * * MON *)"}),
        ("a one-time schedule", {"schedule": "at(2030-01-01T00:00:00)"}),
        ("a schedule in words", {"schedule": "every 12 hours"}),
        ("a schedule without images", "schedule-only"),
    ]
    created = [r for r in ctx.rules if r.create and r.prefix != "ROOT"]
    if created:
        mistakes.append(
            (
                "warming through a placeholder secret with onFailure fail",
                {"images": [f"{created[0].prefix}/x/y:1"], "onFailure": "fail"},
            )
        )
    hub = [r for r in ctx.rules if r.upstream == "docker-hub" and r.prefix != "ROOT"]
    if hub:
        mistakes.append(
            (
                "an official image with and without library/",
                {"images": [f"{hub[0].prefix}/nginx:1", f"{hub[0].prefix}/library/nginx:1"], "onFailure": "warn"},
            )
        )
    what, change = draw(st.sampled_from(mistakes))
    if change == "drop:images":
        return {k: v for k, v in base.items() if k != "images"} or {"onFailure": "warn"}, what
    if change == "schedule-only":
        return {"schedule": "rate(12 hours)"}, what
    return {**base, **change}, what


# --- monitoring ------------------------------------------------------------------------------
ADDRESSES = ("platform@example.com", "oncall+ecr@ops.example.co.uk", "a.b@example.org")


@st.composite
def monitoring_valid(draw, ctx: Context) -> Any:
    """README: email addresses and/or an existing topic of the stacks' Region; dashboard true or false."""
    if draw(st.integers(0, 2)) > 0:
        return OMIT
    out: dict[str, Any] = {}
    emails = draw(st.lists(st.sampled_from(ADDRESSES), max_size=3, unique=True))
    topic_region = ctx.single_region or (None if ctx.regions else draw(region()))
    if topic_region and draw(st.booleans()):
        out["topicArn"] = f"arn:aws:sns:{topic_region}:{draw(account())}:platform-alerts"
    if emails or "topicArn" not in out:
        out["email"] = emails or [ADDRESSES[0]]
    if draw(st.booleans()):
        out["dashboard"] = draw(st.booleans())
    return out


@st.composite
def monitoring_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    mistakes: list[tuple[str, Any]] = [
        ("monitoring notifying nobody", {"dashboard": True}),
        ("an address as one string", {"email": "platform@example.com"}),
        ("an address without a domain", {"email": ["platform"]}),
        ("the same address twice", {"email": ["a@example.com", "A@example.com"]}),
        ("eleven addresses", {"email": [f"p{n}@example.com" for n in range(11)]}),
        ("a queue's ARN as topicArn", {"topicArn": "arn:aws:sqs:eu-west-1:123456789012:alerts"}),
        ("a FIFO topic", {"topicArn": "arn:aws:sns:eu-west-1:123456789012:alerts.fifo"}),
        ("dashboard yes as a string", {"email": ["a@example.com"], "dashboard": "yes"}),
        ("a misspelt key", {"emails": ["a@example.com"]}),
    ]
    if ctx.regions:
        other = "us-west-2" if ctx.regions[0] != "us-west-2" else "eu-west-1"
        mistakes.append(
            ("a topic of another Region than the stack", {"topicArn": f"arn:aws:sns:{other}:123456789012:alerts"})
        )
    what, value = draw(st.sampled_from(mistakes))
    return value, what


# --- workstation -----------------------------------------------------------------------------
def subnet_id() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text("0123456789abcdef", min_size=8, max_size=8), st.text("0123456789abcdef", min_size=17, max_size=17)
    ).map(lambda h: "subnet-" + h)


@st.composite
def owner_arn(draw) -> str:
    acct = draw(account())
    return draw(
        st.sampled_from(
            [
                f"arn:aws:iam::{acct}:user/jane",
                f"arn:aws:sts::{acct}:assumed-role/Admin/jane",
                f"arn:aws:iam::{acct}:root",
            ]
        )
    )


@functools.lru_cache(maxsize=None)
def _cfn_lint_data(*parts: str) -> Any:
    """cfn-lint's CloudFormation data (README: what Regions offer is checked against it)."""
    import json
    from pathlib import Path

    import cfnlint

    path = Path(cfnlint.__file__).parent.joinpath("data", "schemas", *parts)
    return json.loads(path.read_text()) if path.is_file() else None


def offered_in(region: str, resource_type: str) -> bool:
    data = _cfn_lint_data("providers", f"{region}.json")
    return not isinstance(data, dict) or resource_type in data


def offered_types(instance_type: str, regions: list[str]) -> bool:
    data = _cfn_lint_data("extensions", "aws_ec2_instance", "instancetype_enum.json") or {}
    return all(instance_type in data.get(r, {}).get("enum", [instance_type]) for r in regions)


@st.composite
def workstation_valid(draw, ctx: Context) -> Any:
    if draw(st.booleans()):
        return OMIT
    kind = draw(st.sampled_from(["ec2", "cloud9"]))
    if kind == "cloud9" and not all(offered_in(r, "AWS::Cloud9::EnvironmentEC2") for r in ctx.regions):
        kind = "ec2"  # README: Cloud9 is offered in fewer Regions
    out: dict[str, Any] = {"kind": kind}
    types = [
        t for t in (EC2_INSTANCE_TYPES if kind == "ec2" else CLOUD9_INSTANCE_TYPES) if offered_types(t, ctx.regions)
    ]
    if types and draw(st.integers(0, 4)) > 0:
        out["instanceType"] = draw(st.sampled_from(types))
    if kind == "cloud9":
        if draw(st.booleans()):
            out["automaticStopMinutes"] = draw(st.integers(0, 20160))
        if draw(st.booleans()):
            out["ownerArn"] = draw(owner_arn())
    if draw(st.booleans()):
        out["subnetId"] = draw(subnet_id())
    return out


@st.composite
def workstation_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    what, value = draw(
        st.sampled_from(
            [
                ("an unknown kind", {"kind": "cloud-9"}),
                ("a misspelt instance type", {"kind": "ec2", "instanceType": "t3.smal"}),
                ("an instance type that does not exist", {"kind": "ec2", "instanceType": "t3.metal"}),
                ("a size that does not exist", {"kind": "ec2", "instanceType": "m7g.13xlarge"}),
                ("a Mac instance type", {"kind": "ec2", "instanceType": "mac2.metal"}),
                (
                    "cloud9 on Graviton",
                    {"kind": "cloud9", "instanceType": draw(st.sampled_from(GRAVITON_INSTANCE_TYPES))},
                ),
                (
                    "cloud9 with a type outside its pattern",
                    {"kind": "cloud9", "instanceType": draw(st.sampled_from(["c6in.xlarge", "t3a.medium"]))},
                ),
                ("automaticStopMinutes on ec2", {"kind": "ec2", "automaticStopMinutes": 30}),
                ("automaticStopMinutes 20161", {"kind": "cloud9", "automaticStopMinutes": 20161}),
                ("a plain role ARN as owner", {"kind": "cloud9", "ownerArn": "arn:aws:iam::123456789012:role/Admin"}),
                ("ownerArn on ec2", {"kind": "ec2", "ownerArn": "arn:aws:iam::123456789012:user/jane"}),
                ("a short subnet id", {"kind": "ec2", "subnetId": "subnet-123"}),
                ("no kind", {"instanceType": "t3.small"}),
            ]
        )
    )
    return value, what


# --- iam, tags, consumers ---------------------------------------------------------------------
@st.composite
def iam_valid(draw, ctx: Context) -> Any:
    if draw(st.integers(0, 2)) > 0:
        return OMIT
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["permissionsBoundary"] = draw(
            st.sampled_from(
                [
                    "PlatformBoundary",
                    *([] if ctx.organization_id else [f"arn:aws:iam::{draw(account())}:policy/boundaries/Pb"]),
                    "arn:aws:iam::aws:policy/PowerUserAccess",
                ]
            )
        )
    if draw(st.booleans()):
        out["rolePath"] = draw(st.sampled_from(["/", "/platform/", "/platform/ecr-ptc/"]))
    if len(set(ctx.accounts)) > 1:  # a role of one account cannot serve the stacks of several
        out = out or {"rolePath": "/platform/"}
    elif not out or draw(st.booleans()):
        # README: same account as the stack, no path
        acct = ctx.accounts[0] if ctx.accounts and ctx.accounts[0] else draw(account())
        name = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9+=,.@_-]{0,20}", fullmatch=True))
        out["templateRoleArn"] = f"arn:aws:iam::{acct}:role/{name}"
    return out


@st.composite
def iam_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    what, value = draw(
        st.sampled_from(
            [
                ("a path without the trailing slash", {"rolePath": "/platform"}),
                ("a path without the leading slash", {"rolePath": "platform/"}),
                ("a role ARN as boundary", {"permissionsBoundary": "arn:aws:iam::123456789012:role/Pb"}),
                ("a template role with a path", {"templateRoleArn": "arn:aws:iam::123456789012:role/p/Templates"}),
                ("iam setting nothing", {}),
                ("a misspelt key", {"boundary": "Pb"}),
            ]
        )
    )
    return value, what


# IAM's tag pattern [\p{L}\p{Z}\p{N}_.:/=+\-@] (README "tags"): letters, separators and numbers of any
# script, and seven symbols; keys 1-128 characters (not aws:), values 1-256 here.
TAG_SYMBOLS = "_.:/=+-@"
TAG_CHARACTERS = st.one_of(
    st.characters(categories=("L", "Z", "N"), codec="utf-8"),
    st.sampled_from(TAG_SYMBOLS),
)
# Just outside the pattern: punctuation and symbols people write in team names and descriptions.
NOT_TAG_CHARACTERS = st.sampled_from("&()#!,;*%?'\"<>[]{}|~^$`\t🙂©€")


def tag_text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(TAG_CHARACTERS, min_size=min_size, max_size=max_size)


def tag_key(organization: bool = False) -> st.SearchStrategy[str]:
    """A tag key; with organization one the StackSet takes too (README "tags": ASCII letters, digits, space
    and _ . : = + -)."""
    alphabet = st.sampled_from(string.ascii_letters + string.digits + " _.:=+-") if organization else TAG_CHARACTERS
    return st.one_of(
        st.sampled_from(["cost-center", "owner", "env", "app:tier", "Name"]),
        st.text(alphabet, min_size=1, max_size=128).filter(lambda key: not key.lower().startswith("aws:")),
    )


@st.composite
def tags_valid(draw, ctx: Context) -> Any:
    if draw(st.integers(0, 2)) > 0:
        return OMIT
    return draw(
        st.dictionaries(
            tag_key(organization=ctx.organization_id is not None),
            st.one_of(st.sampled_from(["42", "platform", "dev", "a b", "1.10", "yes", "x" * 256]), tag_text(1, 256)),
            min_size=1,
            max_size=4,
        )
    )


@st.composite
def tags_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    outside = draw(NOT_TAG_CHARACTERS)
    text = draw(tag_text(0, 20))
    at = draw(st.integers(0, len(text)))
    what, value = draw(
        st.sampled_from(
            [
                ("an aws: tag key", {"aws:cloudformation:x": "y"}),
                ("an AWS: tag key", {"AWS:Team": "y"}),
                ("51 tags", {f"t{n}": "v" for n in range(51)}),
                ("a 257-character value", {"owner": "x" * 257}),
                ("a 129-character key", {"k" * 129: "v"}),
                ("a list of tags", ["owner"]),
                ("an empty tag value", {"owner": ""}),
                (f"a tag value with {outside!r}", {"team": text[:at] + outside + text[at:]}),
                (f"a tag key with {outside!r}", {text[:at] + outside + text[at:]: "v"}),
            ]
        )
    )
    return value, what


@st.composite
def consumers_valid(draw, ctx: Context) -> Any:
    if draw(st.integers(0, 2)) > 0:
        return OMIT
    names = draw(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9+=,.@_-]{0,30}", fullmatch=True), max_size=3, unique=True))
    return {"roleNames": names}


@st.composite
def consumers_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    what, value = draw(
        st.sampled_from(
            [
                ("a role ARN instead of a name", {"roleNames": ["arn:aws:iam::123456789012:role/x"]}),
                ("a role name with a path", {"roleNames": ["team/builder"]}),
                ("the same role twice", {"roleNames": ["builder", "builder"]}),
                ("a 65-character name", {"roleNames": ["r" * 65]}),
                ("roleNames as one string", {"roleNames": "builder"}),
                ("a misspelt key", {"roles": ["builder"]}),
            ]
        )
    )
    return value, what


# --- registry: statements and scanning rules kept in the registry's singletons ---------------
@st.composite
def registry_valid(draw, ctx: Context) -> Any:
    if draw(st.integers(0, 2)) > 0:
        return OMIT
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        acct = draw(account())
        # README: repository ARNs of this registry (ECR actions take repositories; '*' is refused)
        here = (ctx.single_region or "*", ctx.accounts[0] if len(ctx.accounts) == 1 and ctx.accounts[0] else "*")
        repositories = f"arn:aws:ecr:{here[0]}:{here[1]}:repository/*"
        out["policyStatements"] = [
            {
                "Sid": "ReplicationFrom" + acct,
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": repositories,
            }
        ]
        if draw(st.booleans()):
            out["policyStatements"].append(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "omics.amazonaws.com"},
                    "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
                    "Resource": [repositories],
                }
            )
    if not out or draw(st.booleans()):
        # README: one scan type for the registry; with scanOnPush on, it must be scanOnPush's
        scan_type = ctx.scan_type or draw(st.sampled_from(["BASIC", "ENHANCED"]))
        frequencies = ["SCAN_ON_PUSH"] + (["CONTINUOUS_SCAN"] if scan_type == "ENHANCED" else [])
        chosen = draw(st.lists(st.sampled_from(frequencies), min_size=1, max_size=2, unique=True))
        out["scanning"] = {
            "scanType": scan_type,
            "rules": [
                {
                    "frequency": f,
                    "filters": draw(
                        st.lists(
                            st.sampled_from(["*", "prod/*", "team*", "a.b/c"]), min_size=1, max_size=3, unique=True
                        )
                    ),
                }
                for f in chosen
            ],
        }
    return out


@st.composite
def registry_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "111122223333"},
        "Action": "ecr:ReplicateImage",
        "Resource": "arn:aws:ecr:*:*:repository/*",
    }
    what, value = draw(
        st.sampled_from(
            [
                ("registry setting nothing", {}),
                ("a statement without a principal", {"policyStatements": [{"Effect": "Allow", "Action": "ecr:*"}]}),
                ("principal * without a condition", {"policyStatements": [{**statement, "Principal": "*"}]}),
                ("an S3 action", {"policyStatements": [{**statement, "Action": "s3:GetObject"}]}),
                ("Resource '*'", {"policyStatements": [{**statement, "Resource": "*"}]}),
                ("the cache's own Sid", {"policyStatements": [{**statement, "Sid": "PullThroughCachePrincipals"}]}),
                (
                    "continuous scanning with basic",
                    {"scanning": {"scanType": "BASIC", "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["*"]}]}},
                ),
                (
                    "two rules of one frequency",
                    {
                        "scanning": {
                            "scanType": "BASIC",
                            "rules": [
                                {"frequency": "SCAN_ON_PUSH", "filters": ["a"]},
                                {"frequency": "SCAN_ON_PUSH", "filters": ["b"]},
                            ],
                        }
                    },
                ),
                (
                    "a filter with a doubled separator",
                    {"scanning": {"scanType": "BASIC", "rules": [{"frequency": "SCAN_ON_PUSH", "filters": ["a--b"]}]}},
                ),
                ("scanning without rules", {"scanning": {"scanType": "ENHANCED", "rules": []}}),
                ("a misspelt key", {"policyStatement": []}),
            ]
        )
    )
    return value, what


# --- organization ----------------------------------------------------------------------------
ORGANIZATION_IDS = ("o-a1b2c3d4e5", "o-exampleorg1", "o-0123456789abcdef")


def unit_id() -> st.SearchStrategy[str]:
    """README: an OU id (ou-<root part>-<8 to 32>) or the root (r-...)."""
    return st.one_of(
        st.from_regex(r"ou-[a-z0-9]{4}-[a-z0-9]{8,10}", fullmatch=True), st.from_regex(r"r-[a-z0-9]{4}", fullmatch=True)
    )


@st.composite
def organization_valid(draw, ctx: Context) -> Any:
    """README "Organization rollout": the hub is the one environment, so never with environments."""
    if ctx.regions or draw(st.integers(0, 2)) > 0:
        return OMIT
    hub = {"account": draw(account()), "region": draw(region())}
    ctx.regions, ctx.accounts = [hub["region"]], [hub["account"]]
    ctx.organization_id = draw(st.sampled_from(ORGANIZATION_IDS))
    stack_set: dict[str, Any] = {"account": draw(account()), "region": draw(region())}
    if draw(st.booleans()):
        stack_set["callAs"] = draw(st.sampled_from(["SELF", "DELEGATED_ADMIN", "delegated_admin"]))
    if draw(st.booleans()):
        stack_set["name"] = draw(st.from_regex(r"[a-zA-Z][a-zA-Z0-9-]{0,30}", fullmatch=True))
    out: dict[str, Any] = {
        "hub": hub,
        "stackSet": stack_set,
        "organizationId": ctx.organization_id,
        "targets": {
            "organizationalUnits": draw(st.lists(unit_id(), min_size=1, max_size=5, unique=True)),
            "regions": draw(st.lists(region(), min_size=1, max_size=4, unique=True)),
        },
    }
    auto = draw(st.sampled_from([True, False, None]))
    if auto is not None:
        out["autoDeploy"] = auto
    if auto is not False and draw(st.booleans()):
        out["retainStacksOnAccountRemoval"] = draw(st.booleans())
    if auto is not False and draw(st.booleans()):
        out["autoDeployDependsOn"] = [
            f"arn:aws:cloudformation:{draw(region())}:{draw(account())}:stackset/baseline-{n}:{n:08x}-0000-4000-8000-"
            f"{draw(st.integers(0, 16**12 - 1)):012x}"
            for n in range(draw(st.integers(1, 3)))
        ]
    if draw(st.booleans()):
        out["maxConcurrentPercentage"] = draw(st.integers(1, 100))
    if draw(st.booleans()):
        out["failureTolerancePercentage"] = draw(st.integers(0, 100))
    if draw(st.booleans()):
        out["regionConcurrency"] = draw(st.sampled_from(["SEQUENTIAL", "PARALLEL", "parallel"]))
    if draw(st.booleans()):
        out["publicUpstreams"] = draw(st.sampled_from(["hub", "direct"]))
    if draw(st.booleans()):
        out["fillOnMiss"] = draw(st.booleans())
    return out


@st.composite
def organization_near_miss(draw, ctx: Context) -> tuple[Any, str]:
    good = draw(organization_valid(Context()).filter(lambda v: v is not OMIT))
    mistakes: list[tuple[str, Callable[[dict], Any]]] = [
        ("an OU id without its second part", lambda o: o["targets"].update(organizationalUnits=["ou-ab12"])),
        ("an account id as OU", lambda o: o["targets"].update(organizationalUnits=["123456789012"])),
        ("51 OUs", lambda o: o["targets"].update(organizationalUnits=[f"ou-ab12-{i:08d}" for i in range(51)])),
        ("the same OU twice", lambda o: o["targets"].update(organizationalUnits=["r-ab12", "r-ab12"])),
        ("no target Regions", lambda o: o["targets"].pop("regions")),
        ("a GovCloud target Region", lambda o: o["targets"].update(regions=["us-gov-west-1"])),
        ("a China hub Region", lambda o: o["hub"].update(region="cn-north-1")),
        ("an 11-digit hub account", lambda o: o["hub"].update(account="12345678901")),
        ("no hub", lambda o: o.pop("hub")),
        ("no stackSet account", lambda o: o["stackSet"].pop("account")),
        ("callAs ADMIN", lambda o: o["stackSet"].update(callAs="ADMIN")),
        ("a StackSet name with '_'", lambda o: o["stackSet"].update(name="ecr_ptc")),
        ("no organizationId", lambda o: o.pop("organizationId")),
        ("an organizationId without o-", lambda o: o.update(organizationId="a1b2c3d4e5")),
        ("maxConcurrentPercentage 0", lambda o: o.update(maxConcurrentPercentage=0)),
        ("failureTolerancePercentage 101", lambda o: o.update(failureTolerancePercentage=101)),
        ("a percentage as a string", lambda o: o.update(maxConcurrentPercentage="10")),
        ("autoDeploy 'no'", lambda o: o.update(autoDeploy="no")),
        ("retain without autoDeploy", lambda o: o.update(autoDeploy=False, retainStacksOnAccountRemoval=True)),
        ("regionConcurrency ALL", lambda o: o.update(regionConcurrency="ALL")),
        ("publicUpstreams spoke", lambda o: o.update(publicUpstreams="spoke")),
        ("fillOnMiss 'yes'", lambda o: o.update(fillOnMiss="yes")),
        ("a StackSet name as autoDeployDependsOn", lambda o: o.update(autoDeployDependsOn=["account-baseline"])),
        ("a misspelt key", lambda o: o.update(autodeploy=True)),
    ]
    if ctx.regions:  # environments were drawn: organization excludes them
        mistakes.append(("organization beside environments", lambda o: None))
    what, mistake = draw(st.sampled_from(mistakes))
    mistake(good)
    return good, what


# --- any section: a value of the wrong shape -----------------------------------------------
WRONG_SHAPES = (None, [], {}, 5, True, "x", ["x"], {"x": 1})


@st.composite
def wrong_shape(draw, value: Any) -> tuple[Any, str]:
    """``value`` with one part (the whole, a key's value, a list item's value) of another type."""
    if value is OMIT or draw(st.integers(0, 3)) == 0:
        shape = draw(st.sampled_from(WRONG_SHAPES))
        return shape, f"the section as {shape!r}"
    target = value
    if isinstance(target, list) and target:
        target = draw(st.sampled_from(target))
    if not isinstance(target, dict) or not target:
        shape = draw(st.sampled_from(WRONG_SHAPES))
        return shape, f"the section as {shape!r}"
    key = draw(st.sampled_from(sorted(target)))
    shape = draw(st.sampled_from(WRONG_SHAPES))
    target[key] = shape
    return value, f"{key} as {shape!r}"


# Text YAML reads as something else when unquoted: numbers, booleans, dates (README: quote them).
UNQUOTED = (1.1, 1.2, 10, 2024, True, False, datetime.date(2024, 5, 1))
UNQUOTED_MARK = "unquoted in a text key"
# Keys whose unquoted numbers or booleans mean what they say: account ids (12 digits), scanOnPush: off;
# registry.policyStatements is IAM's JSON, not ecr-ptc's keys.
NOT_TEXT_KEYS = frozenset({"account", "principals", "scanOnPush", "policyStatements"})


def _text_leaves(value: Any, path: str = "") -> list[tuple[Any, Any, str]]:
    """(container, key or index, path) of every string in ``value`` outside NOT_TEXT_KEYS."""
    out: list[tuple[Any, Any, str]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if key in NOT_TEXT_KEYS:
            continue
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
        if isinstance(item, str):
            out.append((value, key, where))
        else:
            out += _text_leaves(item, where)
    return out


@st.composite
def unquoted_text(draw, value: Any) -> tuple[Any, str]:
    """``value`` with one text (a string anywhere in it) replaced by what YAML reads from an unquoted
    number, boolean or date; the section as a number when it holds no text."""
    leaves = _text_leaves(value) if value is not OMIT else []
    if not leaves:
        return draw(wrong_shape(value))
    container, key, where = draw(st.sampled_from(leaves))
    scalar = draw(st.sampled_from(UNQUOTED))
    container[key] = scalar
    return value, f"{where.lstrip('.')} as {scalar!r}, {UNQUOTED_MARK}"


def shape_or(
    near_miss: Callable[[Context], st.SearchStrategy[tuple[Any, str]]],
    valid: Callable[[Context], st.SearchStrategy[Any]],
) -> Callable[[Context], st.SearchStrategy]:
    """A section's own near-misses, or a valid value with one part of the wrong shape, or with one text
    YAML reads as a number, boolean or date."""

    def strategy(ctx: Context) -> st.SearchStrategy[tuple[Any, str]]:
        return st.one_of(near_miss(ctx), valid(ctx).flatmap(wrong_shape), valid(ctx).flatmap(unquoted_text))

    return strategy


# --- the whole document ----------------------------------------------------------------------
SECTIONS: tuple[Section, ...] = (  # dependency order: later sections read what earlier ones drew
    Section("environments", environments_valid, shape_or(environments_near_miss, environments_valid)),
    Section("organization", organization_valid, shape_or(organization_near_miss, organization_valid)),
    Section("rules", rules_valid, shape_or(rules_near_miss, rules_valid)),
    Section("repositories", repositories_valid, shape_or(repositories_near_miss, repositories_valid)),
    Section("access", access_valid, shape_or(access_near_miss, access_valid)),
    Section("warm", warm_valid, shape_or(warm_near_miss, warm_valid)),
    Section("workstation", workstation_valid, shape_or(workstation_near_miss, workstation_valid)),
    Section("iam", iam_valid, shape_or(iam_near_miss, iam_valid)),
    Section("tags", tags_valid, shape_or(tags_near_miss, tags_valid)),
    Section("consumers", consumers_valid, shape_or(consumers_near_miss, consumers_valid)),
    Section("registry", registry_valid, shape_or(registry_near_miss, registry_valid)),
    Section("monitoring", monitoring_valid, shape_or(monitoring_near_miss, monitoring_valid)),
)
YAML_ORDER = ("rules", "repositories", "access", "environments", "warm", "workstation")

# Mistakes in the file itself rather than in one section: (what, edit of the YAML text).
TEXT_MISTAKES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("a misspelt top-level key", lambda text: text.replace("rules:", "rule:", 1)),
    ("a YAML syntax error", lambda text: text + "warm: [unclosed\n"),
    ("a tab for indentation", lambda text: text.replace("\n  ", "\n\t", 1)),
    ("a duplicate top-level key", lambda text: text + "rules:\n- upstream: quay\n"),
    ("a list at the top level", lambda text: "- " + text.replace("\n", "\n  ")),
    ("an empty file", lambda text: ""),
)


def dump(document: dict[str, Any]) -> str:
    ordered = {k: document[k] for k in YAML_ORDER if k in document}
    ordered.update((k, v) for k, v in document.items() if k not in ordered)  # keys added later
    return yaml.safe_dump(ordered, sort_keys=False, default_flow_style=False, width=200)


@st.composite
def config_documents(draw, near_miss_chance: Optional[int] = 3, sections: tuple[Section, ...] = SECTIONS) -> Draft:
    """A config file; about one in ``near_miss_chance`` has one mistake on purpose (in one section,
    or in the file itself); none when it is None (Hypothesis draws an integer range's ends far more
    often than their share, so no large chance means "never")."""
    ctx = Context()
    broken: Optional[str] = None
    if draw(st.integers(1, near_miss_chance or 10**9)) == 1 and near_miss_chance is not None:
        broken = draw(st.sampled_from([s.key for s in sections] + ["file"]))
    document: dict[str, Any] = {}
    near_misses: list[str] = []
    for section in sections:
        if section.key == broken:
            value, what = draw(section.near_miss(ctx))
            near_misses.append(f"{section.key}: {what}")
        else:
            value = draw(section.valid(ctx))
        if value is not OMIT:
            document[section.key] = value
    text = dump(document)
    if broken == "file":
        what, edit = draw(st.sampled_from(TEXT_MISTAKES))
        near_misses.append(f"file: {what}")
        text = edit(text)
    return Draft(text, document, tuple(near_misses))


def with_section(section: Section, sections: tuple[Section, ...] = SECTIONS) -> tuple[Section, ...]:
    """``sections`` with ``section`` added, or replacing the one of the same key: pass the result
    to ``config_documents(sections=...)`` to try a new config key before it joins SECTIONS."""
    return tuple(s for s in sections if s.key != section.key) + (section,)


__all__ = [
    "Context",
    "Draft",
    "OMIT",
    "Rule",
    "SECTIONS",
    "Section",
    "UNQUOTED_MARK",
    "config_documents",
    "dump",
    "owning_rule",
    "warmed_name",
    "with_section",
]
