"""Every user mistake stops with file, line, key path, problem and fix - before AWS sees it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ecr_ptc_app.config import ConfigError, load_config

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbC123"
QUAY = "rules:\n  - upstream: quay\n"


def org(extra: str = "", **lines: str) -> str:
    """A valid organization config (lines 3-7), with some lines replaced and ``extra`` from line 8."""
    parts = {
        "hub": "  hub: {account: '111111111111', region: eu-west-1}\n",
        "stackSet": "  stackSet: {account: '222222222222', region: us-east-1}\n",
        "organizationId": "  organizationId: o-a1b2c3d4e5\n",
        "targets": "  targets: {organizationalUnits: [ou-ab12-34567890], regions: [eu-west-1]}\n",
    }
    body = "".join(lines.get(k, v) for k, v in parts.items())
    return QUAY + "organization:\n" + body + extra


# Every bad organization value: (id, yaml, key path, words in the problem or fix, line).
ORGANIZATION_CASES = [
    ("org-not-mapping", QUAY + "organization: yes\n", "organization", "expected a mapping", 3),
    ("org-unknown-key", org("  hubs: {}\n"), "organization.hubs", "did you mean 'hub'", 8),
    ("org-no-hub", org(hub=""), "organization.hub", "the hub is missing", 3),
    (
        "org-hub-account",
        org(hub="  hub: {account: '1111', region: eu-west-1}\n"),
        "organization.hub.account",
        "not a 12-digit",
        4,
    ),
    (
        "org-hub-no-region",
        org(hub="  hub: {account: '111111111111'}\n"),
        "organization.hub.region",
        "the hub Region is missing",
        4,
    ),
    (
        "org-hub-china",
        org(hub="  hub: {account: '111111111111', region: cn-north-1}\n"),
        "organization.hub.region",
        "cn-north-1",
        4,
    ),
    (
        "org-hub-typo",
        org(hub="  hub: {acount: '111111111111', region: eu-west-1}\n"),
        "organization.hub.acount",
        "did you mean 'account'",
        4,
    ),
    (
        "org-stack-set-no-account",
        org(stackSet="  stackSet: {region: us-east-1}\n"),
        "organization.stackSet.account",
        "the StackSet account is missing",
        5,
    ),
    (
        "org-stack-set-region",
        org(stackSet="  stackSet: {account: '222222222222', region: us-esat-1}\n"),
        "organization.stackSet.region",
        "not an AWS Region",
        5,
    ),
    (
        "org-call-as",
        org(stackSet="  stackSet: {account: '222222222222', region: us-east-1, callAs: ADMIN}\n"),
        "organization.stackSet.callAs",
        "not one of SELF, DELEGATED_ADMIN",
        5,
    ),
    (
        "org-stack-set-name",
        org(stackSet="  stackSet: {account: '222222222222', region: us-east-1, name: ecr_ptc}\n"),
        "organization.stackSet.name",
        "not a StackSet name",
        5,
    ),
    (
        "org-id",
        org(organizationId="  organizationId: org-1\n"),
        "organization.organizationId",
        "not an AWS Organizations id",
        6,
    ),
    ("org-no-id", org(organizationId=""), "organization.organizationId", "the organization id is missing", 3),
    ("org-no-targets", org(targets=""), "organization.targets", "the targets is missing", 3),
    (
        "org-ou-id",
        org(targets="  targets: {organizationalUnits: [ou-ab12], regions: [eu-west-1]}\n"),
        "organization.targets.organizationalUnits[0]",
        "not an organizational unit or root id",
        7,
    ),
    (
        "org-ou-account",
        org(targets="  targets: {organizationalUnits: ['111111111111'], regions: [eu-west-1]}\n"),
        "organization.targets.organizationalUnits[0]",
        "not an organizational unit",
        7,
    ),
    (
        "org-ous-not-list",
        org(targets="  targets: {organizationalUnits: ou-ab12-34567890, regions: [eu-west-1]}\n"),
        "organization.targets.organizationalUnits",
        "non-empty list",
        7,
    ),
    (
        "org-ous-empty",
        org(targets="  targets: {organizationalUnits: [], regions: [eu-west-1]}\n"),
        "organization.targets.organizationalUnits",
        "non-empty list",
        7,
    ),
    (
        "org-ou-twice",
        org(targets="  targets: {organizationalUnits: [r-ab12, r-ab12], regions: [eu-west-1]}\n"),
        "organization.targets.organizationalUnits[1]",
        "already listed",
        7,
    ),
    (
        "org-too-many-ous",
        org(
            targets="  targets:\n    regions: [eu-west-1]\n    organizationalUnits: ["
            + ", ".join(f"ou-ab12-{i:08d}" for i in range(51))
            + "]\n"
        ),
        "organization.targets.organizationalUnits",
        "at most 50",
        9,
    ),
    (
        "org-no-regions",
        org(targets="  targets: {organizationalUnits: [r-ab12]}\n"),
        "organization.targets.regions",
        "non-empty list",
        7,
    ),
    (
        "org-region-govcloud",
        org(targets="  targets: {organizationalUnits: [r-ab12], regions: [us-gov-east-1]}\n"),
        "organization.targets.regions[0]",
        "us-gov-east-1",
        7,
    ),
    (
        "org-region-twice",
        org(targets="  targets: {organizationalUnits: [r-ab12], regions: [eu-west-1, eu-west-1]}\n"),
        "organization.targets.regions[1]",
        "already listed",
        7,
    ),
    ("org-auto-deploy-string", org("  autoDeploy: 'no'\n"), "organization.autoDeploy", "expected true or false", 8),
    (
        "org-retain-without-auto",
        org("  autoDeploy: false\n  retainStacksOnAccountRemoval: true\n"),
        "organization.retainStacksOnAccountRemoval",
        "autoDeploy: true",
        9,
    ),
    (
        "org-max-concurrent-zero",
        org("  maxConcurrentPercentage: 0\n"),
        "organization.maxConcurrentPercentage",
        "from 1 to 100",
        8,
    ),
    (
        "org-failure-tolerance",
        org("  failureTolerancePercentage: 101\n"),
        "organization.failureTolerancePercentage",
        "from 0 to 100",
        8,
    ),
    (
        "org-region-concurrency",
        org("  regionConcurrency: ALL\n"),
        "organization.regionConcurrency",
        "SEQUENTIAL, PARALLEL",
        8,
    ),
    ("org-public-upstreams", org("  publicUpstreams: spoke\n"), "organization.publicUpstreams", "hub, direct", 8),
    (
        "org-depends-on-name",
        org("  autoDeployDependsOn: [account-baseline]\n"),
        "organization.autoDeployDependsOn[0]",
        "not a StackSet ARN",
        8,
    ),
    ("org-fill-on-miss-string", org("  fillOnMiss: 'yes'\n"), "organization.fillOnMiss", "expected true or false", 8),
    (
        "org-with-environments",
        org() + "environments:\n  - {region: eu-west-1}\n",
        "environments",
        "cannot be combined with organization",
        8,
    ),
    (
        "org-other-access-organization",
        org() + "access: {organizationId: o-zzzzzzzzzz}\n",
        "access.organizationId",
        "is not organization.organizationId",
        8,
    ),
    (
        "org-boundary-arn",
        org() + "iam: {permissionsBoundary: 'arn:aws:iam::111111111111:policy/Boundary'}\n",
        "iam.permissionsBoundary",
        "give the policy's name",
        8,
    ),
    (
        "org-registry-policy-too-long",
        "rules:\n"
        + "".join(f"  - {{upstream: quay, prefix: team-{i:02d}/{'q' * 20}}}\n" for i in range(50))
        + org()[len(QUAY) :]
        + "access: {principals: ['333344445555']}\n",
        "rules",
        "ECR takes 10240",
        1,
    ),
    (
        "org-hub-kms-key-region",
        org()
        + "repositories:\n  encryption: {kmsKeyArn: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'}\n",
        "repositories.encryption.kmsKeyArn",
        "(organization.hub)",
        9,
    ),
]


def many_rules(n: int) -> str:
    return "rules:\n" + "".join(f"  - {{upstream: quay, prefix: q{i:02d}}}\n" for i in range(n))


# (id, yaml text, key path, words in the problem, line or None)
CASES = [
    (
        "prefix-pattern",
        "rules:\n  - upstream: quay\n    prefix: Docker_Hub\n",
        "rules[0].prefix",
        "not a valid repository prefix",
        3,
    ),
    (
        "prefix-too-long",
        "rules:\n  - upstream: quay\n    prefix: " + "a" * 31 + "\n",
        "rules[0].prefix",
        "31 characters",
        3,
    ),
    ("prefix-too-short", "rules:\n  - upstream: quay\n    prefix: a\n", "rules[0].prefix", "1 characters", 3),
    (
        "prefix-root-lowercase",
        "rules:\n  - upstream: quay\n    prefix: root\n",
        "rules[0].prefix",
        "'root' is not a valid prefix",
        3,
    ),
    (
        "duplicate-prefix",
        "rules:\n  - {upstream: quay, prefix: x1}\n  - {upstream: k8s, prefix: x1}\n",
        "rules[1].prefix",
        "already used by rules[0]",
        3,
    ),
    (
        "duplicate-default-prefix",
        "rules:\n  - upstream: quay\n  - upstream: quay\n",
        "rules[1].prefix",
        "already used",
        3,
    ),
    ("unknown-upstream", "rules:\n  - upstream: dockerhub\n", "rules[0].upstream", "unknown upstream", 2),
    ("no-upstream", "rules:\n  - prefix: abc\n", "rules[0]", "has no upstream", 2),
    ("missing-credentials", "rules:\n  - upstream: docker-hub\n", "rules[0].credentials", "needs credentials", 2),
    (
        "forbidden-credentials",
        "rules:\n  - upstream: quay\n    credentials: {create: true}\n",
        "rules[0].credentials",
        "takes no credentials",
        3,
    ),
    (
        "secret-name-prefix",
        "rules:\n  - upstream: docker-hub\n    credentials: {secretName: dockerhub}\n",
        "rules[0].credentials.secretName",
        "does not start with 'ecr-pullthroughcache/'",
        3,
    ),
    (
        "secret-arn-malformed",
        "rules:\n  - upstream: docker-hub\n    credentials: {secretArn: 'arn:aws:s3:::x'}\n",
        "rules[0].credentials.secretArn",
        "not a Secrets Manager ARN",
        3,
    ),
    (
        "secret-arn-partial",
        "rules:\n  - upstream: docker-hub\n    credentials:\n      secretArn: "
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub\n",
        "rules[0].credentials.secretArn",
        "6-character suffix",
        4,
    ),
    (
        "secret-arn-partial-ending-in-a-word",
        "rules:\n  - upstream: docker-hub\n    credentials:\n      secretArn: "
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/my-docker\n",
        "rules[0].credentials.secretArn",
        "partial ARN",
        4,
    ),
    (
        "secret-arn-empty-name",
        "rules:\n  - upstream: docker-hub\n    credentials:\n      secretArn: "
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/-AbC123\n",
        "rules[0].credentials.secretArn",
        "6-character suffix",
        4,
    ),
    (
        "secret-arn-other-region",
        "rules:\n  - upstream: docker-hub\n    credentials: {secretArn: '" + ARN + "'}\n"
        "environments:\n  - {account: '123456789012', region: us-east-1}\n",
        "rules[0].credentials.secretArn",
        "the secret is in eu-west-1, the rule in us-east-1",
        3,
    ),
    (
        "secret-arn-other-account",
        "rules:\n  - upstream: docker-hub\n    credentials: {secretArn: '" + ARN + "'}\n"
        "environments:\n  - {account: '210987654321', region: eu-west-1}\n",
        "rules[0].credentials.secretArn",
        "secretName",
        3,
    ),
    (
        "secret-arn-several-environments",
        "rules:\n  - upstream: docker-hub\n    credentials: {secretArn: '" + ARN + "'}\n"
        "environments:\n  - {region: eu-west-1}\n  - {region: eu-central-1}\n",
        "rules[0].credentials.secretArn",
        "(environments[1])",
        3,
    ),
    (
        "iam-role-path-without-slash",
        QUAY + "iam: {rolePath: platform}\n",
        "iam.rolePath",
        "not an IAM path",
        3,
    ),
    (
        "iam-boundary-role-arn",
        QUAY + "iam: {permissionsBoundary: 'arn:aws:iam::123456789012:role/Pb'}\n",
        "iam.permissionsBoundary",
        "not an IAM managed policy ARN",
        3,
    ),
    (
        "iam-template-role-with-path",
        QUAY + "iam: {templateRoleArn: 'arn:aws:iam::123456789012:role/team/T'}\n",
        "iam.templateRoleArn",
        "without a path",
        3,
    ),
    (
        "iam-template-role-other-account",
        QUAY + "iam: {templateRoleArn: 'arn:aws:iam::210987654321:role/T'}\n"
        "environments: [{account: '123456789012', region: eu-west-1}]\n",
        "iam.templateRoleArn",
        "registry's own account",
        3,
    ),
    ("iam-empty", QUAY + "iam: {}\n", "iam", "iam sets nothing", 3),
    ("tags-aws-prefix", QUAY + "tags: {'aws:x': y}\n", "tags.aws:x", "not allowed", 3),
    ("tags-list", QUAY + "tags: [owner]\n", "tags", "mapping of tag keys", 3),
    (
        "consumers-role-arn",
        QUAY + "consumers: {roleNames: ['arn:aws:iam::123456789012:role/x']}\n",
        "consumers.roleNames[0]",
        "not an IAM role name",
        3,
    ),
    (
        "consumers-twice",
        QUAY + "consumers: {roleNames: [b, b]}\n",
        "consumers.roleNames[1]",
        "listed twice",
        3,
    ),
    ("consumers-misspelt", QUAY + "consumers: {roles: [b]}\n", "consumers.roles", "unknown key", 3),
    (
        "exclusions-without-exclusion-mutability",
        QUAY + "repositories: {tagMutabilityExclusions: [latest]}\n",
        "repositories.tagMutabilityExclusions",
        "IMMUTABLE_WITH_EXCLUSION",
        3,
    ),
    (
        "exclusion-mutability-without-filters",
        QUAY + "repositories: {tagMutability: IMMUTABLE_WITH_EXCLUSION}\n",
        "repositories.tagMutabilityExclusions",
        "1 to 5",
        3,
    ),
    (
        "six-exclusion-filters",
        QUAY
        + "repositories:\n  tagMutability: MUTABLE_WITH_EXCLUSION\n  tagMutabilityExclusions: [a, b, c, d, e, f]\n",
        "repositories.tagMutabilityExclusions",
        "1 to 5",
        5,
    ),
    (
        "lifecycle-rule-both-lists",
        QUAY + "repositories:\n  lifecycleRules:\n    - {tagPrefixes: [v], tagPatterns: ['v*'], keepLast: 1}\n",
        "repositories.lifecycleRules[0].tagPatterns",
        "exactly one of tagPrefixes and tagPatterns",
        5,
    ),
    (
        "lifecycle-rule-five-wildcards",
        QUAY + "repositories:\n  lifecycleRules:\n    - {tagPatterns: ['*a*b*c*d*'], keepLast: 1}\n",
        "repositories.lifecycleRules[0].tagPatterns[0]",
        "5 wildcards",
        5,
    ),
    (
        "lifecycle-rule-unknown-key",
        QUAY + "repositories:\n  lifecycleRules:\n    - {tagPrefix: [v], keepLast: 1}\n",
        "repositories.lifecycleRules[0].tagPrefix",
        "unknown key",
        5,
    ),
    (
        "lifecycle-two-untagged-rules",
        QUAY
        + "repositories:\n  expireUntaggedAfterDays: 3\n  lifecycleRules:\n    - {tagStatus: untagged, keepLast: 1}\n",
        "repositories.lifecycleRules",
        "one tagStatus untagged rule per storage class",
        5,
    ),
    (
        "lifecycle-policy-file-missing",
        QUAY + "repositories: {lifecyclePolicyFile: no-such.json}\n",
        "repositories.lifecyclePolicyFile",
        "no such file",
        3,
    ),
    (
        "lifecycle-policy-file-and-shortcuts",
        QUAY + "repositories: {lifecyclePolicyFile: x.json, keepLastImages: 3}\n",
        "repositories.lifecyclePolicyFile",
        "replaces every lifecycle setting",
        3,
    ),
    (
        "read-access-nobody",
        QUAY + "repositories: {readAccess: {}}\n",
        "repositories.readAccess",
        "names nobody",
        3,
    ),
    (
        "read-access-bad-service",
        QUAY + "repositories: {readAccess: {services: [omics]}}\n",
        "repositories.readAccess.services[0]",
        "not a service principal",
        3,
    ),
    (
        "rule-repositories-scan-on-push",
        "rules:\n  - upstream: quay\n    repositories: {scanOnPush: basic}\n",
        "rules[0].repositories.scanOnPush",
        "registry-wide",
        3,
    ),
    (
        "rule-repositories-bad-key",
        "rules:\n  - upstream: quay\n    repositories: {tagMutabilty: IMMUTABLE}\n",
        "rules[0].repositories.tagMutabilty",
        "unknown key",
        3,
    ),
    (
        "rule-repositories-overrides-into-a-mistake",
        "rules:\n  - upstream: quay\n    repositories: {tagMutability: MUTABLE}\n"
        "repositories:\n  tagMutability: IMMUTABLE_WITH_EXCLUSION\n  tagMutabilityExclusions: [latest]\n",
        "rules[0].repositories.tagMutabilityExclusions",
        "not MUTABLE",
        3,
    ),
    ("registry-empty", QUAY + "registry: {}\n", "registry", "registry sets nothing", 3),
    (
        "registry-statement-resource-star",
        QUAY
        + "registry:\n  policyStatements:\n    - {Effect: Allow, Principal: {AWS: '1'}, Action: 'ecr:ReplicateImage', Resource: '*'}\n",
        "registry.policyStatements[0].Resource",
        "not a repository ARN",
        5,
    ),
    (
        "registry-statement-everyone",
        QUAY
        + "registry:\n  policyStatements:\n    - {Effect: Allow, Principal: '*', Action: 'ecr:CreateRepository'}\n",
        "registry.policyStatements[0].Principal",
        "every AWS account",
        5,
    ),
    (
        "registry-statement-s3",
        QUAY + "registry:\n  policyStatements:\n    - {Effect: Allow, Principal: {AWS: '1'}, Action: 's3:GetObject'}\n",
        "registry.policyStatements[0].Action[0]",
        "not an Amazon ECR action",
        5,
    ),
    (
        "registry-continuous-basic",
        QUAY
        + "registry:\n  scanning:\n    scanType: BASIC\n    rules: [{frequency: CONTINUOUS_SCAN, filters: ['*']}]\n",
        "registry.scanning.rules[0].frequency",
        "needs ENHANCED",
        6,
    ),
    (
        "registry-scan-type-conflict",
        QUAY + "repositories: {scanOnPush: basic}\nregistry:\n  scanning:\n    scanType: ENHANCED\n"
        "    rules: [{frequency: CONTINUOUS_SCAN, filters: ['*']}]\n",
        "registry.scanning.scanType",
        "one scan type",
        6,
    ),
    (
        "registry-scanning-filter",
        QUAY
        + "registry:\n  scanning:\n    scanType: BASIC\n    rules: [{frequency: SCAN_ON_PUSH, filters: ['a--b']}]\n",
        "registry.scanning.rules[0].filters[0]",
        "not a scanning filter",
        6,
    ),
    (
        "credentials-two-ways",
        "rules:\n  - upstream: chainguard\n    credentials:\n      create: true\n"
        "      secretName: ecr-pullthroughcache/cg\n",
        "rules[0].credentials",
        "exactly one",
        3,
    ),
    (
        "credentials-unknown-key",
        "rules:\n  - upstream: chainguard\n    credentials: {secret: x}\n",
        "rules[0].credentials.secret",
        "unknown key",
        3,
    ),
    (
        "azure-needs-url",
        "rules:\n  - upstream: azure-container-registry\n    credentials: {create: true}\n",
        "rules[0].registryUrl",
        "needs a registry URL",
        2,
    ),
    (
        "azure-bad-url",
        "rules:\n  - upstream: azure-container-registry\n    registryUrl: example.com\n"
        "    credentials: {create: true}\n",
        "rules[0].registryUrl",
        "not an Azure Container Registry",
        3,
    ),
    (
        "ecr-bad-url",
        "rules:\n  - upstream: ecr\n    registryUrl: 1234.dkr.ecr.eu-west-1.amazonaws.com\n",
        "rules[0].registryUrl",
        "not a private ECR registry",
        3,
    ),
    (
        "fixed-url-overridden",
        "rules:\n  - upstream: quay\n    registryUrl: quay.example.com\n",
        "rules[0].registryUrl",
        "always quay.io",
        3,
    ),
    (
        "upstream-prefix-with-root",
        "rules:\n  - upstream: quay\n    prefix: ROOT\n    upstreamPrefix: abc\n",
        "rules[0].upstreamPrefix",
        "needs an ECR prefix other than ROOT",
        4,
    ),
    (
        "role-on-public",
        "rules:\n  - upstream: quay\n    roleArn: arn:aws:iam::123456789012:role/x\n",
        "rules[0].roleArn",
        "only used by the 'ecr' upstream",
        3,
    ),
    (
        "role-malformed",
        "rules:\n  - upstream: ecr\n    registryUrl: 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n"
        "    roleArn: arn:aws:iam::123:role/x\n",
        "rules[0].roleArn",
        "not an IAM role ARN",
        4,
    ),
    ("too-many-rules", many_rules(51), "rules", "51 rules", 1),
    ("no-rules-key", "repositories: {}\n", "rules", "has no rules", None),
    ("empty-file", "", "rules", "has no rules", None),
    ("empty-rules", "rules: []\n", "rules", "no pull-through cache rules", 1),
    ("rules-not-list", "rules: quay\n", "rules", "expected a list", 1),
    ("rule-not-mapping", "rules:\n  - quay\n", "rules[0]", "expected a mapping", 2),
    ("unknown-top-key", QUAY + "rule: []\n", "rule", "did you mean 'rules'", 3),
    (
        "unknown-rule-key",
        "rules:\n  - upstream: quay\n    upstreamprefix: x\n",
        "rules[0].upstreamprefix",
        "did you mean 'upstreamPrefix'",
        3,
    ),
    (
        "unknown-repositories-key",
        QUAY + "repositories:\n  keepLast: 3\n",
        "repositories.keepLast",
        "did you mean 'keepLastImages'",
        4,
    ),
    (
        "account-format",
        QUAY + "environments:\n  - {account: '1234', region: eu-west-1}\n",
        "environments[0].account",
        "not a 12-digit",
        4,
    ),
    (
        "environment-missing-region",
        QUAY + "environments:\n  - {account: '123456789012'}\n",
        "environments[0]",
        "has no region",
        4,
    ),
    (
        "duplicate-environment",
        QUAY + "environments:\n  - {account: '123456789012', region: eu-west-1}\n"
        "  - {account: '123456789012', region: eu-west-1}\n",
        "environments[1]",
        "same account and region",
        5,
    ),
    (
        "region-china",
        QUAY + "environments:\n  - {account: '123456789012', region: cn-north-1}\n",
        "environments[0].region",
        "cannot be created in cn-north-1",
        4,
    ),
    (
        "region-govcloud",
        QUAY + "environments:\n  - {account: '123456789012', region: us-gov-west-1}\n",
        "environments[0].region",
        "us-gov-west-1",
        4,
    ),
    (
        "region-format",
        QUAY + "environments:\n  - {account: '123456789012', region: europe}\n",
        "environments[0].region",
        "not an AWS Region",
        4,
    ),
    (
        "org-id",
        QUAY + "access:\n  organizationId: org-123\n",
        "access.organizationId",
        "not an AWS Organizations id",
        4,
    ),
    (
        "principal",
        QUAY + "access:\n  principals: ['arn:aws:s3:::bucket']\n",
        "access.principals[0]",
        "not an account id or IAM",
        4,
    ),
    (
        "principals-not-list",
        QUAY + "access:\n  principals: '123456789012'\n",
        "access.principals",
        "expected a list",
        4,
    ),
    ("access-empty", QUAY + "access: {}\n", "access", "names nobody", 3),
    (
        "lifecycle-zero",
        QUAY + "repositories:\n  expireUntaggedAfterDays: 0\n",
        "repositories.expireUntaggedAfterDays",
        "out of range",
        4,
    ),
    (
        "lifecycle-text",
        QUAY + "repositories:\n  keepLastImages: ten\n",
        "repositories.keepLastImages",
        "expected a whole number",
        4,
    ),
    (
        "lifecycle-bool",
        QUAY + "repositories:\n  keepLastImages: true\n",
        "repositories.keepLastImages",
        "expected a whole number",
        4,
    ),
    (
        "tag-mutability",
        QUAY + "repositories:\n  tagMutability: FROZEN\n",
        "repositories.tagMutability",
        "not one of MUTABLE, IMMUTABLE",
        4,
    ),
    (
        "scan-on-push",
        QUAY + "repositories:\n  scanOnPush: always\n",
        "repositories.scanOnPush",
        "not one of off, basic, enhanced",
        4,
    ),
    (
        "encryption-kms-arn",
        QUAY + "repositories:\n  encryption: {kmsKeyArn: my-key}\n",
        "repositories.encryption.kmsKeyArn",
        "not a KMS key ARN",
        4,
    ),
    (
        "encryption-word",
        QUAY + "repositories:\n  encryption: KMS\n",
        "repositories.encryption",
        "not an encryption setting",
        4,
    ),
    (
        "tag-key-aws",
        QUAY + "repositories:\n  tags: {'aws:owner': me}\n",
        "repositories.tags.aws:owner",
        "not allowed",
        4,
    ),
    ("warm-by-digest", QUAY + "warm:\n  images: ['quay/a/b@sha256:" + "0" * 64 + "']\n", "warm.images[0]", "digest", 4),
    (
        "warm-through-placeholder-secret",
        "rules:\n  - upstream: docker-hub\n    credentials: {create: true}\n"
        "warm:\n  images: [docker-hub/library/nginx:1]\n",
        "warm.images[0]",
        "placeholder secret",
        5,
    ),
    ("warm-images-not-list", QUAY + "warm:\n  images: quay/a:1\n", "warm.images", "expected a list", 4),
    ("warm-outside-prefixes", QUAY + "warm:\n  images: ['other/nginx:1']\n", "warm.images[0]", "quay", 4),
    ("workstation-kind", QUAY + "workstation:\n  kind: lightsail\n", "workstation.kind", "lightsail", 4),
    (
        "workstation-kind-list",
        QUAY + "workstation:\n  kind: [ec2]\n",
        "workstation.kind",
        "unknown workstation kind",
        4,
    ),
    (
        "workstation-stop-on-ec2",
        QUAY + "workstation:\n  kind: ec2\n  automaticStopMinutes: 30\n",
        "workstation.automaticStopMinutes",
        "cloud9",
        5,
    ),
    # silently accepted or changed before: now refused with a fix
    (
        "scan-on-push-yaml-true",
        QUAY + "repositories:\n  scanOnPush: on\n",
        "repositories.scanOnPush",
        "scanOnPush: basic",
        4,
    ),
    (
        "credentials-create-string",
        "rules:\n  - upstream: chainguard\n    credentials: {create: 'no'}\n",
        "rules[0].credentials.create",
        "expected true or false",
        3,
    ),
    ("misspelt-upstream-key", "rules:\n  - upstrem: quay\n", "rules[0].upstrem", "did you mean 'upstream'", 2),
    (
        "ghcr-upstream",
        "rules:\n  - upstream: ghcr\n",
        "rules[0].upstream",
        "did you mean 'github-container-registry'",
        2,
    ),
    (
        "region-typo",
        QUAY + "environments:\n  - {region: eu-centrl-1}\n",
        "environments[0].region",
        "did you mean 'eu-central-1'",
        4,
    ),
    (
        "region-iso-partition",
        QUAY + "environments:\n  - {region: us-isob-east-1}\n",
        "environments[0].region",
        "partition",
        4,
    ),
    (
        "kms-key-other-region",
        QUAY + "repositories:\n  encryption: {kmsKeyArn: "
        "'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'}\n"
        "environments:\n  - {region: us-east-1}\n",
        "repositories.encryption.kmsKeyArn",
        "Region",
        4,
    ),
    *ORGANIZATION_CASES,
]

# Issue 9: warm.schedule, monitoring and the usage-based archive keys (README "Running it").
MONITORING_TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
CASES += [
    ("monitoring-notifies-nobody", QUAY + "monitoring: {dashboard: true}\n", "monitoring", "notifies nobody", 3),
    (
        "monitoring-email-one-string",
        QUAY + "monitoring:\n  email: team@example.com\n",
        "monitoring.email",
        "expected a list",
        4,
    ),
    (
        "monitoring-email-syntax",
        QUAY + "monitoring:\n  email: [team]\n",
        "monitoring.email[0]",
        "not an email address",
        4,
    ),
    (
        "monitoring-email-twice",
        QUAY + "monitoring:\n  email: [a@example.com, A@example.com]\n",
        "monitoring.email[1]",
        "already email[0]",
        4,
    ),
    (
        "monitoring-topic-arn-format",
        QUAY + "monitoring:\n  topicArn: arn:aws:sqs:eu-west-1:123456789012:q\n",
        "monitoring.topicArn",
        "not an SNS topic ARN",
        4,
    ),
    (
        "monitoring-topic-fifo",
        QUAY + "monitoring:\n  topicArn: arn:aws:sns:eu-west-1:123456789012:alerts.fifo\n",
        "monitoring.topicArn",
        "FIFO",
        4,
    ),
    (
        "monitoring-topic-region",
        QUAY + "environments:\n  - {region: eu-west-1}\nmonitoring:\n  topicArn: " + MONITORING_TOPIC + "\n",
        "monitoring.topicArn",
        "own Region",
        6,
    ),
    (
        "monitoring-dashboard-text",
        QUAY + "monitoring:\n  email: [a@example.com]\n  dashboard: 'yes'\n",
        "monitoring.dashboard",
        "true or false",
        5,
    ),
    (
        "monitoring-unknown-key",
        QUAY + "monitoring:\n  emails: [a@example.com]\n",
        "monitoring.emails",
        "did you mean 'email'",
        4,
    ),
    (
        "warm-schedule-too-often",
        QUAY + "warm:\n  images: [quay/a:1]\n  schedule: rate(5 minutes)\n",
        "warm.schedule",
        "more often than every 60 minutes",
        5,
    ),
    (
        "warm-schedule-rate-unit",
        QUAY + "warm:\n  images: [quay/a:1]\n  schedule: rate(1 hours)\n",
        "warm.schedule",
        "rate(1 hour)",
        5,
    ),
    (
        "warm-schedule-cron-fields",
        QUAY + "warm:\n  images: [quay/a:1]\n  schedule: cron(0 3 * * *)\n",
        "warm.schedule",
        "has 5 fields",
        5,
    ),
    (
        "warm-schedule-cron-days",
        QUAY + "warm:\n  images: [quay/a:1]\n  schedule: cron(0 3 * * * *)\n",
        "warm.schedule",
        "must be ?",
        5,
    ),
    (
        "warm-schedule-cron-minutes",
        QUAY + "warm:\n  images: [quay/a:1]\n  schedule: cron(*/10 * * * ? *)\n",
        "warm.schedule",
        "more than once an hour",
        5,
    ),
    (
        "warm-schedule-one-time",
        QUAY + "warm:\n  images: [quay/a:1]\n  schedule: at(2030-01-01T00:00:00)\n",
        "warm.schedule",
        "one-time schedule",
        5,
    ),
    (
        "warm-schedule-words",
        QUAY + "warm:\n  images: [quay/a:1]\n  schedule: every 12 hours\n",
        "warm.schedule",
        "not a rate(...) or cron(...)",
        5,
    ),
    ("warm-schedule-without-images", QUAY + "warm:\n  schedule: rate(12 hours)\n", "warm", "no images", 3),
    (
        "repositories-expire-unpulled",
        QUAY + "repositories:\n  expireUnpulledAfterDays: 90\n",
        "repositories.expireUnpulledAfterDays",
        "archiveUnpulledAfterDays: 90",
        4,
    ),
    (
        "repositories-archive-range",
        QUAY + "repositories:\n  archiveUnpulledAfterDays: 0\n",
        "repositories.archiveUnpulledAfterDays",
        "out of range",
        4,
    ),
    (
        "repositories-delete-archived-too-soon",
        QUAY + "repositories:\n  archiveUnpulledAfterDays: 30\n  deleteArchivedAfterDays: 60\n",
        "repositories.deleteArchivedAfterDays",
        "90 days",
        5,
    ),
    (
        "repositories-delete-nothing-archived",
        QUAY + "repositories:\n  deleteArchivedAfterDays: 120\n",
        "repositories.deleteArchivedAfterDays",
        "nothing is archived",
        4,
    ),
    (
        "repositories-archive-with-keep-last",
        QUAY + "repositories:\n  keepLastImages: 10\n  archiveUnpulledAfterDays: 30\n",
        "repositories.archiveUnpulledAfterDays",
        "keepLastImages",
        5,
    ),
    # Environment-dependent checks run once the environments are final, the organization's hub included.
    (
        "org-topic-of-another-region",
        org("monitoring:\n  topicArn: arn:aws:sns:us-east-1:111111111111:alerts\n"),
        "monitoring.topicArn",
        "(organization.hub)",
        9,
    ),
    (
        "ecr-role-of-another-account",
        "rules:\n  - upstream: ecr\n    registryUrl: 444455556666.dkr.ecr.us-east-1.amazonaws.com\n"
        "    roleArn: arn:aws:iam::444455556666:role/Puller\n"
        "environments:\n  - {account: '123456789012', region: eu-west-1}\n",
        "rules[0].roleArn",
        "registry's own account only (environments[0])",
        4,
    ),
    (
        "org-ecr-role-of-another-account",
        org(rules=None).replace(
            QUAY,
            "rules:\n  - upstream: ecr\n    registryUrl: 444455556666.dkr.ecr.us-east-1.amazonaws.com\n"
            "    roleArn: arn:aws:iam::444455556666:role/Puller\n",
        ),
        "rules[0].roleArn",
        "(organization.hub)",
        4,
    ),
    (
        "workstation-a1",
        QUAY + "workstation: {kind: ec2, instanceType: a1.large}\n",
        "workstation.instanceType",
        "A1",
        3,
    ),
    (
        "workstation-m1",
        QUAY + "workstation: {kind: ec2, instanceType: m1.small}\n",
        "workstation.instanceType",
        "HVM only",
        3,
    ),
    ("access-star", QUAY + "access:\n  principals: ['*']\n", "access.principals[0]", "give organizationId", 4),
    (
        "org-tag-key-the-stack-set-refuses",
        org("tags:\n  Équipe: plateforme\n"),
        "tags.Équipe",
        "AWS::CloudFormation::StackSet",
        9,
    ),
    # One scalar-type rule for every text key (issue 19): YAML reads 1.10, yes, off and dates otherwise.
    ("tag-value-number", QUAY + "tags:\n  version: 1.10\n", "tags.version", "YAML reads 1.10 as a number", 4),
    ("tag-value-boolean", QUAY + "tags:\n  enabled: yes\n", "tags.enabled", "quote it: 'yes'", 4),
    ("tag-key-boolean", QUAY + "tags:\n  on: x\n", "tags.on", "YAML reads on as a boolean", 4),
    ("tag-value-date", QUAY + "tags:\n  since: 2024-05-01\n", "tags.since", "as a date", 4),
    (
        "repository-tag-value-number",
        QUAY + "repositories:\n  tags: {version: 1.10}\n",
        "repositories.tags.version",
        "quote it: '1.10'",
        4,
    ),
    (
        "tag-prefix-number",
        QUAY + "repositories:\n  lifecycleRules:\n    - {tagPrefixes: [1.20], keepLast: 3}\n",
        "repositories.lifecycleRules[0].tagPrefixes[0]",
        "YAML reads 1.20 as a number (1.2)",
        5,
    ),
    (
        "description-boolean",
        QUAY + "repositories:\n  lifecycleRules:\n    - {tagStatus: any, keepLast: 3, description: off}\n",
        "repositories.lifecycleRules[0].description",
        "quote it: 'off'",
        5,
    ),
    ("rule-prefix-number", "rules:\n  - {upstream: quay, prefix: 1.10}\n", "rules[0].prefix", "as a number", 2),
    (
        "exclusion-number",
        QUAY + "repositories:\n  tagMutability: IMMUTABLE_WITH_EXCLUSION\n  tagMutabilityExclusions: [1.0]\n",
        "repositories.tagMutabilityExclusions[0]",
        "quote it: '1.0'",
        5,
    ),
    ("role-name-number", QUAY + "consumers:\n  roleNames: [2024]\n", "consumers.roleNames[0]", "as a number", 4),
    ("region-number", QUAY + "environments:\n  - {region: 1}\n", "environments[0].region", "as a number", 4),
    (
        "stack-set-name-number",
        org(stackSet="  stackSet: {account: '222222222222', region: us-east-1, name: 2024}\n"),
        "organization.stackSet.name",
        "as a number",
        5,
    ),
    # Tags as IAM takes them (one rule, ecr_ptc.checks.tags.check_tags)
    (
        "tag-value-characters",
        QUAY + "tags:\n  Team: 'R&D (Platform)'\n",
        "tags.Team",
        "'&', '(', ')'",
        4,
    ),
    (
        "repository-tag-key-characters",
        QUAY + "repositories:\n  tags: {'cost#center': x}\n",
        "repositories.tags.cost#center",
        "which AWS tags do not allow",
        4,
    ),
    ("tag-key-too-long", QUAY + "tags:\n  " + "k" * 129 + ": x\n", "tags." + "k" * 129, "1-128", 4),
    ("tag-key-aws-capitals", QUAY + "tags: {'AWS:x': y}\n", "tags.AWS:x", "reserves the prefix", 3),
    (
        "lifecycle-two-any-rules",
        QUAY
        + "repositories:\n  lifecycleRules:\n    - {tagStatus: any, keepLast: 5}\n    - {tagStatus: any, expireAfterDays: 9}\n",
        "repositories.lifecycleRules",
        "already has tagStatus any",
        4,
    ),
    (
        "repositories-archive-with-untagged",
        QUAY + "repositories:\n  expireUntaggedAfterDays: 7\n  archiveUnpulledAfterDays: 30\n",
        "repositories.archiveUnpulledAfterDays",
        "expireUntaggedAfterDays",
        5,
    ),
    # rules[].allow / rules[].deny and repositories.deleteOnStackDelete (README: "Which images may enter",
    # "Removing the cache")
    ("allow-not-a-list", QUAY + "    allow: library/*\n", "rules[0].allow", "expected a list", 3),
    ("allow-capitals", QUAY + "    allow: [Prometheus/*]\n", "rules[0].allow[0]", "characters a repository", 3),
    ("deny-empty-segment", QUAY + "    deny: [prometheus//x]\n", "rules[0].deny[0]", "empty path segment", 3),
    ("allow-not-a-string", QUAY + "    allow: [7]\n", "rules[0].allow[0]", "as a number", 3),
    (
        "allow-docker-hub-official-without-library",
        "rules:\n  - upstream: docker-hub\n    credentials: {secretName: ecr-pullthroughcache/hub}\n"
        "    allow: [nginx]\n",
        "rules[0].allow[0]",
        "library/nginx",
        4,
    ),
    (
        "allow-outside-the-upstream-prefix",
        "rules:\n  - upstream: quay\n    prefix: mirror\n    upstreamPrefix: team\n    allow: [app/*]\n",
        "rules[0].allow[0]",
        "upstream prefix 'team/'",
        5,
    ),
    (
        "allow-beside-a-root-rule",
        QUAY + "    allow: [prometheus/*]\n  - upstream: k8s\n    prefix: ROOT\n",
        "rules[0].allow",
        "nests with",
        3,
    ),
    (
        "allow-past-the-managed-policy-limit",
        QUAY + "    allow: [" + ", ".join(f"team-{i:03d}/service-{i:03d}" for i in range(120)) + "]\n",
        "rules",
        "6144",
        1,
    ),
    (
        "warm-image-outside-the-allow-list",
        QUAY + "    allow: [prometheus/*]\nwarm: {images: [quay/grafana/grafana:11]}\n",
        "warm.images[0]",
        "is not in rules[prefix=quay].allow",
        4,
    ),
    (
        "delete-on-stack-delete-a-string",
        QUAY + "repositories: {deleteOnStackDelete: 'yes'}\n",
        "repositories.deleteOnStackDelete",
        "true or false",
        3,
    ),
    (
        "delete-on-stack-delete-per-rule",
        QUAY + "    repositories: {deleteOnStackDelete: true}\n",
        "rules[0].repositories.deleteOnStackDelete",
        "whole cache",
        3,
    ),
    (
        "delete-on-stack-delete-with-root",
        "rules:\n  - upstream: quay\n    prefix: ROOT\nrepositories: {deleteOnStackDelete: true}\n",
        "repositories.deleteOnStackDelete",
        "ROOT rule",
        4,
    ),
]


def write(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text,path,words,line", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_reported_with_key_and_fix(tmp_path, text, path, words, line):
    file = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    err = caught.value
    assert err.path == path
    assert words in err.problem or words in err.fix
    assert err.line == line
    assert str(file) in str(err) and "Fix: " in str(err) and err.fix


def test_messages_speak_the_files_camel_case(tmp_path):
    """No prop name in snake_case (secret_name, role_arn...) reaches a config file's user."""
    from ecr_ptc_app.config.errors import _FIELD

    assert _FIELD.search("credentials need secret_name")  # the pattern knows the props' names
    for case_id, text, *_ in CASES:
        with pytest.raises(ConfigError) as caught:
            load_config(write(tmp_path, text))
        for problem in caught.value.problems:
            assert not _FIELD.search(problem.problem + problem.fix), (case_id, problem)


