"""The README's construct-library example runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from .synth import ROOT


def test_readme_construct_example_synthesizes(tmp_path):
    text = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "PullThroughCache(" in b]
    assert len(blocks) == 1
    script = tmp_path / "example.py"
    script.write_text(blocks[0] + "\nprint(nginx)\n")
    env = dict(os.environ, CDK_OUTDIR=str(tmp_path / "out"))  # read by the jsii runtime at start
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    template = (tmp_path / "out" / "Registry.template.json").read_text()
    assert "AWS::ECR::PullThroughCacheRule" in template and "Custom::EcrPtcWarmImage" in template
    assert "/ecr-public/nginx/nginx@${Token" in done.stdout


def test_the_library_shows_only_its_public_names():
    import ecr_ptc

    assert dir(ecr_ptc) == sorted(ecr_ptc.__all__)
    assert all(hasattr(ecr_ptc, name) for name in ecr_ptc.__all__)
