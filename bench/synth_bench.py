"""Synth cost: the app on the default config vs a bare L1 app; and a 50-rule config."""

from __future__ import annotations

import compileall
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


def compile_sources() -> None:
    """Our modules' bytecode, as a machine that writes it has after the first run (some, like CI images
    with PYTHONDONTWRITEBYTECODE, never write it, and every synth would compile ours again)."""
    for folder in ("constructs", "ecr_ptc_app", "stacks", "lambda"):
        compileall.compile_dir(ROOT / folder, quiet=1)


def interleaved_medians(variants: dict[str, tuple[list[str], dict]]) -> dict[str, float]:
    """Median seconds of each variant, the variants run in turn RUNS times: a machine's drift (other
    jobs, CPU frequency) then falls on all of them alike instead of on whichever ran last."""
    times: dict[str, list[float]] = {label: [] for label in variants}
    for _ in range(RUNS):
        for label, (args, context) in variants.items():
            outdir = tempfile.mkdtemp(prefix="bench-synth-")
            try:
                times[label].append(timed_synth(args, outdir, context))
            finally:
                shutil.rmtree(outdir, ignore_errors=True)
    return {label: statistics.median(values) for label, values in times.items()}


def main() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    compile_sources()
    m = interleaved_medians(
        {
            "app": (["app.py"], context),
            "bare": (["bench/bare_app.py"], context),
            "bare+nag": (["bench/bare_app.py"], dict(context, **{"bare-nag": "true"})),
            "app, nag=false": (["app.py"], dict(context, nag="false")),
        }
    )
    app, bare, bare_nag, unchecked = m["app"], m["bare"], m["bare+nag"], m["app, nag=false"]
    print(
        f"synth default config: app {app:.2f} s, bare L1 app {bare:.2f} s, "
        f"ratio {app / bare:.2f} (goal <= 1.10), median of {RUNS} interleaved runs"
    )
    print(
        f"  cdk-nag's own cost: the bare L1 app with the AwsSolutions plugin {bare_nag:.2f} s, "
        f"ratio {bare_nag / bare:.2f} (the floor of any app that runs cdk-nag on every synth)"
    )
    print(
        f"  the app's own cost: app vs that bare app with cdk-nag {app / bare_nag:.2f}; "
        f"app with -c nag=false {unchecked:.2f} s vs bare L1 app, ratio {unchecked / bare:.2f}"
    )
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