def test_every_independent_mistake_is_reported_in_file_order(tmp_path):
    file = write(
        tmp_path,
        "rules:\n  - upstrem: quay\n  - {upstream: quay, prefix: Bad}\n"
        "repositories:\n  keepLast: 3\nenvironments:\n  - {region: eu-centrl-1}\n"
        "workstation: {kind: lightsail}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    found = [(p.path, p.line) for p in caught.value.problems]
    assert found == [
        ("rules[0].upstrem", 2),
        ("rules[1].prefix", 3),
        ("repositories.keepLast", 5),
        ("environments[0].region", 7),
        ("workstation.kind", 8),
    ]
    text = str(caught.value)
    assert text.count("Fix: ") == 5 and text.index("upstrem") < text.index("lightsail")


def test_at_most_twenty_mistakes_are_listed(tmp_path):
    rules = "".join(f"  - {{upstream: quay, prefix: B{i}}}\n" for i in range(25))
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "rules:\n" + rules))
    assert len(caught.value.problems) == 20 and caught.value.omitted == 5
    assert "5 more mistake(s) not shown" in str(caught.value)


def test_a_rule_mistake_does_not_hide_a_warm_mistake_but_does_not_cascade(tmp_path):
    file = write(tmp_path, "rules:\n  - {upstream: quay, prefix: Bad}\nwarm:\n  images: [x]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    assert [p.path for p in caught.value.problems] == ["rules[0].prefix", "warm.images[0]"]


def test_leading_zero_account_is_refused_not_read_as_octal(tmp_path):
    file = write(tmp_path, QUAY + "environments:\n  - {account: 012345670123, region: eu-west-1}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    assert caught.value.line == 4 and "quote it" in caught.value.fix and "'012345670123'" in caught.value.fix
    assert caught.value.path == "environments[0].account"  # a YAML-level error names its key too


def test_validate_says_the_registry_singleton_warning_with_an_organization(tmp_path):
    """Synth warns that the hub's stack owns the registry policy (the organization's access): so does validate."""
    config = load_config(write(tmp_path, org()))
    assert any("registry permissions policy" in w for w in config.warnings), config.warnings
    assert config.access is not None and config.access.organization_id == "o-a1b2c3d4e5"


@pytest.mark.parametrize("region", ["me-south-1", "af-south-1", "il-central-1", "eu-central-2", "ap-east-1"])
def test_opt_in_regions_warn(tmp_path, region):
    config = load_config(write(tmp_path, QUAY + f"environments:\n  - {{region: {region}}}\n"))
    assert (
        [w for w in config.warnings if "opt-in Region" in w]
        == [w for w in config.warnings if w.startswith("environments[0].region: " + region)]
        != []
    )


def test_default_regions_do_not_warn(tmp_path):
    regions = "".join(f"  - {{region: {r}}}\n" for r in ("us-east-1", "eu-west-1", "ap-northeast-3", "eu-north-1"))
    config = load_config(write(tmp_path, QUAY + "environments:\n" + regions))
    assert not [w for w in config.warnings if "opt-in" in w]


def test_opt_in_target_regions_warn_about_the_failure_tolerance(tmp_path):
    targets = "  targets: {organizationalUnits: [ou-ab12-34567890], regions: [eu-west-1, me-south-1]}\n"
    config = load_config(write(tmp_path, org(targets=targets) + "consumers:\n  roleNames: [ci]\n"))
    (warning,) = [w for w in config.warnings if "opt-in" in w]
    assert warning.startswith("organization.targets.regions[1]: me-south-1") and "failureTolerancePercentage" in warning
    assert any(w.startswith("consumers.roleNames: with organization") for w in config.warnings)


def test_every_mistake_of_one_rule_is_reported(tmp_path):
    file = write(
        tmp_path,
        "rules:\n  - upstream: quay\n    prefix: Bad\n    upstreamPrefix: x\n    credentials: {secretName: nope}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    assert [(p.path, p.line) for p in caught.value.problems] == [
        ("rules[0].prefix", 3),
        ("rules[0].upstreamPrefix", 4),
        ("rules[0].credentials.secretName", 5),
    ]


def test_every_mistake_of_one_lifecycle_rule_is_reported_without_consequences(tmp_path):
    rules = "    - {tagStatus: any, keepLast: 0, description: 7}\n    - {tagStatus: sometimes, keepLast: 1}\n"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, QUAY + "repositories:\n  lifecycleRules:\n" + rules))
    # keepLast 0 is said once: not again as "needs exactly one of keepLast and expireAfterDays"
    assert sorted(p.path for p in caught.value.problems) == [
        "repositories.lifecycleRules[0].description",
        "repositories.lifecycleRules[0].keepLast",
        "repositories.lifecycleRules[1].tagStatus",
    ]


