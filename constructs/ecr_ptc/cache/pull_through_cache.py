"""The PullThroughCache construct: cache rules, repository templates, registry policies, consumer policy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Mapping, Optional, Sequence

from aws_cdk import (
    Annotations,
    ArnFormat,
    CustomResource,
    Stack,
)
from aws_cdk import (
    aws_ecr as ecr,
)
from aws_cdk import (
    aws_iam as iam,
)

from constructs import Construct

if TYPE_CHECKING:  # the module itself loads only when a secret is created
    from aws_cdk.aws_secretsmanager import ISecret


from ecr_ptc import validation as v
from ecr_ptc.cache import inputs, managed_rules, registry_settings
from ecr_ptc.cache.base import ImportedPullThroughCache, PullThroughCacheBase, import_cache
from ecr_ptc.cache.policy import (
    ecr_upstream_arn,
    ecr_upstream_role_document,
    pull_through_statements,
    registry_policy_document,
    repository_policy_document,
    template_role_document,
)
from ecr_ptc.cache.registry_settings import RegistrySettings
from ecr_ptc.cache.rules import Auth, UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, RepositorySettings
from ecr_ptc.nag import acknowledge, acknowledge_sdk_call_provider, printed, wildcard_finding

PLACEHOLDER = "REPLACE_ME"
SECRET_NAME_PREFIX = v.SECRET_NAME_PREFIX
IMMUTABLE_WARNING_ID = "ecr-ptc:immutable-tags"
REGISTRY_SINGLETON_WARNING_ID = "ecr-ptc:registry-singleton"
KMS_ACCOUNT_WARNING_ID = "ecr-ptc:kms-key-account"
AUTH_TOKEN_REASON = "ecr:GetAuthorizationToken has no resource-level permissions; '*' is its only resource"


def construct_id_for(prefix: str) -> str:
    """A construct id from a rule prefix. Ids may not hold '/', and '+' never occurs in a prefix, so
    distinct prefixes give distinct ids, and a rule's logical ids depend on its own prefix only."""
    return prefix.replace("/", "+")


def secret_name_for(prefix: str) -> str:
    return SECRET_NAME_PREFIX + ("root" if prefix == "ROOT" else prefix)


