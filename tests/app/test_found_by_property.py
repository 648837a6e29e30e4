"""Configs the property test found that validate accepted but synth could not build: they build now,
cdk-nag and cfn-lint clean."""

from __future__ import annotations

import pytest

from .lint import findings
from .synth import synth

BUILT = {
    # a ROOT rule's images have no prefix: the workstation's smoke test pulls them all the same
    "root-rule-workstation": "rules: [{upstream: k8s, prefix: ROOT}]\nworkstation: {kind: ec2}\n",
    # 'a-b' and 'a.b' give the same output id: the second one gets a suffix of its own
    "output-ids-collide": "rules: [{upstream: quay, prefix: a-b}, {upstream: k8s, prefix: a.b}]\n"
    "warm: {images: [a-b/x:1, a.b/x:1]}\n",
}


@pytest.mark.synth
@pytest.mark.parametrize("text", BUILT.values(), ids=BUILT)
def test_builds_and_lints_clean(tmp_path, text):
    config = tmp_path / "config.yaml"
    config.write_text(text)
    templates = synth(config, tmp_path / "out")
    for template in templates.values():
        assert findings(template) == []
    outputs = [o for t in templates.values() for o in t.get("Outputs", {})]
    assert len(outputs) == len(set(outputs))


@pytest.mark.synth
def test_colliding_output_ids_keep_the_first_name_and_suffix_the_second(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(BUILT["output-ids-collide"])
    outputs = set(synth(config, tmp_path / "out")["EcrPtc"]["Outputs"])
    assert "ExamplePullAB" in outputs and "DigestABX1" in outputs  # the first of each keeps its plain name
    assert len([o for o in outputs if o.startswith("ExamplePullAB")]) == 2
    assert len([o for o in outputs if o.startswith("DigestABX1")]) == 2