def test_an_inherited_key_in_a_conflict_is_named_with_the_null_fix(tmp_path):
    text = (
        "rules:\n  - upstream: quay\n    repositories:\n      lifecycleRules:\n"
        "        - {tagStatus: untagged, keepLast: 2}\nrepositories:\n  expireUntaggedAfterDays: 7\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    err = caught.value
    assert err.path == "rules[0].repositories.lifecycleRules"
    assert "inherits expireUntaggedAfterDays from the top-level repositories" in err.problem
    assert "'expireUntaggedAfterDays: null' in rules[0].repositories" in err.fix
    fixed = text.replace("keepLast: 2}\n", "keepLast: 2}\n      expireUntaggedAfterDays: null\n")
    assert load_config(write(tmp_path, fixed)).prefix_repositories["quay"].expire_untagged_after_days is None


def test_texts_that_yaml_reads_rightly_are_kept(tmp_path):
    config = load_config(
        write(
            tmp_path,
            QUAY + "tags:\n  version: '1.10'\n  Team: R and D Platform\n  Ünïcödé: 'naïve/ü=1+2@x:y_z.w-v'\n"
            "repositories:\n  lifecycleRules:\n    - {tagPrefixes: ['1.20'], keepLast: 3}\n"
            "environments:\n  - {account: 123456789012, region: eu-west-1}\n",
        )
    )
    assert config.tags == {"version": "1.10", "Team": "R and D Platform", "Ünïcödé": "naïve/ü=1+2@x:y_z.w-v"}


def test_untagged_then_any_lifecycle_rules_are_accepted(tmp_path):
    """The Terraform modules' default policy, written as lifecycleRules and as a lifecyclePolicyFile."""
    rules = "    - {tagStatus: untagged, expireAfterDays: 14}\n    - {tagStatus: any, keepLast: 30}\n"
    config = load_config(write(tmp_path, QUAY + "repositories:\n  lifecycleRules:\n" + rules))
    assert [r.tag_status for r in config.repositories.lifecycle_rules] == ["untagged", "any"]
    policy = {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images older than 14 days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 14,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": "Keep last 30 images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
                "action": {"type": "expire"},
            },
        ]
    }
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    config = load_config(write(tmp_path, QUAY + "repositories:\n  lifecyclePolicyFile: policy.json\n"))
    assert json.loads(config.repositories.lifecycle_policy_text()) == policy


