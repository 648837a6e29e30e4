"""WarmSettings and resolve_warm_images: no CDK synth, fast."""

from __future__ import annotations

import pytest

from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.errors import ValidationError
from ecr_ptc.warming.settings import MAX_TIMEOUT_MINUTES, OnFailure, WarmSettings, resolve_warm_images
from tests.ecr_ptc.warming.conftest import RULES, SECRET

OK = "ecr-public/nginx/nginx:1.27"


@pytest.mark.parametrize(
    "kwargs, path, says",
    [
        ({"images": ("ecr-public/nginx/nginx@sha256:" + "a" * 64,)}, "images[0]", "digest does not fill"),
        ({"images": (OK, "ecr-public/nginx/nginx")}, "images[1]", "has no tag"),
        ({"images": ("ecr-public/Nginx:1",)}, "images[0]", "not a valid name"),
        ({"images": ()}, "images", "no images"),
        ({"images": OK}, "images", "expected a list"),
        ({"images": (OK,), "platforms": ("linux",)}, "platforms[0]", "os/arch"),
        ({"images": (OK,), "platforms": ("linux/arm64", "linux/amd64", "linux/arm64")}, "platforms[2]", "already"),
        ({"images": (OK,), "platforms": "linux/arm64"}, "platforms", "expected a list"),
        ({"images": (OK,), "timeout_minutes": 0}, "timeout_minutes", "from 1 to"),
        ({"images": (OK,), "timeout_minutes": MAX_TIMEOUT_MINUTES + 1}, "timeout_minutes", "from 1 to"),
        ({"images": (OK,), "timeout_minutes": 120}, "timeout_minutes", "one hour"),
        ({"images": (OK,), "timeout_minutes": "30"}, "timeout_minutes", "whole number"),
        ({"images": (OK,), "timeout_minutes": True}, "timeout_minutes", "whole number"),
        ({"images": (OK,), "on_failure": "ignore"}, "on_failure", "not one of fail, warn"),
        ({"images": (OK,), "on_failure": None}, "on_failure", "not one of"),
    ],
)
def test_bad_settings(kwargs, path, says):
    with pytest.raises(ValidationError) as err:
        WarmSettings(**kwargs)
    assert err.value.path == path
    assert says in err.value.problem + err.value.fix
    assert err.value.fix


def test_settings_normalize():
    s = WarmSettings(images=[" " + OK + " "], platforms=["linux/arm/v7"], on_failure="WARN", timeout_minutes=5)
    assert s.images == (OK,)
    assert s.platforms == ("linux/arm/v7",)
    assert s.on_failure is OnFailure.WARN
    assert s.timeout_seconds == 300
    assert WarmSettings(images=(OK,)).platforms == ()  # every platform the tag has
    assert WarmSettings(images=(OK,)).timeout_minutes == 30


@pytest.mark.parametrize(
    "images, path, says",
    [
        (("ecr-public/nginx/nginx:1", "ghcr/owner/app:1"), "images[1]", "not under any cache rule prefix"),
        (("quay-x/app:1",), "images[0]", "not under any"),  # a prefix is a path segment, not a string prefix
        (("nginx:latest",), "images[0]", "not under any"),  # no prefix at all: only a ROOT rule covers it
        ((OK, OK), "images[1]", "already images[0]"),
        (("my-docker-hub/library/nginx:1", "my-docker-hub/nginx:1"), "images[1]", "already images[0]"),
    ],
)
def test_bad_images_for_rules(images, path, says):
    with pytest.raises(ValidationError) as err:
        resolve_warm_images(WarmSettings(images=images), RULES)
    assert err.value.path == path
    assert says in err.value.problem


def test_prefix_error_lists_the_prefixes():
    with pytest.raises(ValidationError) as err:
        resolve_warm_images(WarmSettings(images=("ghcr/owner/app:1",)), RULES)
    for prefix in ("ecr-public/", "my-docker-hub/", "quay/", "quay/team/"):
        assert prefix in err.value.problem


def test_docker_hub_official_image_gets_library():
    images, warnings = resolve_warm_images(
        WarmSettings(
            images=("my-docker-hub/nginx:latest", "my-docker-hub/bitnami/redis:7", "my-docker-hub/library/alpine:3")
        ),
        RULES,
    )
    assert images == [
        "my-docker-hub/library/nginx:latest",
        "my-docker-hub/bitnami/redis:7",
        "my-docker-hub/library/alpine:3",
    ]
    assert len(warnings) == 1
    assert warnings[0].startswith("images[0]:")
    assert "'my-docker-hub/library/nginx:latest'" in warnings[0] and "library/" in warnings[0]


def test_resolve_is_idempotent():
    """The config loader resolves, then the construct resolves the result again: no new warnings."""
    first, _ = resolve_warm_images(WarmSettings(images=("my-docker-hub/nginx:latest",)), RULES)
    again, warnings = resolve_warm_images(WarmSettings(images=tuple(first)), RULES)
    assert again == first and warnings == []


def test_no_library_fix_for_other_upstreams_or_an_upstream_prefix():
    hub_mapped = UpstreamRule.docker_hub(
        UpstreamCredentials.from_secret_arn(SECRET), prefix="hub", upstream_prefix="library"
    )
    images, warnings = resolve_warm_images(
        WarmSettings(images=("hub/nginx:1", "quay/prometheus:v3")), [hub_mapped, UpstreamRule.quay()]
    )
    assert images == ["hub/nginx:1", "quay/prometheus:v3"] and warnings == []


def test_root_rule_covers_everything_but_longest_prefix_wins():
    hub = UpstreamRule.docker_hub(UpstreamCredentials.from_secret_arn(SECRET), prefix="hub")
    root = UpstreamRule.ecr_public(prefix="ROOT")
    images, warnings = resolve_warm_images(WarmSettings(images=("anything/else:1", "hub/nginx:1")), [root, hub])
    assert images == ["anything/else:1", "hub/library/nginx:1"]  # hub/ beat ROOT, so the fix applied
    assert len(warnings) == 1


def test_a_root_rule_covers_images_without_prefix():
    from ecr_ptc.cache.rules import UpstreamRule

    images, _ = resolve_warm_images(WarmSettings(images=("pause:3.10",)), [UpstreamRule.k8s(prefix="ROOT")])
    assert images == ["pause:3.10"]