class PullThroughCache(PullThroughCacheBase):
    """An Amazon ECR pull-through cache: one rule per upstream, and what the cached repositories get.

    Creates, for each rule: an ``AWS::ECR::PullThroughCacheRule`` (credentials passed as a complete
    secret ARN; for the ``ecr`` upstream a least-privilege role unless ``role_arn`` is given) and an
    ``AWS::ECR::RepositoryCreationTemplate`` for the rule's prefix. Also creates a customer-managed
    "consumer" policy to attach to whoever pulls through the cache.

    Registry-wide singletons: when ``repositories.scan_on_push`` is not OFF it creates the
    ``AWS::ECR::RegistryScanningConfiguration``, and when ``access`` is given the
    ``AWS::ECR::RegistryPolicy``. A registry (account and Region) has exactly one of each; deploying
    this construct replaces whatever was set before, and two stacks in the same account and Region
    must not both set them.

    :param rules: the cache rules, 1 to 50, with distinct prefixes.
    :param repositories: what the cached repositories get (default: ECR's defaults, no scanning).
    :param access: other accounts or an organization that may pull through the cache
        (default: only principals of this account with the consumer policy).
    :param template_role_arn: an existing role (trusted by ``ecr.amazonaws.com``) for the creation
        templates, instead of the one created for KMS keys or tags (default: none).
    :param prefix_repositories: settings for some rule prefixes' templates instead of ``repositories``
        (default: none); their ``scan_on_push`` must be the default's (scanning is registry-wide).
    :param registry: registry-policy statements and scanning rules of your own, kept beside the cache's
        in the registry's singletons (default: none).
    :param rule_resources: how the rules are deployed (default: the context key
        ``ecr-ptc:pullThroughCacheRules``, else ``cloudformation``): ``cloudformation``, ``retain`` or
        ``managed`` (``Custom::EcrPtcPullThroughCacheRule``, updated in place; see ``ecr_ptc.cache.managed_rules``).
    :raises ValidationError: for bad rules or a Region without pull-through cache support.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        rules: Sequence[UpstreamRule],
        repositories: Optional[RepositorySettings] = None,
        access: Optional[AccessSettings] = None,
        template_role_arn: Optional[str] = None,
        prefix_repositories: Optional[Mapping[str, RepositorySettings]] = None,
        registry: Optional[RegistrySettings] = None,
        rule_resources: Optional[str] = None,
    ) -> None:
        # Checked before the construct joins the tree, so bad input leaves no half-built node behind.
        checked = inputs.checked_inputs(
            scope,
            rules=rules,
            repositories=repositories,
            access=access,
            template_role_arn=template_role_arn,
            prefix_repositories=prefix_repositories,
            registry=registry,
            rule_resources=rule_resources,
        )
        rules = checked.rules
        super().__init__(scope, id, rules=rules, repositories=repositories)
        self.rule_resources = checked.rule_resources
        self.prefix_repositories = checked.prefix_repositories
        if checked.key_warning:
            Annotations.of(self).add_warning_v2(KMS_ACCOUNT_WARNING_ID, checked.key_warning)

        self.access: Optional[AccessSettings] = access
        self.cfn_rules: dict[str, ecr.CfnPullThroughCacheRule] = {}  # rule_resources cloudformation or retain
        self.managed_rules: dict[str, CustomResource] = {}  # rule_resources managed
        self.templates: dict[str, ecr.CfnRepositoryCreationTemplate] = {}
        self.secrets: dict[str, ISecret] = {}
        self.upstream_roles: dict[str, iam.IRole] = {}
        self.credential_commands: dict[str, str] = {}

        for warning in dict.fromkeys(w for s in self._all_settings() for w in s.warnings):
            Annotations.of(self).add_warning_v2(IMMUTABLE_WARNING_ID, warning)

        self.template_role_arn: Optional[str] = template_role_arn
        self.template_role: Optional[iam.Role] = None if template_role_arn else self._template_role()
        if self.template_role is not None:
            self.template_role_arn = self.template_role.role_arn
        for rule in rules:
            self._add_rule(rule)

        self.registry: Optional[RegistrySettings] = registry
        self.scanning_configuration: Optional[ecr.CfnRegistryScanningConfiguration] = self._scanning(checked.scanning)
        self.registry_policy: Optional[ecr.CfnRegistryPolicy] = self._registry_policy(rules, access, registry)
        for warning in registry_settings.singleton_warnings(
            self.registry_policy is not None, self.scanning_configuration is not None
        ):
            Annotations.of(self).add_warning_v2(REGISTRY_SINGLETON_WARNING_ID, warning)

        self.purge: Optional[Construct] = None
        if self.repositories.delete_on_stack_delete:
            self.purge = self._purge_on_delete(rules)

        self.consumer_policy = self._consumer_policy(rules)
        self._acknowledge_organization_principal(access)

    def _all_settings(self) -> list[RepositorySettings]:
        """The settings of every rule's template (the default's first), each once."""
        unique: dict[int, RepositorySettings] = {id(self.repositories): self.repositories}
        for rule in self.rules:
            settings = self.settings_for(rule.prefix)
            unique.setdefault(id(settings), settings)
        return list(unique.values())

    def _consumer_policy(self, rules: Sequence[UpstreamRule]) -> iam.ManagedPolicy:
        """The managed policy to attach to whoever pulls through the cache (its prefixes only)."""
        policy = iam.ManagedPolicy(
            self,
            "ConsumerPolicy",
            description=f"Pull through the ECR cache prefixes: {', '.join(self.prefixes)}"[:1000],
            statements=pull_through_statements(self._where, rules, tagged=self.tagged),
        )
        self._acknowledge_pull_through(policy)
        acknowledge(policy, "AwsSolutions-IAM5[Resource::*]", AUTH_TOKEN_REASON)
        return policy

    def _acknowledge_organization_principal(self, access: Optional[AccessSettings]) -> None:
        """Nothing: acknowledges the registry policy's principal '*' when an organization condition limits it."""
        if self.registry_policy is not None and access is not None and access.organization_id:
            acknowledge(
                self.registry_policy,
                "AwsSolutions-ECR1",
                f"principal '*' is limited to the organization {access.organization_id} by an "
                "aws:PrincipalOrgID condition, and to creating and filling the cache's repositories",
            )

    # --- rules ----------------------------------------------------------------------------------
    def _add_rule(self, rule: UpstreamRule) -> None:
        prefix: str = rule.prefix
        group = Construct(self, construct_id_for(prefix))
        credential_arn: Optional[str] = None
        if rule.credentials is not None:
            credential_arn = self._credential_arn(group, rule)
        role_arn: Optional[str] = None
        if rule.info.auth is Auth.ROLE:
            role_arn = rule.role_arn or self._upstream_role(group, rule).role_arn
        properties = {
            "EcrRepositoryPrefix": prefix,
            "UpstreamRegistry": rule.upstream,
            "UpstreamRegistryUrl": rule.upstream_url,
            "UpstreamRepositoryPrefix": rule.upstream_prefix,
            "CredentialArn": credential_arn,
            "CustomRoleArn": role_arn,
        }
        if self.rule_resources == managed_rules.MANAGED:
            self.managed_rules[prefix] = managed_rules.managed_rule(group, properties)
        else:
            self.cfn_rules[prefix] = managed_rules.cloudformation_rule(group, properties, self.rule_resources)
        self.templates[prefix] = self._template(group, rule)

    def _credential_arn(self, group: Construct, rule: UpstreamRule) -> str:
        creds = rule.credentials
        assert creds is not None
        if creds.secret_arn:
            return creds.secret_arn
        if creds.secret_name:
            return self._describe_secret(group, creds.secret_name)
        return self._placeholder_secret(group, rule)

    def _placeholder_secret(self, group: Construct, rule: UpstreamRule) -> str:
        """``ecr-pullthroughcache/<prefix>`` with placeholder values, created unless it exists.

        Not an ``AWS::SecretsManager::Secret``: a retained one outlives ``cdk destroy`` and its name
        then makes the next deploy fail. CreateSecret (its "already exists" error ignored) adopts the
        secret a previous deploy left, with whatever real credentials were stored in it since, and
        never writes to it again; deleting the stack leaves it in place."""
        from aws_cdk import aws_secretsmanager as secretsmanager  # costs ~0.2 s of synth: only when used
        from aws_cdk import custom_resources as cr

        prefix: str = rule.prefix
        name = secret_name_for(prefix)
        # Placeholders only: the real values are set out of band (see credential_commands). The
        # default aws/secretsmanager key: ECR may not read secrets under a customer key.
        placeholder = json.dumps({"username": PLACEHOLDER, "accessToken": PLACEHOLDER})
        create = cr.AwsSdkCall(
            service="SecretsManager",
            action="CreateSecret",
            parameters={
                "Name": name,
                "SecretString": placeholder,
                "Description": f"Upstream credentials for the ECR pull-through cache rule {prefix} "
                f"({rule.upstream}); replace the placeholders",
            },
            physical_resource_id=cr.PhysicalResourceId.of(name),
            ignore_error_codes_matching="ResourceExistsException",
        )
        created = cr.AwsCustomResource(
            group,
            "Credentials",
            on_create=create,
            install_latest_aws_sdk=False,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["secretsmanager:CreateSecret"], resources=[self._secret_arn(name)])]
            ),
        )
        acknowledge(
            created,
            wildcard_finding(printed(self, self._secret_arn(name))),
            "'??????' matches the random suffix Secrets Manager adds to the ARN of this one named "
            "secret; it is what the call creates",
        )
        arn = self._describe_secret(group, name)
        group.node.find_child("SecretArn").node.add_dependency(created)
        self.secrets[prefix] = secretsmanager.Secret.from_secret_complete_arn(group, "Secret", arn)
        self.credential_commands[prefix] = (
            f"aws secretsmanager put-secret-value --secret-id {name} --region {Stack.of(self).region} "
            '--secret-string \'{"username":"<user>","accessToken":"<token>"}\''
        )
        return arn

    def _secret_arn(self, name: str) -> str:
        """The ARN pattern of the secret named ``name`` (any random suffix)."""
        return Stack.of(self).format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{name}-??????",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def _describe_secret(self, group: Construct, name: str) -> str:
        """The complete ARN (with the random suffix) of an existing secret, read at deploy time."""
        from aws_cdk import custom_resources as cr  # loads Lambda and Step Functions: only when used

        secret_arn = self._secret_arn(name)
        call = cr.AwsSdkCall(
            service="SecretsManager",
            action="DescribeSecret",
            parameters={"SecretId": name},
            physical_resource_id=cr.PhysicalResourceId.from_response("ARN"),
            output_paths=["ARN"],
        )
        lookup = cr.AwsCustomResource(
            group,
            "SecretArn",
            on_create=call,
            on_update=call,
            install_latest_aws_sdk=False,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["secretsmanager:DescribeSecret"], resources=[secret_arn])]
            ),
        )
        acknowledge(
            lookup,
            wildcard_finding(printed(self, secret_arn)),
            "'??????' matches the random suffix Secrets Manager adds to the ARN of this one named "
            "secret; it is what the lookup reads",
        )
        acknowledge_sdk_call_provider(Stack.of(self))
        return lookup.get_response_field("ARN")

    def _upstream_role(self, group: Construct, rule: UpstreamRule) -> iam.Role:
        role = iam.Role(
            group,
            "UpstreamRole",
            assumed_by=iam.ServicePrincipal("pullthroughcache.ecr.amazonaws.com"),
            description=f"ECR copies images from {rule.upstream_url} into {rule.prefix}/ with this role",
            inline_policies={"PullThroughCache": ecr_upstream_role_document(self._where, rule)},
        )
        self.upstream_roles[rule.prefix] = role
        reason = (
            "the cache copies any image under the upstream prefix into repositories it creates, which do not exist yet"
        )
        acknowledge(role, wildcard_finding(printed(self, ecr_upstream_arn(rule, self._where.partition))), reason)
        self._acknowledge_prefix_wildcards(role, reason, [rule])
        acknowledge(role, "AwsSolutions-IAM5[Resource::*]", AUTH_TOKEN_REASON)
        return role

    # --- repository creation templates -----------------------------------------------------------
    def _template_role(self) -> Optional[iam.Role]:
        needing = [s for s in (self.settings_for(r.prefix) for r in self.rules) if s.needs_template_role]
        if not needing:
            return None
        keys = list(dict.fromkeys(s.encryption.kms_key_arn for s in needing if s.encryption.kms_key_arn))
        role = iam.Role(
            self,
            "TemplateRole",
            assumed_by=iam.ServicePrincipal("ecr.amazonaws.com"),
            description="ECR creates the cache's repositories with their KMS key and tags with this role",
            inline_policies={"RepositoryCreation": template_role_document(self._where, self.rules, keys)},
        )
        self._acknowledge_prefix_wildcards(
            role,
            "ECR creates and tags repositories under the cache "
            "prefixes on first pull; their names are not known in advance",
        )
        return role

    def _template(self, group: Construct, rule: UpstreamRule) -> ecr.CfnRepositoryCreationTemplate:
        settings = self.settings_for(rule.prefix)
        encryption = ecr.CfnRepositoryCreationTemplate.EncryptionConfigurationProperty(
            encryption_type=settings.encryption.encryption_type, kms_key=settings.encryption.kms_key_arn
        )
        repository_policy = None
        document = repository_policy_document(self._where, self.access, settings.read_access)
        if document is not None:
            repository_policy = Stack.of(self).to_json_string(document.to_json())
        exclusions = [
            ecr.CfnRepositoryCreationTemplate.ImageTagMutabilityExclusionFilterProperty(
                image_tag_mutability_exclusion_filter_type="WILDCARD", image_tag_mutability_exclusion_filter_value=f
            )
            for f in settings.tag_mutability_exclusions
        ]
        return ecr.CfnRepositoryCreationTemplate(
            group,
            "Template",
            prefix=rule.prefix,
            applied_for=["PULL_THROUGH_CACHE"],
            description=f"Repositories the pull-through cache creates under {rule.prefix} from {rule.upstream_url}",
            image_tag_mutability=settings.tag_mutability.value,
            image_tag_mutability_exclusion_filters=exclusions or None,
            lifecycle_policy=settings.lifecycle_policy_text(),
            encryption_configuration=encryption,
            resource_tags=[{"key": k, "value": val} for k, val in settings.tags.items()] or None,
            repository_policy=repository_policy,
            custom_role_arn=self.template_role_arn,
        )

    def _purge_on_delete(self, rules: Sequence[UpstreamRule]) -> Construct:
        """The custom resource that deletes the repositories under the prefixes when the stack is deleted;
        the rules and templates depend on it, so CloudFormation deletes them first and nothing refills a
        repository while it runs."""
        from ecr_ptc.cache.purge import CachePurge  # loads Lambda and Logs: only when asked for

        purge = CachePurge(self, "PurgeOnDelete", where=self._where, prefixes=[r.prefix for r in rules])
        for child in (*self.cfn_rules.values(), *self.managed_rules.values(), *self.templates.values()):
            child.node.add_dependency(purge.resource)
        return purge

    # --- registry-wide singletons ------------------------------------------------------------------
    def _scanning(self, scanning: Optional[tuple[str, list[dict]]]) -> Optional[ecr.CfnRegistryScanningConfiguration]:
        """Scan on push for the cache prefixes, joined to your own scanning rules. The registry's one
        scanning configuration: it replaces any other scanning set for this account and Region."""
        if scanning is None:
            return None
        scan_type, rules = scanning
        return ecr.CfnRegistryScanningConfiguration(self, "ScanningConfiguration", scan_type=scan_type, rules=rules)

    def _registry_policy(
        self, rules: Sequence[UpstreamRule], access: Optional[AccessSettings], registry: Optional[RegistrySettings]
    ) -> Optional[ecr.CfnRegistryPolicy]:
        """The cache's statements (with ``access``) and yours (``registry.policy_statements``), in one policy."""
        extra = registry.policy_statements if registry else ()
        if access is None and not extra:
            return None
        document = registry_policy_document(self._where, rules, access) if access else iam.PolicyDocument()
        for statement in extra:
            document.add_statements(iam.PolicyStatement.from_json(statement))
        policy = ecr.CfnRegistryPolicy(self, "RegistryPolicy", policy_text=document)
        if any(s.get("Principal") in ("*", {"AWS": "*"}) for s in extra):
            acknowledge(
                policy,
                "AwsSolutions-ECR1",
                "a registry.policyStatements statement with principal '*' is limited by its own Condition "
                "(validation refuses '*' without one)",
            )
        return policy

    @classmethod
    def from_attributes(
        cls,
        scope: Construct,
        id: str,
        *,
        rules: Sequence[UpstreamRule],
        repositories: Optional[RepositorySettings] = None,
        account: Optional[str] = None,
        region: Optional[str] = None,
    ) -> ImportedPullThroughCache:
        """A cache another stack or app deployed, to grant pulls through and name images in (creates nothing).

        :param rules: the rules it was deployed with (their prefixes scope the grants).
        :param repositories: its repository settings (default: none); with tags, grants add ``ecr:TagResource``.
        :param account: its registry's account (default: this stack's).
        :param region: its registry's Region (default: this stack's).
        :raises ValidationError: for bad rules.
        """
        return import_cache(scope, id, rules=rules, repositories=repositories, account=account, region=region)


__all__ = ["PullThroughCache", "construct_id_for", "secret_name_for"]