def test_quoted_leading_zero_account_is_kept(tmp_path):
    config = load_config(write(tmp_path, QUAY + "environments:\n  - {account: '012345670123', region: eu-west-1}\n"))
    assert config.environments[0].account == "012345670123"


def test_indentation_error_is_said_in_plain_words(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "rules:\n  - upstream: quay\n   prefix: x\n"))
    assert "indentation is off" in caught.value.problem and caught.value.line == 3


def test_scan_on_push_off_unquoted_means_off(tmp_path):
    from ecr_ptc.cache.settings import ScanOnPush

    config = load_config(write(tmp_path, QUAY + "repositories:\n  scanOnPush: off\n"))
    assert config.repositories.scan_on_push is ScanOnPush.OFF


def test_kms_key_of_another_account_warns(tmp_path):
    config = load_config(
        write(
            tmp_path,
            QUAY + "repositories:\n  encryption: {kmsKeyArn: "
            "'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'}\n"
            "environments:\n  - {account: '210987654321', region: eu-west-1}\n",
        )
    )
    assert len(config.warnings) == 1 and "210987654321" in config.warnings[0]


def test_validate_warns_about_digest_outputs_past_the_output_limit(tmp_path):
    images = "".join(f"    - quay/app{i}:1\n" for i in range(199))
    done = run_cli("validate", str(write(tmp_path, QUAY + "warm:\n  images:\n" + images)))
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("outputs per stack") == 1


