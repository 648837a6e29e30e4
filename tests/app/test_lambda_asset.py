"""The warmer's Lambda asset holds the runtime package only, and it loads on the stdlib alone."""

from __future__ import annotations

import subprocess
import sys

from .synth import synth


def test_warmer_asset_is_the_runtime_package_and_imports_without_site_packages(tmp_path):
    config = tmp_path / "warm.yaml"
    config.write_text("rules:\n  - upstream: k8s\nwarm:\n  images: [k8s/pause:3.10]\n")
    synth(config, tmp_path / "out")
    assets = [d for d in (tmp_path / "out").glob("asset.*") if (d / "ecr_ptc_runtime").is_dir()]
    assert len(assets) == 1, assets  # on_event and is_complete share one asset
    asset = assets[0]
    files = sorted(str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file())
    assert files and all(f.startswith("ecr_ptc_runtime/") and f.endswith(".py") for f in files), files
    # -S -I: no site-packages, as in a bare Lambda runtime (boto3 is imported lazily, when called).
    code = (
        f"import sys; sys.path.insert(0, {str(asset)!r}); import ecr_ptc_runtime.handler as h; "
        "assert callable(h.on_event) and callable(h.is_complete)"
    )
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
