"""`ecr-ptc rewrite` on a 5 MB dense manifest (1,600 images): diff mode vs in place vs only parsing the file with
PyYAML's C loader. Prints medians and ratios; never a pass/fail test (tests/ecr_ptc_app/commands holds a smaller
bound)."""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
CONFIG = """\
rules:
  - {upstream: docker-hub, credentials: {secretName: ecr-pullthroughcache/docker-hub}}
  - {upstream: quay}
  - {upstream: k8s}
"""
IMAGES = ("nginx:1.27.{i}", "quay.io/prometheus/node-exporter:v1.{i}", "redis:7.{i}", "registry.k8s.io/pause:3.{i}")


ENV = "".join(f"        - {{name: SETTING_{k}, value: 'value {k} of the web tier'}}\n" for k in range(42))


def dense_manifest(images: int) -> str:
    """Deployments of 4 containers each, every image one a rule covers: about 3.3 kB of YAML an image, as in the
    issue's 5 MB file with 1,600 images."""
    docs = []
    for i in range(images // len(IMAGES)):
        containers = "".join(
            f"      - name: c{c}\n        image: {image.format(i=i)}\n        ports: [{{containerPort: 80}}]\n"
            "        env:\n"
            + ENV
            + "        resources: {limits: {cpu: 500m, memory: 128Mi}, requests: {cpu: 100m, memory: 64Mi}}\n"
            "        readinessProbe: {httpGet: {path: /healthz, port: 80}, periodSeconds: 10}\n"
            "        # a comment that must survive\n"
            "        volumeMounts: [{name: data, mountPath: /data}, {name: tmp, mountPath: /tmp}]\n"
            for c, image in enumerate(IMAGES)
        )
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  labels: {{app: web-{i}}}\n"
            f"  annotations: {{description: 'the web tier, replica set {i}, with its metrics exporter'}}\n"
            f"spec:\n  replicas: 3\n  selector: {{matchLabels: {{app: web-{i}}}}}\n  template:\n"
            f"    metadata:\n      labels: {{app: web-{i}}}\n    spec:\n      containers:\n{containers}"
            "      volumes: [{name: data, emptyDir: {}}, {name: tmp, emptyDir: {}}]\n"
        )
    return "---\n".join(docs)


def best_and_median(f: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(text: str, runs: int) -> dict[str, float]:
    """Seconds: parse (PyYAML CLoader), in place, diff (the whole command, file read and write included)."""
    import yaml

    from ecr_ptc_app.cli import parser

    with tempfile.TemporaryDirectory(prefix="bench-rewrite-") as tmp:
        config = Path(tmp) / "cache.yaml"
        config.write_text(CONFIG)
        path = Path(tmp) / "dense.yaml"

        def command(*flags: str) -> None:
            path.write_text(text)
            args = parser().parse_args(["rewrite", "--config", str(config), "--registry", REGISTRY, *flags, str(path)])
            assert args.func(args, io.StringIO(), io.StringIO()) == 1

        return {
            "parse": best_and_median(lambda: list(yaml.load_all(text, Loader=yaml.CSafeLoader)), runs),
            "in_place": best_and_median(lambda: command("--in-place", "--quiet"), runs),
            "diff": best_and_median(lambda: command("--quiet"), runs),
        }


def main() -> None:
    text = dense_manifest(1600)
    t = measure(text, RUNS)
    print(
        f"rewrite of a {len(text) / 1e6:.1f} MB manifest with 1600 images: diff {t['diff']:.2f} s, in place "
        f"{t['in_place']:.2f} s (diff/in place {t['diff'] / t['in_place']:.2f}, goal <= 1.3), PyYAML CLoader parse "
        f"{t['parse']:.2f} s (in place/parse {t['in_place'] / t['parse']:.1f}, goal <= 10), median of {RUNS}"
    )


if __name__ == "__main__":
    main()
