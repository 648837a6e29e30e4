"""ecr_ptc.workstation.instance_types: the types EC2 knows and their architecture, checked against moto's EC2 data."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import moto
import pytest

from ecr_ptc.workstation import instance_types
from ecr_ptc.workstation.instance_types import (
    ARM64,
    X86_64,
    UnsupportedInstanceType,
    architecture,
    known_instance_types,
)

# DescribeInstanceTypes answers as moto ships them: ProcessorInfo.SupportedArchitectures per type.
MOTO_INSTANCE_TYPES = Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"


def moto_architectures() -> dict[str, list[str]]:
    with gzip.open(MOTO_INSTANCE_TYPES, "rt") as data:
        return {name: info["ProcessorInfo"]["SupportedArchitectures"] for name, info in json.load(data).items()}


def expected(supported: list[str]) -> str:
    """What an Amazon Linux 2023 workstation should run: AL2023 has x86_64 and arm64 images."""
    if any(arch.endswith("_mac") for arch in supported):
        return "refused"
    return ARM64 if ARM64 in supported else X86_64


def test_architecture_agrees_with_moto_for_every_type_it_knows():
    known = moto_architectures()
    assert len(known) > 1000  # the data is there, not an empty stand-in
    got = {}
    for name in known:
        try:
            got[name] = architecture(name)
        except UnsupportedInstanceType:
            got[name] = "refused"
    wrong = {name: (supported, got[name]) for name, supported in known.items() if got[name] != expected(supported)}
    assert wrong == {}
    # Both architectures and the Mac refusal are exercised, not just one branch.
    assert {"t3.small", "m7i-flex.large", "u7i-12tb.224xlarge"} <= {n for n, a in got.items() if a == X86_64}
    assert {"a1.large", "t4g.small", "m7g.large", "c7gn.xlarge", "is4gen.large", "g5g.xlarge"} <= {
        n for n, a in got.items() if a == ARM64
    }
    assert {"mac1.metal", "mac2-m2pro.metal", "mac-m4.metal"} <= {n for n, a in got.items() if a == "refused"}


def test_every_type_botocore_knows_has_an_architecture():
    """The name rule covers all of EC2's naming (u-6tb1, p6e-gb200, metal-48xl...), not only moto's types."""
    unparsed = []
    for name in known_instance_types():
        try:
            architecture(name)
        except UnsupportedInstanceType:
            assert name.startswith("mac")
        except ValueError:
            unparsed.append(name)
    assert unparsed == []


@pytest.mark.parametrize(
    "name, arch",
    [("p6e-gb200.36xlarge", ARM64), ("u-6tb1.metal", X86_64), ("u-12tb1.112xlarge", X86_64), ("g4ad.xlarge", X86_64)],
)
def test_types_moto_does_not_list(name, arch):
    """Types botocore lists and moto's data lacks: the Grace CPU of GB200 is Arm; the u- and g4ad are x86."""
    assert name in known_instance_types()
    assert architecture(name) == arch


def test_mac_refused_with_the_reason():
    with pytest.raises(UnsupportedInstanceType, match="Dedicated Host and only macOS AMIs"):
        architecture("mac2.metal")


@pytest.mark.parametrize("name", ["t3", "t3.", ".small", "T3.small", "t3.small\n"])
def test_not_shaped_like_an_instance_type(name):
    with pytest.raises(ValueError, match="not shaped like"):
        architecture(name)


def test_known_types_come_from_botocores_ec2_model():
    known = known_instance_types()
    assert {"t3.small", "m7g.large", "c7gn.xlarge", "m7i-flex.large", "c6in.2xlarge"} <= known
    assert not {"t3.smal", "m9z.large", "t3.huge"} & known
    assert known_instance_types() is known  # loaded once


def test_close_matches():
    assert instance_types.close_matches("t3.smal")[0] == "t3.small"
    assert instance_types.close_matches("zzzz") == []


def test_checking_an_instance_type_starts_no_jsii():
    """`ecr-ptc validate` checks workstation settings and must never start the CDK's jsii runtime."""
    code = (
        "import sys\n"
        "from ecr_ptc.workstation.settings import WorkstationSettings\n"
        "WorkstationSettings(kind='ec2', instance_type='m7g.large')\n"
        "WorkstationSettings(kind='cloud9', instance_type='t3.small')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsii', 'aws_cdk', 'constructs')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
