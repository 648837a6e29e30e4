"""Repository prefixes of pull-through cache rules, their count, scanning filters, registry URLs."""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from ecr_ptc.checks.basics import check_type, fail
from ecr_ptc_runtime.upstreams import ECR_URL, UPSTREAMS

# From the AWS::ECR::PullThroughCacheRule schema (EcrRepositoryPrefix / UpstreamRepositoryPrefix).
PREFIX_PATTERN = re.compile(r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$")


PREFIX_MIN, PREFIX_MAX = 2, 30


MAX_RULES = 50


def check_prefix(value: Any, path: str) -> str:
    """Return the repository prefix without its trailing slash (ECR assumes one)."""
    check_type(value, str, path, "a string such as 'docker-hub'")
    if not PREFIX_MIN <= len(value) <= PREFIX_MAX:
        fail(
            path,
            f"prefix {value!r} is {len(value)} characters long; ECR allows {PREFIX_MIN} to {PREFIX_MAX}",
            "choose a shorter or longer prefix",
        )
    if value.lower() == "root" and value != "ROOT":
        fail(path, f"{value!r} is not a valid prefix", "write ROOT in capitals to map repository names 1:1")
    if not PREFIX_PATTERN.match(value):
        fail(
            path,
            f"prefix {value!r} is not a valid repository prefix",
            "use lower-case letters and digits separated by '.', '_', '__', one or more '-', or '/' "
            "(for example 'docker-hub' or 'team/quay'), or ROOT",
        )
    return value if value == "ROOT" else value.rstrip("/")


def check_upstream_prefix(value: Any, ecr_prefix: str, path: str) -> str:
    result = check_prefix(value, path)
    if ecr_prefix == "ROOT" and result != "ROOT":
        fail(
            path,
            "an upstream prefix needs an ECR prefix other than ROOT",
            "remove upstreamPrefix, or give the rule a prefix",
        )
    return result


# From the AWS::ECR::RegistryScanningConfiguration schema (RepositoryFilter.Filter): one separator
# between characters, so a prefix with '--' or '__' (allowed in a rule prefix) cannot be a filter.
SCAN_FILTER_PATTERN = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$")


def check_scan_filters(prefixes: Iterable[str], path: str) -> None:
    """Scan on push filters the registry's scanning to ``<prefix>/*`` per rule: each must be a valid filter."""
    for index, prefix in enumerate(prefixes):
        pattern = "*" if prefix == "ROOT" else f"{prefix}/*"
        if not SCAN_FILTER_PATTERN.match(pattern):
            fail(
                f"{path}[{index}].prefix",
                f"scan on push cannot filter on prefix {prefix!r}: ECR scanning filters "
                "allow one separator between characters ('--' and '__' are refused)",
                "use a prefix with single separators (e.g. 'a-b'), or leave scan_on_push off",
            )


def check_unique_prefixes(prefixes: Iterable[Optional[str]], path: str) -> None:
    """Prefixes by rule index; None stands for a rule that failed its own checks."""
    seen: dict[str, int] = {}
    for index, prefix in enumerate(prefixes):
        if prefix is None:
            continue
        if prefix in seen:
            fail(
                f"{path}[{index}].prefix",
                f"prefix {prefix!r} is already used by {path}[{seen[prefix]}]",
                "give each rule its own prefix",
            )
        seen[prefix] = index


def check_rule_count(count: int, path: str) -> None:
    if count == 0:
        fail(path, "no pull-through cache rules are defined", "add at least one rule")
    if count > MAX_RULES:
        fail(
            path,
            f"{count} rules given; ECR allows {MAX_RULES} per registry and Region (not adjustable)",
            "split the rules across Regions or accounts",
        )


ECR_URL_PATTERN = ECR_URL.pattern  # the upstream table owns the shape of a private ECR registry host


def check_registry_url(upstream: str, value: Any, path: str) -> str:
    check_type(value, str, path, "a registry host name")
    host = value.removeprefix("https://").rstrip("/")
    shape = UPSTREAMS[upstream].url_shape if upstream in UPSTREAMS else None
    if shape is not None and not shape.pattern.match(host):
        fail(path, f"{value!r} is not {shape.what}", f"give {shape.form}")
    return host
