"""Pull-through cache rules that change in place: ``Custom::EcrPtcPullThroughCacheRule`` (runtime: ``ecr_ptc_runtime.rules``).

``AWS::ECR::PullThroughCacheRule`` marks every property create-only and is named by its prefix, so any change of
credentials, role or upstream makes CloudFormation create a second rule under the same prefix, which ECR refuses.
How a cache's rules are deployed (``rule_resources`` of ``PullThroughCache``, else the context key
``ecr-ptc:pullThroughCacheRules``):

* ``cloudformation`` (default, as in 0.2.0): ``AWS::ECR::PullThroughCacheRule``; ``ecr-ptc plan`` refuses those
  changes with steps;
* ``retain``: the same resources with ``DeletionPolicy`` and ``UpdateReplacePolicy`` ``Retain``: the first of the
  two deploys that move to ``managed`` (CloudFormation then removes the old resources without deleting the rules);
* ``managed``: one ``Custom::EcrPtcPullThroughCacheRule`` per rule (logical id ``<prefix group>ManagedRule``), which
  adopts the retained rule and from then on updates credentials and roles with ``UpdatePullThroughCacheRule`` and
  a new upstream under the same prefix by deleting and re-creating the rule within the one update.
"""

from __future__ import annotations

from typing import Any, Optional

from aws_cdk import Acknowledgment, ArnFormat, CustomResource, Duration, RemovalPolicy, Stack, Token, Validations
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam

from constructs import Construct
from ecr_ptc.errors import ValidationError
from ecr_ptc.nag import printed, wildcard_finding
from ecr_ptc.validation import SECRET_NAME_PREFIX

CONTEXT_KEY = "ecr-ptc:pullThroughCacheRules"
CLOUDFORMATION, RETAIN, MANAGED = "cloudformation", "retain", "managed"
MODES = (CLOUDFORMATION, RETAIN, MANAGED)
RESOURCE_TYPE = "Custom::EcrPtcPullThroughCacheRule"
MANAGER_ID = "EcrPtcRuleManager"  # the per-stack function, found by this id
RULE_ACTIONS = [
    "ecr:CreatePullThroughCacheRule",
    "ecr:UpdatePullThroughCacheRule",
    "ecr:DeletePullThroughCacheRule",
    "ecr:DescribePullThroughCacheRules",
]
# ECR creates its pull-through cache service-linked role with the first rule, as the caller (ECR user guide,
# "Amazon ECR service-linked role for pull through cache").
SECRET_READ = "secretsmanager:GetSecretValue"
SERVICE_LINKED = "pullthroughcache.ecr.amazonaws.com"
SERVICE_LINKED_ROLE = "AWSServiceRoleForECRPullThroughCache"
NO_RESOURCE_LEVEL_REASON = (
    "the pull-through cache rule actions (Create, Update, Delete, DescribePullThroughCacheRules) have no resource "
    "type in the Service Authorization Reference: '*' is their only form"
)


def rule_resources(scope: Construct, given: Optional[str]) -> str:
    """The mode for ``scope``'s rules: ``given``, else the context key, else ``cloudformation``.

    :raises ValidationError: for another value.
    """
    value = given if given is not None else scope.node.try_get_context(CONTEXT_KEY)
    value = CLOUDFORMATION if value is None else str(value)
    if value not in MODES:
        raise ValidationError(
            "rule_resources" if given is not None else f"context {CONTEXT_KEY}",
            f"expected one of {', '.join(MODES)}, got {value!r}",
            f"use {MANAGED} after one deploy with {RETAIN} (README 'Changing a deployed cache'), or leave it out",
        )
    return value


