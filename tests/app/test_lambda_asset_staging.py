"""The warmer's code is staged in a private temporary folder: gone when the process ends, unless the
assembly points at it (``cdk synth --no-staging``, as SAM local uses it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SCRIPT = """
import json, sys
from aws_cdk import App, Stack
from ecr_ptc import CacheWarmer, PullThroughCache, UpstreamRule, WarmSettings
from ecr_ptc.functions import lambda_source_dir

context = {"aws:cdk:enable-asset-metadata": True, "aws:cdk:disable-asset-staging": sys.argv[2] == "no-staging"}
app = App(outdir=sys.argv[1], context=context)  # the context the CDK CLI gives with and without --no-staging
stack = Stack(app, "S")
cache = PullThroughCache(stack, "Cache", rules=[UpstreamRule.k8s()])
CacheWarmer(stack, "Warm", cache=cache, settings=WarmSettings(images=("k8s/pause:3.10",)))
template = app.synth().get_stack_by_name("S").template
paths = {r["Metadata"]["aws:asset:path"] for r in template["Resources"].values()
         if r["Type"] == "AWS::Lambda::Function" and "aws:asset:path" in r.get("Metadata", {})}
print(json.dumps({"staged": str(lambda_source_dir()), "asset_paths": sorted(paths)}))
"""


def _run(tmp_path: Path, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / mode), mode], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_staged_runtime_is_removed_at_exit_and_kept_when_the_assembly_points_at_it(tmp_path):
    with ThreadPoolExecutor() as pool:
        staged, unstaged = pool.map(lambda mode: _run(tmp_path, mode), ["staging", "no-staging"])
    assert not Path(staged["staged"]).exists()  # the assembly holds its own copy, asset.<hash>
    assert staged["asset_paths"] and all(p.startswith("asset.") for p in staged["asset_paths"])
    kept = Path(unstaged["staged"])
    try:
        assert str(kept) in unstaged["asset_paths"]
        assert (kept / "ecr_ptc_runtime" / "handler.py").is_file()
    finally:
        shutil.rmtree(kept, ignore_errors=True)
