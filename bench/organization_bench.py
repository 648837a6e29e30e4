"""Organization rollout: synth cost must not grow with the organization (OU targets, not account lists).

Synthesizes the app (cdk-nag on, as `cdk synth` runs it) with one target OU in one Region, and with 50 OUs
(the most one StackSets operation takes) in 16 Regions, and compares time and template sizes.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
from pathlib import Path

from .synth_bench import ROOT, RUNS, timed_synth

REGIONS_16 = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ca-central-1",
    "sa-east-1",
)


def config(units: list[str], regions: tuple[str, ...]) -> str:
    return (
        "rules:\n  - upstream: ecr-public\n  - upstream: k8s\n  - upstream: quay\n"
        "organization:\n  hub: {account: '111111111111', region: eu-west-1}\n"
        "  stackSet: {account: '222222222222', region: us-east-1, callAs: DELEGATED_ADMIN}\n"
        "  organizationId: o-a1b2c3d4e5\n"
        f"  targets: {{organizationalUnits: [{', '.join(units)}], regions: [{', '.join(regions)}]}}\n"
    )


def measure(texts: dict[str, str], context: dict) -> dict[str, tuple[float, dict[str, dict]]]:
    """Per config: median seconds and the last run's templates (nested Stages included) by file name.
    The configs take turns run by run, so the machine's noise falls on each alike."""
    times: dict[str, list[float]] = {label: [] for label in texts}
    templates: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {label: Path(tmp, f"{i}.yaml") for i, label in enumerate(texts)}
        for label, text in texts.items():
            paths[label].write_text(text)
        for _ in range(RUNS):
            for label, path in paths.items():
                outdir = tempfile.mkdtemp(prefix="bench-org-")
                try:
                    times[label].append(timed_synth(["app.py"], outdir, dict(context, config=str(path))))
                    templates[label] = {
                        p.name: json.loads(p.read_text()) for p in Path(outdir).glob("**/*.template.json")
                    }
                finally:
                    shutil.rmtree(outdir, ignore_errors=True)
    return {label: (statistics.median(times[label]), templates[label]) for label in texts}


def sizes(templates: dict[str, dict]) -> str:
    return ", ".join(
        f"{name.split('.')[0].removeprefix('EcrPtc-')}: {len(t['Resources'])} resources, "
        f"{len(json.dumps(t, separators=(',', ':')))} bytes"
        for name, t in sorted(templates.items())
    )


def main() -> None:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    units = [f"ou-ab12-{i:08d}" for i in range(50)]
    results = measure(
        {
            "1 OU x 1 Region": config(["ou-ab12-00000000"], ("eu-west-1",)),
            "50 OUs x 16 Regions": config(units, REGIONS_16),
        },
        context,
    )
    (small, _), (large, _) = results.values()
    print(
        f"synth organization, 1 OU x 1 Region vs 50 OUs x 16 Regions: {small:.2f} s vs {large:.2f} s, "
        f"ratio {large / small:.2f} (goal: about 1, whatever the number of accounts), median of {RUNS}"
    )
    for label, (_, templates) in results.items():
        print(f"  {label}: {sizes(templates)}")


if __name__ == "__main__":
    main()
