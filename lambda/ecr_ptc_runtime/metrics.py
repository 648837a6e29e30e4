"""CloudWatch metrics as Embedded Metric Format (EMF) log lines: no PutMetricData call, no extra permission.

Lambda sends every stdout line to CloudWatch Logs, which extracts the metrics of an EMF line
(CloudWatch user guide, "Specification: Embedded metric format"). The names here are the one
home for the metric names: the runtime writes them, the constructs (``CacheWarmer.metric_*``,
the monitoring alarms and dashboard) read them. I/O-free but for :func:`emit`.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, TextIO, Union

from .logs import write_line

NAMESPACE = "EcrPtc"
CACHE = "Cache"  # dimension: the cache stack's name (two caches in one account stay apart)
PREFIX = "Prefix"  # dimension: the cache rule prefix an image lies under
MAX_VALUES = 100  # EMF: at most 100 values in one metric's array
MAX_METRICS = 100  # EMF: at most 100 metric definitions in one directive


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    what: str


IMAGES_WARMED = Metric("ImagesWarmed", "Count", "images the scheduled run warmed")
IMAGES_FAILED = Metric("ImagesFailed", "Count", "images the scheduled run could not warm")
DIGESTS_CHANGED = Metric("DigestsChanged", "Count", "tags whose digest moved since the run before")
IMAGES_ARCHIVED = Metric("ImagesArchived", "Count", "images left alone because ECR archived them")
WARM_SECONDS = Metric("WarmSeconds", "Seconds", "time to warm one image")
RUN_SECONDS = Metric("RunSeconds", "Seconds", "time of a whole scheduled run")
PULL_THROUGH_FAILURES = Metric("PullThroughFailures", "Count", "ECR pull-through cache actions that failed")
MISS_FILLS = Metric("MissFills", "Count", "spoke misses the hub filled (organization miss forwarding)")
MISS_FILL_FAILURES = Metric("MissFillFailures", "Count", "spoke misses the hub could not fill")
MISS_FILL_SECONDS = Metric("MissFillSeconds", "Seconds", "time to fill one spoke miss in the hub")

# Units the EMF specification accepts (the CloudWatch StandardUnit values).
UNITS = frozenset(
    "Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits "
    "Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second "
    "Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second "
    "Count/Second None".split()
)

Value = Union[float, int, Sequence[Union[float, int]]]


def record(
    values: Mapping[Metric, Value],
    dimensions: Mapping[str, str],
    dimension_sets: Sequence[Sequence[str]],
    *,
    timestamp_ms: Optional[int] = None,
    **properties: object,
) -> dict:
    """One EMF document: ``values`` under every dimension set, plus free ``properties`` (searchable in Logs
    Insights, not metrics). A list value longer than 100 items is cut to its first 100 (the EMF limit).

    :raises ValueError: for a value that is not a finite number, a unit CloudWatch does not know, a dimension
        set naming a dimension without a value, or more than 100 metrics.
    """
    if len(values) > MAX_METRICS:
        raise ValueError(f"{len(values)} metrics in one EMF document; the limit is {MAX_METRICS}")
    for dimension_set in dimension_sets:
        missing = [d for d in dimension_set if not dimensions.get(d)]
        if missing:
            raise ValueError(f"dimension set {list(dimension_set)} has no value for {missing}")
    doc: dict = {
        "_aws": {
            "Timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [list(s) for s in dimension_sets],
                    "Metrics": [{"Name": m.name, "Unit": m.unit} for m in values],
                }
            ],
        },
        **{k: str(v) for k, v in dimensions.items()},
        **properties,
    }
    for metric, value in values.items():
        if metric.unit not in UNITS:
            raise ValueError(f"{metric.name}: unit {metric.unit!r} is not a CloudWatch unit")
        numbers = list(value)[:MAX_VALUES] if isinstance(value, (list, tuple)) else [value]
        if not numbers or not all(_finite(n) for n in numbers):
            raise ValueError(f"{metric.name}: {value!r} is not a finite number or a non-empty list of them")
        doc[metric.name] = numbers if isinstance(value, (list, tuple)) else value
    return doc


def _finite(n: object) -> bool:
    return isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n)


def emit(doc: dict, stream: Optional[TextIO] = None) -> None:
    """Write one EMF document as a single stdout line (Lambda ships it to CloudWatch Logs)."""
    write_line(json.dumps(doc, separators=(",", ":")), stream)


__all__ = [
    "CACHE",
    "DIGESTS_CHANGED",
    "IMAGES_ARCHIVED",
    "IMAGES_FAILED",
    "IMAGES_WARMED",
    "MISS_FILLS",
    "MISS_FILL_FAILURES",
    "MISS_FILL_SECONDS",
    "Metric",
    "NAMESPACE",
    "PREFIX",
    "PULL_THROUGH_FAILURES",
    "RUN_SECONDS",
    "WARM_SECONDS",
    "emit",
    "record",
]
