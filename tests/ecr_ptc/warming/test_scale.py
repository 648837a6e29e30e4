"""200 images in one stack stay under CloudFormation's 500 resources and 1 MB template size."""

from __future__ import annotations

import pytest
from aws_cdk import Stack

from ecr_ptc.warming.cache_warmer import RESOURCE_TYPE, CacheWarmer
from ecr_ptc.warming.settings import WarmSettings
from tests.ecr_ptc.warming.conftest import make_cache, synth, template_bytes

pytestmark = pytest.mark.synth

IMAGES = 200
MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000


def build(stack: Stack) -> None:
    images = tuple(f"ecr-public/team-{i % 7}/service-{i}:1.{i}.0" for i in range(IMAGES))
    CacheWarmer(
        stack,
        "Warmer",
        cache=make_cache(stack),
        settings=WarmSettings(images=images, platforms=("linux/amd64", "linux/arm64")),
    )


@pytest.fixture(scope="module")
def cfn() -> dict:
    # environment-agnostic (partition, Region and account are tokens) and checked by cdk-nag
    return synth(build, env=None)[1].to_json()


def test_200_images_fit_one_stack(cfn):
    resources = cfn["Resources"]
    size = template_bytes(cfn)
    print(f"\n{IMAGES} images: {len(resources)} resources, template {size} bytes")
    assert sum(1 for r in resources.values() if r["Type"] == RESOURCE_TYPE) == IMAGES
    assert len(resources) < MAX_RESOURCES
    assert size < MAX_TEMPLATE_BYTES