def test_validate_quiet_prints_nothing_on_success_and_errors_on_failure(tmp_path):
    done = run_cli("validate", "--quiet", str(write(tmp_path, QUAY + "repositories: {tagMutability: IMMUTABLE}\n")))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    done = run_cli("validate", "--quiet", str(write(tmp_path, "rules: []\n")))
    assert done.returncode == 2 and "no pull-through cache rules" in done.stderr


def test_version():
    from importlib.metadata import version

    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"ecr-ptc {version('ecr-ptc')}"


def test_yaml_syntax_error_names_the_line(tmp_path):
    file = write(tmp_path, "rules:\n  - upstream: quay\n   prefix: [x\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    assert "YAML syntax error" in caught.value.problem
    assert caught.value.line == 3


def test_duplicate_yaml_key_is_an_error(tmp_path):
    file = write(tmp_path, "rules:\n  - upstream: quay\n    upstream: k8s\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    assert "duplicate key 'upstream'" in caught.value.problem and caught.value.line == 3


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert caught.value.problem == "no such file" and "nope.yaml" in str(caught.value)


def test_unquoted_account_id_is_accepted(tmp_path):
    config = load_config(write(tmp_path, QUAY + "environments:\n  - {account: 123456789012, region: eu-west-1}\n"))
    assert config.environments[0].account == "123456789012"


def test_prefix_trailing_slash_is_dropped(tmp_path):
    config = load_config(write(tmp_path, "rules:\n  - {upstream: quay, prefix: team/quay/}\n"))
    assert config.rules[0].prefix == "team/quay"


def test_immutable_tags_warn(tmp_path):
    config = load_config(write(tmp_path, QUAY + "repositories: {tagMutability: IMMUTABLE}\n"))
    assert any("latest" in w for w in config.warnings)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecr_ptc_app.cli", *args], capture_output=True, text=True, timeout=60)


def test_cli_validate_exits_2_without_traceback(tmp_path):
    file = write(tmp_path, "rules:\n  - upstream: dockerhub\n")
    done = run_cli("validate", str(file))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{file}:2: rules[0].upstream: unknown upstream 'dockerhub'" in done.stderr
    assert "did you mean 'docker-hub'" in done.stderr


def test_cli_validate_default_config_ok():
    done = run_cli("validate")
    assert done.returncode == 0, done.stderr
    assert "config/default.yaml: OK" in done.stdout


def test_every_example_config_validates():
    from pathlib import Path

    configs = sorted(Path(__file__).resolve().parents[3].joinpath("config").glob("*.yaml"))
    assert configs
    for path in configs:
        load_config(path)  # raises on any mistake


def test_validate_never_starts_the_cdk_runtime():
    """`ecr-ptc validate` (and the props it builds) must not need Node/jsii: it stays fast and quiet."""
    code = (
        "import sys\nfrom ecr_ptc_app.cli import main\nrc = main(['validate', 'config/full.yaml'])\n"
        "assert rc == 0\nassert 'aws_cdk' not in sys.modules and 'jsii' not in sys.modules, 'jsii loaded'\n"
    )
    from pathlib import Path

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr


def test_warming_through_a_placeholder_secret_is_allowed_when_failures_only_warn(tmp_path):
    config = load_config(
        write(
            tmp_path,
            "rules:\n  - upstream: docker-hub\n    credentials: {create: true}\n"
            "warm:\n  images: [docker-hub/library/nginx:1]\n  onFailure: warn\n",
        )
    )
    assert config.warm.images == ("docker-hub/library/nginx:1",)
