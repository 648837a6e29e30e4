"""EC2 instance types: which exist, and which processor architecture each has.

No CDK import: ``ecr-ptc validate`` uses this without starting the jsii runtime.

* :func:`known_instance_types`: the ``InstanceType`` enum of botocore's EC2 service
  model, the list the EC2 API itself accepts (loaded once, about 0.1 s).
* :func:`architecture`: ``x86_64`` or ``arm64`` from the type's name, following the
  EC2 naming conventions (a ``g`` among the attributes, or family ``a``, is Graviton).
"""

from __future__ import annotations

import difflib
import functools
import re

X86_64 = "x86_64"
ARM64 = "arm64"

# family, generation, attributes, an optional option after a hyphen, then the size:
# t3.small, m7i-flex.large, c7gn.xlarge, p6e-gb200.36xlarge, u7i-12tb.224xlarge.
_NAME = re.compile(
    r"(?P<family>[a-z]+)(?P<generation>\d+)(?P<attributes>[a-z]*)(?:-(?P<option>[a-z0-9]+))?\.[a-z0-9-]+"
)
# An NVIDIA Grace Blackwell superchip (p6e-gb200): its Grace CPU is Arm.
_GRACE = re.compile(r"gb\d+")


class UnsupportedInstanceType(ValueError):
    """An instance type whose architecture no Amazon Linux 2023 AMI runs on (Mac instances)."""


@functools.lru_cache(maxsize=1)
def known_instance_types() -> frozenset[str]:
    """Every instance type botocore's EC2 service model lists (``InstanceType`` enum)."""
    import botocore.loaders  # only here: importing this module must stay cheap

    model = botocore.loaders.create_loader().load_service_model("ec2", "service-2")
    return frozenset(model["shapes"]["InstanceType"]["enum"])


def botocore_version() -> str:
    import botocore

    return botocore.__version__


def close_matches(instance_type: str, n: int = 3) -> list[str]:
    """Known instance types that look like ``instance_type`` (for "did you mean")."""
    return difflib.get_close_matches(instance_type, sorted(known_instance_types()), n=n, cutoff=0.75)


# Instance families Amazon Linux 2023 cannot run. No maintained machine-readable source ships with our
# dependencies (botocore's EC2 model lists type names only; cfn-lint's data the types each Region offers),
# so this is the one list, from the pages that say it:
# * a1 (first-generation Graviton): "AL2023 doesn't support A1 instances" (AL2023 user guide, system
#   requirements, https://docs.aws.amazon.com/linux/al2023/ug/system-requirements.html; the CDK's
#   EcsMachineImageType.ECS_AL2023 says the same);
# * t1, m1, m2, c1: previous-generation types that run paravirtual (PV) AMIs only (EC2 user guide,
#   "Virtualization types", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ComponentsAMIs.html), while
#   every AL2023 AMI is HVM. (c3, m3 and hs1 run PV and HVM, so AL2023 too.)
NOT_AL2023 = {
    "a1": "a first-generation Graviton (A1) type, which Amazon Linux 2023 does not support",
    "t1": "a previous-generation type that runs paravirtual AMIs only; Amazon Linux 2023 is HVM only",
    "m1": "a previous-generation type that runs paravirtual AMIs only; Amazon Linux 2023 is HVM only",
    "m2": "a previous-generation type that runs paravirtual AMIs only; Amazon Linux 2023 is HVM only",
    "c1": "a previous-generation type that runs paravirtual AMIs only; Amazon Linux 2023 is HVM only",
}


def al2023_problem(instance_type: str) -> "str | None":
    """Why Amazon Linux 2023 cannot run on ``instance_type`` (its family is in ``NOT_AL2023``), or None."""
    why = NOT_AL2023.get(instance_type.split(".")[0])
    return f"{instance_type} is {why}" if why else None


def architecture(instance_type: str) -> str:
    """``arm64`` for AWS Graviton (and Grace) types, ``x86_64`` for the rest.

    Raises :class:`UnsupportedInstanceType` for Mac instances (``mac1.metal``,
    ``mac2-m2pro.metal``, ``mac-m4.metal``): they run only on Dedicated Hosts and only
    macOS AMIs. Raises ``ValueError`` for a name that is not shaped like an instance type.
    """
    if instance_type.startswith("mac"):
        raise UnsupportedInstanceType(
            f"{instance_type} is a Mac instance: it runs only on an EC2 Dedicated Host and only macOS AMIs,"
            " not Amazon Linux"
        )
    if instance_type.startswith("u-"):  # u-6tb1.metal: the first High Memory types, Intel
        return X86_64
    match = _NAME.fullmatch(instance_type)
    if match is None:
        raise ValueError(f"{instance_type!r} is not shaped like an EC2 instance type")
    family, attributes, option = match["family"], match["attributes"], match["option"] or ""
    if family == "a" or "g" in attributes or _GRACE.fullmatch(option):
        return ARM64
    return X86_64