class _RuleManager(Construct):
    """Per stack, created once: the function that carries out the rule requests, its role and log group."""

    def __init__(self, scope: Construct, id: str) -> None:
        # Imported here: ecr_ptc.functions loads aws_lambda and aws_logs (about 0.25 s of every synth),
        # which a cache whose rules stay AWS::ECR::PullThroughCacheRule never uses.
        from ecr_ptc import functions

        super().__init__(scope, id)
        self.role, self.log_group = functions.role_and_log_group(
            self, "ECR pull-through cache rules: creates, updates and deletes this stack's rules"
        )
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=RULE_ACTIONS, resources=["*"]))
        stack = Stack.of(self)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["iam:CreateServiceLinkedRole"],
                resources=[
                    stack.format_arn(
                        service="iam",
                        region="",
                        resource="role",
                        resource_name=f"aws-service-role/{SERVICE_LINKED}/{SERVICE_LINKED_ROLE}",
                    )
                ],
                conditions={"StringEquals": {"iam:AWSServiceName": SERVICE_LINKED}},
            )
        )
        self.function = functions.runtime_function(
            self,
            "Function",
            entry_point="rule_handler",
            code=functions.runtime_code(self),
            role=self.role,
            log_group=self.log_group,
            timeout=Duration.minutes(2),
            memory_size=256,
            description="ECR pull-through cache rules: updates them in place (Custom::EcrPtcPullThroughCacheRule)",
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=NO_RESOURCE_LEVEL_REASON)
        )
        self._any_secret = False

    def allow_secret(self, arn: str) -> None:
        """GetSecretValue on a rule's secret: its ARN when the template holds it, else (looked up by name at deploy
        time) the secrets ECR accepts for rules, ``ecr-pullthroughcache/*`` of this account and Region."""
        if not Token.is_unresolved(arn):
            self.role.add_to_principal_policy(iam.PolicyStatement(actions=[SECRET_READ], resources=[arn]))
            return
        if self._any_secret:
            return
        self._any_secret = True
        pattern = Stack.of(self).format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{SECRET_NAME_PREFIX}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=[SECRET_READ], resources=[pattern]))
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id=wildcard_finding(printed(self, pattern)),
                reason="a rule's secret looked up by name has its complete ARN only at deploy time; ECR accepts "
                "only secrets named ecr-pullthroughcache/... for rules, of this account and Region",
            )
        )

    @staticmethod
    def of(stack: Stack) -> "_RuleManager":
        found = stack.node.try_find_child(MANAGER_ID)
        if found is None:
            return _RuleManager(stack, MANAGER_ID)
        assert isinstance(found, _RuleManager)
        return found


def managed_rule(group: Construct, properties: dict[str, Any]) -> CustomResource:
    """The rule ``properties`` describe (``AWS::ECR::PullThroughCacheRule``'s names) as a ``Custom::EcrPtcPullThroughCacheRule``
    under ``group``; its role may read the rule's secret and pass its role to ECR."""
    manager = _RuleManager.of(Stack.of(group))
    given = {k: v for k, v in properties.items() if v is not None}
    if "CredentialArn" in given:  # ECR reads the secret as the caller when it checks the rule (the schema's handlers)
        manager.allow_secret(given["CredentialArn"])
    if "CustomRoleArn" in given:
        manager.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["iam:PassRole"], resources=[given["CustomRoleArn"]])
        )
    return CustomResource(
        group,
        "ManagedRule",
        service_token=manager.function.function_arn,
        resource_type=RESOURCE_TYPE,
        properties=given,
    )


def cloudformation_rule(group: Construct, properties: dict[str, Any], mode: str) -> ecr.CfnPullThroughCacheRule:
    """The rule as ``AWS::ECR::PullThroughCacheRule`` (logical id ``<prefix group>Rule``, as in 0.2.0); with ``retain``,
    CloudFormation keeps the rule when the resource leaves the template or is replaced."""
    rule = ecr.CfnPullThroughCacheRule(
        group,
        "Rule",
        ecr_repository_prefix=properties["EcrRepositoryPrefix"],
        upstream_registry=properties.get("UpstreamRegistry"),
        upstream_registry_url=properties.get("UpstreamRegistryUrl"),
        upstream_repository_prefix=properties.get("UpstreamRepositoryPrefix"),
        credential_arn=properties.get("CredentialArn"),
        custom_role_arn=properties.get("CustomRoleArn"),
    )
    if mode == RETAIN:
        rule.apply_removal_policy(RemovalPolicy.RETAIN)
    return rule
