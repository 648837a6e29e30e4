"""Allow/deny lists across an organization: the spokes' rules carry the hub rules' lists as the hub names them,
and the hub's fill on miss receives them."""

from __future__ import annotations

import json

from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.cache.settings import Encryption, RepositorySettings
from ecr_ptc.organization.settings import spoke_rules

from .conftest import KMS_KEY, SECRET, settings, synth


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


def test_a_kms_spoke_template_role_names_the_allow_patterns_and_passes_cdk_nag():
    # The spoke's own template role (KMS, no tags) is scoped to the lists; its acknowledgments must name the same
    # wildcard ARNs, or cdk-nag fails the synth (found by the organization property test).
    rules = (UpstreamRule.ecr_public().restrict(allow=["b", "*/b/io"]),)
    rollout = synth(rules, repositories=RepositorySettings(encryption=Encryption.kms(KMS_KEY)))  # nag runs here
    (role,) = [
        r for k, r in rollout.resources(rollout.spoke, "AWS::IAM::Role").items() if k.startswith("SpokeTemplateRole")
    ]
    (create,) = [
        s
        for p in role["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
        if s.get("Sid") == "CreateCacheRepositories"
    ]
    names = [json.dumps(r) for r in create["Resource"]]
    assert any("repository/ecr-public/*/b/io" in n for n in names) and any(
        n.endswith('repository/ecr-public/b"]]}') for n in names
    )
