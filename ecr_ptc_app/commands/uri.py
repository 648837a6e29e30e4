"""``ecr-ptc uri``: where an upstream image lives in the cache (``nginx`` -> ``<registry>/docker-hub/library/nginx:latest``).

Exit codes: 0 every reference mapped, 1 a reference no rule covers (reported, never guessed) or one ECR cannot
hold (too long a repository name, or one under another rule's prefix) or that a rule's allow or deny list
refuses ("not allowed", with the rule, the list and the pattern), 2 bad usage, an invalid reference (by
distribution/reference's grammar, nothing trimmed), a bad config, or no registry. One URI per line on stdout (in the order given);
warnings and errors on stderr. ``--kyverno`` prints a Kyverno ClusterPolicy made from the same mapping.
The config loader and ``ecr_ptc_runtime`` load inside ``run``; boto3 only without ``--registry``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Optional, TextIO


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "uri",
        help="map upstream image references to the cache's URIs (or print a Kyverno policy that does)",
        description="Map image references as workloads write them (nginx, quay.io/prometheus/prometheus:v3, "
        "ghcr.io/org/app@sha256:...) to the pull-through cache, with Docker's rules for short names and the "
        "config's rules (upstream prefixes, ROOT). A reference no rule covers is reported, not guessed.",
    )
    p.add_argument("references", nargs="*", metavar="REF", help="an image reference as a workload writes it")
    p.add_argument("--config", metavar="PATH", help="config file (default: config/default.yaml)")
    p.add_argument(
        "--registry",
        metavar="HOST",
        help="the cache registry, <account>.dkr.ecr.<region>.amazonaws.com (default: that of the AWS credentials)",
    )
    p.add_argument("--output", choices=("text", "json"), default="text", help="text (one URI per line) or json")
    p.add_argument(
        "--kyverno",
        action="store_true",
        help="print a Kyverno ClusterPolicy that rewrites Pods' images to the cache at admission (no REF)",
    )
    p.set_defaults(func=run)
    return p


def _error(err: TextIO, message: str, fix: Optional[str] = None) -> None:
    print(f"ecr-ptc uri: error: {message}", file=err)
    if fix:
        print(f"  Fix: {fix}", file=err)


def run(args: argparse.Namespace, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Run ``ecr-ptc uri``; returns the exit code (0 all mapped, 1 some not covered, 2 bad input)."""
    from ..rewrite.target import CommandError, target

    out, err = stdout or sys.stdout, stderr or sys.stderr
    if args.kyverno and args.references:
        _error(err, "--kyverno takes no REF", "run ecr-ptc uri --kyverno alone, and ecr-ptc uri REF... separately")
        return 2
    if not args.kyverno and not args.references:
        _error(err, "no REF given", "give image references, e.g. ecr-ptc uri nginx:1.27 quay.io/prometheus/prometheus")
        return 2
    try:
        where = target(args.config, args.registry)
    except CommandError as exc:
        # A config mistake arrives with its own Fix: lines (ConfigError.lines()): one Fix per mistake, no more.
        _error(err, str(exc), None if "\n  Fix: " in str(exc) else exc.fix)
        return 2
    for warning in where.warnings:
        print(f"warning: {warning}", file=err)
    if args.kyverno:
        from ..kyverno import cluster_policy, to_yaml

        header = f"# ecr-ptc uri --kyverno: generated from {where.config.file} for {where.registry}\n"
        out.write(header + to_yaml(cluster_policy(where.rules, where.registry, where.config.file)))
        return 0
    results = [_map(ref, where) for ref in args.references]
    if args.output == "json":
        json.dump([r for r, _ in results], out, indent=2)
        out.write("\n")
    for result, fix in results:
        if args.output == "text" and result["uri"]:
            print(result["uri"], file=out)
        for warning in result["warnings"]:
            print(f"warning: {result['reference']}: {warning}", file=err)
        if result["error"]:
            _error(err, f"{result['reference']}: {result['error']}", fix)
    if any(r["error"] and r["normalized"] is None for r, _ in results):
        return 2
    return 1 if any(r["error"] for r, _ in results) else 0


def _map(text: str, where) -> tuple[dict[str, Any], Optional[str]]:
    """One reference's result (the JSON object ``--output json`` prints) and the fix for its error."""
    from ecr_ptc_runtime.allow import repository_refusal
    from ecr_ptc_runtime.mapping import CannotHold, in_cache, map_reference
    from ecr_ptc_runtime.references import parse_reference

    from ..rewrite.target import uncovered

    result: dict[str, Any] = {
        "reference": text,
        "normalized": None,
        "uri": None,
        "rule": None,
        "repository": None,
        "warnings": [],
        "error": None,
    }
    try:
        ref = parse_reference(text)
    except ValueError as exc:
        result["error"] = str(exc)
        return result, "write it as [registry/]repository[:tag][@digest], repository in lower case, nothing around it"
    result["normalized"] = str(ref)
    try:
        mapping = map_reference(ref, where.rules, where.registry)
    except CannotHold as exc:  # valid, but not through this cache: exit 1, like a reference no rule covers
        result["error"] = str(exc)
        return result, (
            "pull it from its registry, or copy it into a repository of your own; for a name under another rule's "
            "prefix, give the ROOT rule a prefix of its own"
        )
    if mapping is None:
        result["error"], fix = uncovered(ref, where.rules, where.config.file)
        return result, fix
    refused = None if in_cache(ref, where.registry) else repository_refusal(where.rules, mapping.repository)
    if refused is not None:  # exit 1, like a reference no rule covers: the cache's policies deny its import
        result.update(rule=mapping.prefix, repository=mapping.repository)
        result["error"] = f"not allowed: {refused}"
        return result, (
            f"add a pattern that names it to the {mapping.prefix} rule's allow list"
            if refused.which == "allow"
            else f"remove {refused.pattern!r} from the {mapping.prefix} rule's deny list, or use another image"
        )
    result.update(uri=mapping.uri_with_tag, rule=mapping.prefix, repository=mapping.repository)
    result["warnings"] = (["already a cache URI"] if in_cache(ref, where.registry) else []) + mapping.warnings
    return result, None
