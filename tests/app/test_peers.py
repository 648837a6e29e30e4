"""The peers' own examples, translated into ecr-ptc configs (tests/app/peers), synthesize to the equivalent
resources: terraform-aws-modules/terraform-aws-ecr (complete, repository-template), lgallard/terraform-aws-ecr
(pull-through-cache) and the EKS Blueprints ecr-pull-through-cache pattern. README: "Coming from Terraform"."""

from __future__ import annotations

import json

import pytest

from ecr_ptc_app.config import load_config

from .iam_lint import problems as iam_problems
from .lint import findings
from .synth import ROOT, synth

PEERS = ROOT / "tests" / "app" / "peers"


@pytest.fixture(scope="module")
def peers(tmp_path_factory) -> dict[str, dict]:
    """The one cache stack of each translated example."""
    out = {}
    for path in sorted(PEERS.glob("*.yaml")):
        (template,) = synth(path, tmp_path_factory.mktemp(path.stem)).values()
        out[path.stem] = template
    return out


def of_type(template, kind):
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def rules(template):
    return {
        r["EcrRepositoryPrefix"]: r["UpstreamRegistryUrl"] for r in of_type(template, "AWS::ECR::PullThroughCacheRule")
    }


def scanning(template):
    (config,) = of_type(template, "AWS::ECR::RegistryScanningConfiguration")
    return config["ScanType"], {
        r["ScanFrequency"]: sorted(f["Filter"] for f in r["RepositoryFilters"]) for r in config["Rules"]
    }


def templates(template):
    return {t["Prefix"]: t for t in of_type(template, "AWS::ECR::RepositoryCreationTemplate")}


def test_every_peer_config_validates_and_lints(peers):
    assert set(peers) == {
        "eks-blueprints-pull-through-cache",
        "lgallard-pull-through-cache",
        "lgallard-repository-creation-template",
        "tfam-complete",
        "tfam-repository-template",
    }
    for name, template in peers.items():
        region = "us-west-2" if name.startswith("eks") else "us-east-1"
        assert findings(template, region) == [], name
        assert iam_problems(template, region=region, account="123456789012") == [], name


def test_terraform_aws_modules_complete(peers):
    template = peers["tfam-complete"]
    assert rules(template) == {"ecr-public": "public.ecr.aws"}
    (policy,) = of_type(template, "AWS::ECR::RegistryPolicy")
    (statement,) = policy["PolicyText"]["Statement"]
    assert statement["Action"] == "ecr:ReplicateImage" and statement["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:root"
    }
    assert scanning(template) == ("ENHANCED", {"SCAN_ON_PUSH": ["*"], "CONTINUOUS_SCAN": ["example"]})
    assert not of_type(template, "AWS::ECR::ReplicationConfiguration")


def test_terraform_aws_modules_repository_template(peers):
    template = peers["tfam-repository-template"]
    assert rules(template) == {"public-ecr": "public.ecr.aws", "dockerhub": "registry-1.docker.io"}
    by_prefix = templates(template)
    for prefix in ("public-ecr", "dockerhub"):
        assert by_prefix[prefix]["AppliedFor"] == ["PULL_THROUGH_CACHE"]
        assert by_prefix[prefix]["ImageTagMutability"] == "IMMUTABLE"
        assert {t["Key"] for t in by_prefix[prefix]["ResourceTags"]} == {"Name", "Example", "Repository"}
        assert "CustomRoleArn" in by_prefix[prefix]  # resource tags need the template role, as the module's
    (rule,) = json.loads(by_prefix["public-ecr"]["LifecyclePolicy"])["rules"]
    assert rule["selection"] == {
        "tagStatus": "tagged",
        "tagPrefixList": ["v"],
        "countType": "imageCountMoreThan",
        "countNumber": 30,
    }
    assert "LifecyclePolicy" not in by_prefix["dockerhub"]


def test_lgallard_pull_through_cache(peers):
    template = peers["lgallard-pull-through-cache"]
    assert rules(template) == {
        "docker-hub": "registry-1.docker.io",
        "quay": "quay.io",
        "ghcr": "ghcr.io",
        "public-ecr": "public.ecr.aws",
    }
    assert scanning(template)[0] == "ENHANCED"
    for props in templates(template).values():
        assert props["ImageTagMutability"] == "IMMUTABLE"
        assert props["EncryptionConfiguration"] == {"EncryptionType": "AES256"}
        selections = [r["selection"] for r in json.loads(props["LifecyclePolicy"])["rules"]]
        assert selections == [
            {
                "tagStatus": "tagged",
                "tagPrefixList": ["v", "latest"],
                "countType": "imageCountMoreThan",
                "countNumber": 10,
            },
            {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1},
        ]


def test_eks_blueprints_pattern(peers):
    template = peers["eks-blueprints-pull-through-cache"]
    assert rules(template) == {
        "ecr": "public.ecr.aws",
        "k8s": "registry.k8s.io",
        "quay": "quay.io",
        "docker-hub": "registry-1.docker.io",
    }
    assert scanning(template) == ("ENHANCED", {"SCAN_ON_PUSH": ["*"]})


def test_peer_tags_reach_taggable_resources(peers):
    roles = [r for r in peers["tfam-repository-template"]["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert roles
    for role in roles:
        tags = {t["Key"]: t["Value"] for t in role["Properties"]["Tags"]}
        assert tags["Repository"] == "https://github.com/terraform-aws-modules/terraform-aws-ecr"


def test_peer_configs_warn_where_the_peers_would_not(tmp_path):
    warnings = " ".join(load_config(PEERS / "tfam-repository-template.yaml").warnings)
    assert "IMMUTABLE_WITH_EXCLUSION" in warnings
    assert "owns the registry scanning configuration" in " ".join(load_config(PEERS / "tfam-complete.yaml").warnings)


def test_lgallard_repository_creation_template(peers):
    by_prefix = templates(peers["lgallard-repository-creation-template"])
    hub = by_prefix["docker-hub"]
    assert hub["ImageTagMutability"] == "MUTABLE_WITH_EXCLUSION"
    assert hub["ImageTagMutabilityExclusionFilters"] == [
        {"ImageTagMutabilityExclusionFilterType": "WILDCARD", "ImageTagMutabilityExclusionFilterValue": "release-*"}
    ]
    (rule,) = json.loads(hub["LifecyclePolicy"])["rules"]
    assert rule["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }
    assert by_prefix["public-ecr"]["ImageTagMutability"] == "MUTABLE"
    assert "LifecyclePolicy" not in by_prefix["public-ecr"]
