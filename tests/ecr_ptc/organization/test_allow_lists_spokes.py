"""Allow/deny lists across an organization: the spokes' rules carry the hub rules' lists as the hub names them,
and the hub's fill on miss receives them."""

from __future__ import annotations

from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.organization.settings import spoke_rules

from .conftest import SECRET, settings


def test_spoke_rules_carry_the_hub_lists_as_the_hub_names_them():
    hub = [
        UpstreamRule.docker_hub(UpstreamCredentials.from_secret_arn(SECRET)).restrict(
            allow=["library/*"], deny=["library/busybox"]
        ),
    ]
    (spoke_hub,) = spoke_rules(hub, settings())
    assert (spoke_hub.upstream_prefix, spoke_hub.allow, spoke_hub.deny) == (
        "docker-hub",
        ("docker-hub/library/*",),
        ("docker-hub/library/busybox",),
    )
    assert spoke_hub.import_patterns == hub[0].import_patterns and spoke_hub.deny_patterns == hub[0].deny_patterns
    (spoke_root,) = spoke_rules([UpstreamRule.quay(prefix="ROOT").restrict(allow=["prometheus/*"])], settings())
    assert spoke_root.import_patterns == ["prometheus/*"]  # a ROOT hub rule: the same names, no prefix
