"""Synth cost: the app on the default config vs a bare L1 app; and a 50-rule config."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RULES_50 = "rules:\n" + "".join(f"  - {{upstream: quay, prefix: q{i:02d}}}\n" for i in range(50))
WARM_200 = "rules:\n  - upstream: quay\nwarm:\n  images:\n" + "".join(
    f"    - quay/team/image{i:03d}:v1\n" for i in range(200)
)


def timed_synth(args: list[str], outdir: str, context: dict | None = None) -> float:
    env = dict(os.environ, CDK_OUTDIR=outdir, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    if context:  # how the CDK CLI hands context to the app
        env["CDK_CONTEXT_JSON"] = json.dumps(context)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def median_synth(args: list[str], context: dict | None = None) -> tuple[float, dict]:
    """Median seconds, and the templates of the last run by file name."""
    times = []
    for _ in range(RUNS):
        outdir = tempfile.mkdtemp(prefix="bench-synth-")
        try:
            times.append(timed_synth(args, outdir, context))
            templates = {p.name: p.read_text() for p in Path(outdir).glob("*.template.json")}
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
    return statistics.median(times), templates


def main() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app, _ = median_synth(["app.py"], context)
    bare, _ = median_synth(["bench/bare_app.py"], context)
    unchecked, _ = median_synth(["app.py"], dict(context, nag="false"))
    print(
        f"synth default config: app {app:.2f} s, bare L1 app {bare:.2f} s, "
        f"ratio {app / bare:.2f} (goal <= 1.10), median of {RUNS}"
    )
    print(f"  of which the cdk-nag checks: app with -c nag=false {unchecked:.2f} s, ratio {unchecked / bare:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, text in (("50 rules", RULES_50), ("200 warmed images", WARM_200)):
            config = Path(tmp, "bench.yaml")
            config.write_text(text)
            seconds, templates = median_synth(["app.py"], dict(context, config=str(config)))
            template = templates["EcrPtc.template.json"]
            resources = len(json.loads(template)["Resources"])
            print(
                f"synth {label}: {seconds:.2f} s, {resources} resources (limit 500), "
                f"{len(template.encode())} template bytes (limit 1000000)"
            )


if __name__ == "__main__":
    main()
