"""P8, organization miss forwarding: ``ecr_ptc_runtime.handler.miss_fill_handler`` under a burst of 200 spoke failure
events for 20 distinct two-platform images, against the stub ECR registry of the re-warm bench (50 ms a request:
``BENCH_ECR_LATENCY_MS``), 4 fills at once (the function's reserved concurrency, ``ecr_ptc.organization.miss_fill.
FILL_CONCURRENCY``; not imported here, as that would start the CDK's jsii runtime), the 15-minute windows in an
in-memory table with DynamoDB's conditional write.

Prints the seconds from an image's first event to the image filled in the hub (median and worst of the 20), and
the tag requests per distinct image at the registry (a fill's manifest GET through the hub is what makes ECR pull
from the upstream: goal exactly 1). The hub-to-upstream hop itself is not modelled. Never a pass/fail test.
"""

from __future__ import annotations

import base64
import concurrent.futures
import copy
import io
import os
import statistics
import sys
import threading
import time
from collections import Counter
from typing import Any

from .rewarm_bench import LATENCY, RUNS, catalog, stub_registry

IMAGES, EVENTS, CONCURRENCY = 20, 200, 4
EVENT: dict[str, Any] = {
    "version": "0",
    "detail-type": "ECR Pull Through Cache Action",
    "source": "aws.ecr",
    "region": "eu-west-1",
    "detail": {"sync-status": "FAILED", "ecr-repository-prefix": "cache", "failure-code": "ImageNotFound"},
}


class Table:
    """DynamoDB's conditional PutItem (``attribute_not_exists(key) OR expires < :now``), atomic, in memory."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}
        self.lock = threading.Lock()

    def put_item(self, Item, ExpressionAttributeValues, **_):
        key, now = Item["key"]["S"], int(ExpressionAttributeValues[":now"]["N"])
        with self.lock:
            if key in self.items and self.items[key] >= now:
                error = Exception("ConditionalCheckFailedException")
                error.response = {"Error": {"Code": "ConditionalCheckFailedException"}}  # type: ignore[attr-defined]
                raise error
            self.items[key] = int(Item["expires"]["N"])


def run_once(url: str) -> tuple[list[float], float]:
    """Seconds from each image's first event (taken by a fill) to its fill's end, and from the burst's start (every
    event arrived at once) to the last image filled: the queue the reserved concurrency makes."""
    from ecr_ptc_runtime import handler, logs

    class StubEcr:
        def get_authorization_token(self):
            time.sleep(LATENCY)
            token = base64.b64encode(b"AWS:bench-password").decode()
            return {"authorizationData": [{"authorizationToken": token, "proxyEndpoint": url}]}

        def describe_images(self, repositoryName, imageIds):
            time.sleep(LATENCY)
            return {"imageDetails": []}  # not held before the fill

    table = Table()
    handler.ecr_client = lambda: StubEcr()
    handler.dynamodb_client = lambda: table
    os.environ.update(CACHE_NAME="bench", PREFIXES="cache", HUB_ACCOUNT="111111111111", FILL_TABLE="fills")
    os.environ.pop("TOPIC_ARN", None)
    logs.configure(open(os.devnull, "w"))

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 300_000

    first_seen: dict[str, float] = {}
    filled_at: dict[str, float] = {}

    def one(n: int) -> None:
        event = copy.deepcopy(EVENT)
        event["account"] = f"{200000000000 + n:012d}"
        repository = f"cache/app{n % IMAGES:03d}"
        event["detail"].update({"repository-name": repository, "image-tag": "v1"})
        first_seen.setdefault(repository, time.monotonic())
        result = handler.miss_fill_handler(event, Context())
        if result["state"] == "filled":
            filled_at[repository] = time.monotonic()

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(one, range(EVENTS)))
    return [filled_at[r] - first_seen[r] for r in filled_at], max(filled_at.values(), default=start) - start


def main() -> None:
    manifests = catalog()
    server = stub_registry(manifests)
    requests: Counter = Counter()
    handler_class: Any = server.RequestHandlerClass
    original = handler_class.do_GET

    def counted(self) -> None:
        if self.path.endswith("/manifests/v1"):
            requests[self.path.split("/manifests/")[0]] += 1
        original(self)

    handler_class.do_GET = counted
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        runs = []
        for _ in range(RUNS):
            requests.clear()
            stdout, sys.stdout = sys.stdout, io.StringIO()  # the EMF lines, as Lambda would ship them
            try:
                seconds, burst = run_once(url)
            finally:
                sys.stdout = stdout
            runs.append((seconds, dict(requests), burst))
    finally:
        server.shutdown()
    seconds, counts, _ = runs[-1]
    if len(seconds) != IMAGES:
        print(f"miss fill bench (P8): {len(seconds)} of {IMAGES} images filled")
        return
    medians = [statistics.median(r[0]) for r in runs]
    worst = [max(r[0]) for r in runs]
    per_image = sorted(set(counts.values()))
    print(
        f"miss fill (P8): {EVENTS} spoke failure events for {IMAGES} two-platform images, {CONCURRENCY} fills at once, "
        f"stub ECR registry {LATENCY * 1000:.0f} ms a request: first event to image in the hub "
        f"{statistics.median(medians):.2f} s median, {statistics.median(worst):.2f} s worst, all {IMAGES} in the hub "
        f"{statistics.median(r[2] for r in runs):.1f} s after the burst; tag pulls per distinct "
        f"image {per_image} (goal [1]), median of {RUNS}"
    )


if __name__ == "__main__":
    main()
