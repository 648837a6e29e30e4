"""Warm cost against real registries on loopback: `ecr-ptc warm --registry` vs the `skopeo copy` loop
teams use today, each run against a fresh docker-registry pull-through cache; and the CLI's peak
memory while it warms one image with a 256 MB layer. Prints medians and ratios; never a pass/fail test."""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
IMAGES = 16
PLATFORMS = ("linux/amd64", "linux/arm64")
LAYERS = 3  # per platform, plus one layer shared by both platforms
LAYER_SIZE = 512 << 10  # 7 layers of 512 KiB: 3.5 MiB per image
BIG_LAYER = 256 << 20
MIN_FREE = 2 << 30  # the big layer is stored by the upstream and again by the cache
CHILD_TIMEOUT = 900.0
# BENCH_UPSTREAM_LATENCY_MS=50 adds a run with the upstream that far away per request (as a public
# registry is from a cloud Region). On this rig the proxy-mode docker-registry then dominates.
UPSTREAM_LATENCY = float(os.environ.get("BENCH_UPSTREAM_LATENCY_MS", "0")) / 1000
MiB = 1 << 20


def warm_command() -> list[str]:
    """The console script next to this interpreter (the venv's), else the module."""
    script = Path(sys.executable).parent / "ecr-ptc"
    return [str(script), "warm"] if script.exists() else [sys.executable, "-m", "ecr_ptc_app.cli", "warm"]


def run_child(cmd: list[str], log: Path) -> tuple[float, int]:
    """Run ``cmd`` to completion; (wall seconds, peak RSS in KiB of that process alone).

    os.wait4 gives the rusage of this one child, unlike RUSAGE_CHILDREN, whose ru_maxrss is the
    largest of every child waited for so far (the registries and skopeo included)."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            end = start + CHILD_TIMEOUT
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > end:
                    raise TimeoutError(f"{cmd[0]} still running after {CHILD_TIMEOUT:.0f}s")
                time.sleep(0.005)
            seconds = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... exited {proc.returncode}: {log.read_text()[-2000:]}")
    return seconds, usage.ru_maxrss


@contextlib.contextmanager
def fresh_cache(registry_cls, root: Path, upstream_url: str) -> Iterator:
    """A proxy-mode docker-registry with empty storage; stopped and its storage removed on exit."""
    cache = registry_cls(root, proxy_of=upstream_url)
    try:
        yield cache.start()
    finally:
        cache.stop()
        shutil.rmtree(root, ignore_errors=True)


def host_of(url: str) -> str:
    return url.removeprefix("http://")


def time_warm(registry_cls, tmp: Path, upstream_url: str, refs: list[str], run: int) -> float:
    with fresh_cache(registry_cls, tmp / f"cache-warm-{run}", upstream_url) as cache:
        return run_child([*warm_command(), "--registry", cache.url, *refs], tmp / f"warm-{run}.log")[0]


def time_skopeo(registry_cls, tmp: Path, upstream_url: str, refs: list[str], run: int) -> float:
    layout = tmp / f"skopeo-{run}"
    try:
        with fresh_cache(registry_cls, tmp / f"cache-skopeo-{run}", upstream_url) as cache:
            return sum(
                run_child(
                    [
                        "skopeo",
                        "copy",
                        "--all",
                        "--src-tls-verify=false",
                        f"docker://{host_of(cache.url)}/{ref}",
                        f"oci:{layout}:{n}",
                    ],
                    tmp / f"skopeo-{run}-{n}.log",
                )[0]
                for n, ref in enumerate(refs)
            )
    finally:
        shutil.rmtree(layout, ignore_errors=True)


def bench_many(registry_cls, seed_image, tmp: Path, upstream_url: str) -> None:
    from tests.ecr_ptc_runtime.registry.faults import FaultProxy

    images = [
        seed_image(
            upstream_url,
            f"bench/app{i:02d}",
            "v1",
            platforms=PLATFORMS,
            layers=LAYERS,
            layer_size=LAYER_SIZE,
            seed=100 + i,
        )
        for i in range(IMAGES)
    ]
    refs = [image.ref for image in images]
    total = sum(
        sum({d: n for p in image.platforms.values() for d, n in p.sizes.items()}.values()) for image in images
    )  # distinct blobs: the shared layer once per image
    # Loopback measures the local cache's own throughput; a real upstream (Docker Hub, Quay) is
    # tens of milliseconds away per request, which is what warming one image at a time pays for.
    scenarios = [("loopback upstream", 0.0)]
    if UPSTREAM_LATENCY:
        scenarios.append((f"upstream {UPSTREAM_LATENCY * 1000:.0f} ms away", UPSTREAM_LATENCY))
    for label, latency in scenarios:
        distant = FaultProxy(upstream_url, latency=latency).start() if latency else None
        source = distant.url if distant else upstream_url
        try:
            warm, skopeo = [], []
            for run in range(RUNS):
                warm.append(time_warm(registry_cls, tmp, source, refs, run))
                skopeo.append(time_skopeo(registry_cls, tmp, source, refs, run))
        finally:
            if distant:
                distant.stop()
        w, s = statistics.median(warm), statistics.median(skopeo)
        print(
            f"warm {IMAGES} images ({len(PLATFORMS)} platforms, ~{total / MiB:.0f} MB, {label}): "
            f"ecr-ptc warm {w:.2f} s, skopeo copy loop {s:.2f} s, ratio {s / w:.1f}x (goal >= 5x), "
            f"median of {RUNS}"
        )


def bench_memory(registry_cls, seed_image, tmp: Path, upstream_url: str) -> None:
    free = shutil.disk_usage(tmp).free
    if free < MIN_FREE:
        print(
            f"peak memory warming a 256 MB layer: skipped, {free / MiB:.0f} MB free in {tmp} "
            f"(needs ~{MIN_FREE / MiB:.0f} MB)"
        )
        return
    image = seed_image(
        upstream_url,
        "bench/big",
        "v1",
        platforms=PLATFORMS[:1],
        layers=1,
        layer_size=BIG_LAYER,
        shared_layer=False,
        seed=999,
    )
    with fresh_cache(registry_cls, tmp / "cache-big", upstream_url) as cache:
        seconds, peak_kib = run_child([*warm_command(), "--registry", cache.url, image.ref], tmp / "warm-big.log")
    print(f"peak memory warming a 256 MB layer: {peak_kib / 1024:.0f} MB (goal < 100 MB), in {seconds:.2f} s")


def main() -> None:
    missing = [tool for tool in ("docker-registry", "skopeo") if not shutil.which(tool)]
    if missing:
        print(f"warm bench: skipped, {' and '.join(missing)} not installed (make setup installs them as root)")
        return
    try:
        from tests.ecr_ptc_runtime.registry.fixtures import Registry
        from tests.ecr_ptc_runtime.registry.seed import seed_image
    except ImportError as exc:  # the fixtures module imports pytest (a dev requirement)
        print(f"warm bench: skipped, tests.registry helpers not importable ({exc})")
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-warm-"))
    upstream = Registry(tmp / "upstream")
    try:
        upstream.start()
        bench_many(Registry, seed_image, tmp, upstream.url)
        bench_memory(Registry, seed_image, tmp, upstream.url)
    finally:
        upstream.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
