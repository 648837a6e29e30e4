"""A checker for CloudWatch Embedded Metric Format documents, written from the specification
(CloudWatch user guide, "Specification: Embedded metric format"), independent of the product code."""

from __future__ import annotations

import json
import time
from typing import Any

# MetricDefinition Unit: the CloudWatch StandardUnit values.
UNITS = {
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
}


def problems(line: str) -> list[str]:
    """What makes ``line`` not a valid EMF log event (empty: valid)."""
    try:
        doc = json.loads(line)
    except ValueError as err:
        return [f"not JSON: {err}"]
    if not isinstance(doc, dict):
        return ["the root node is not an object"]
    aws = doc.get("_aws")
    if not isinstance(aws, dict):
        return ["no _aws metadata object"]
    out: list[str] = []
    timestamp = aws.get("Timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        out.append(f"Timestamp {timestamp!r} is not a whole number of milliseconds")
    elif abs(timestamp - time.time() * 1000) > 2 * 3600 * 1000:  # CloudWatch takes 2 weeks back, 2 hours ahead
        out.append(f"Timestamp {timestamp} is not around now")
    directives = aws.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        return out + ["CloudWatchMetrics is not an array"]
    for d, directive in enumerate(directives):
        out += [f"directive {d}: {p}" for p in _directive_problems(directive, doc)]
    return out


def _directive_problems(directive: Any, root: dict) -> list[str]:
    if not isinstance(directive, dict) or set(directive) - {"Namespace", "Dimensions", "Metrics"}:
        return [f"not a MetricDirective: {directive!r}"]
    out = []
    namespace = directive.get("Namespace")
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255 or namespace.startswith("AWS/"):
        out.append(f"Namespace {namespace!r}")
    for dimension_set in directive.get("Dimensions", []):
        if not isinstance(dimension_set, list) or len(dimension_set) > 30:
            out.append(f"dimension set {dimension_set!r}")
            continue
        for name in dimension_set:
            value = root.get(name)
            if not isinstance(value, str) or not 1 <= len(value) <= 1024:
                out.append(f"dimension {name!r} has no string value at the root ({value!r})")
    metrics = directive.get("Metrics")
    if not isinstance(metrics, list) or len(metrics) > 100:
        return out + [f"Metrics {metrics!r}"]
    for metric in metrics:
        if not isinstance(metric, dict) or set(metric) - {"Name", "Unit", "StorageResolution"}:
            out.append(f"not a MetricDefinition: {metric!r}")
            continue
        name = metric.get("Name")
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            out.append(f"metric name {name!r}")
            continue
        if "Unit" in metric and metric["Unit"] not in UNITS:
            out.append(f"{name}: unit {metric['Unit']!r}")
        if metric.get("StorageResolution", 60) not in (1, 60):
            out.append(f"{name}: StorageResolution {metric['StorageResolution']!r}")
        value = root.get(name)
        values = value if isinstance(value, list) else [value]
        if not values or len(values) > 100 or not all(_number(v) for v in values):
            out.append(f"{name}: value {value!r} is not a number or an array of 1-100 numbers")
    return out


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def documents(text: str) -> list[dict]:
    """The EMF documents among the lines of ``text`` (log lines and others are skipped)."""
    out = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            out.append(json.loads(line))
    return out


def value_sum(docs: list[dict], metric: str, **dimensions: str) -> float:
    """The sum of ``metric`` over the documents whose dimension values match ``dimensions``."""
    total = 0.0
    for doc in docs:
        if metric in doc and all(doc.get(k) == v for k, v in dimensions.items()):
            value = doc[metric]
            total += sum(value) if isinstance(value, list) else value
    return total
