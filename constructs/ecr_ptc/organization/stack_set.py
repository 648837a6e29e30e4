"""The StackSet: the spoke's template, deployed to the target OUs and Regions with service-managed permissions."""

from __future__ import annotations

import hashlib
import os
from typing import Optional

import jsii
from aws_cdk import FileAssetPackaging, IStableStringProducer, Lazy, Stack, Stage, Token
from aws_cdk import aws_cloudformation as cfn

from constructs import Construct
from ecr_ptc.errors import ValidationError
from ecr_ptc.organization.selection import account_selection
from ecr_ptc.organization.settings import OrganizationSettings
from ecr_ptc.organization.spoke import SpokeStack

# The spoke creates an IAM role and a managed policy with a fixed name.
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]


@jsii.implements(IStableStringProducer)
class _TemplateUrl:
    """The spoke template's S3 URL: the template, as synthesized, published as a file asset of the
    StackSet's stack (so the 51,200-byte limit of an inline TemplateBody never applies).

    Produced during synthesis: the spoke's Stage is synthesized before the stacks of its parent
    (nested assemblies first), so its template file exists by then."""

    def __init__(self, stack: Stack, spoke: SpokeStack) -> None:
        self._stack = stack
        self._spoke = spoke
        self._url: Optional[str] = None

    def produce(self) -> Optional[str]:
        if self._url is None:
            stage = Stage.of(self._spoke)
            assert stage is not None
            artifact = stage.synth().get_stack_artifact(self._spoke.artifact_id)
            path = artifact.template_full_path
            with open(path, "rb") as template:
                digest = hashlib.sha256(template.read()).hexdigest()
            parent = Stage.of(self._stack)
            assert parent is not None
            outdir = parent.outdir
            location = self._stack.synthesizer.add_file_asset(
                source_hash=digest,
                file_name=os.path.relpath(path, outdir),
                packaging=FileAssetPackaging.FILE,
                display_name=f"{self._spoke.stack_name} (StackSet template)",
            )
            self._url = location.http_url
        return self._url


class SpokeStackSet(Construct):
    """An ``AWS::CloudFormation::StackSet`` with service-managed permissions for the spoke.

    Targets every account of ``settings.targets.organizational_units`` (nested OUs included) except the
    hub account (:func:`~ecr_ptc.organization.selection.account_selection`) in
    ``settings.targets.regions``; automatic deployment to accounts that join the OUs; ``CallAs`` and the
    operation preferences from ``settings``; managed execution (conflicting operations queue instead
    of failing); the capability the spoke's named IAM policy needs.

    :param spoke: the spoke stack (in a Stage of its own, so ``cdk deploy --all`` never deploys it).
    :param settings: the organization settings.
    :raises ValidationError: for a spoke in this stack's own Stage, or a stack in another account or
        Region than ``settings.stack_set``.
    """

    def __init__(self, scope: Construct, id: str, *, spoke: SpokeStack, settings: OrganizationSettings) -> None:
        stack = Stack.of(scope)
        if not isinstance(spoke, SpokeStack):
            raise ValidationError("spoke", f"expected a SpokeStack, got {spoke!r}", "pass spoke=SpokeStack(...)")
        if Stage.of(spoke) is Stage.of(stack):
            raise ValidationError(
                "spoke",
                "the spoke stack is in the same Stage as the StackSet's stack",
                "create the SpokeStack in a Stage of its own (cdk deploy --all would deploy it as a stack otherwise)",
            )
        if not isinstance(settings, OrganizationSettings):
            raise ValidationError("settings", f"expected OrganizationSettings, got {settings!r}", "pass settings=...")
        assert settings.stack_set is not None and settings.targets is not None and settings.hub is not None
        where = settings.stack_set
        for attribute, expected in (("account", where.account), ("region", where.region)):
            actual = getattr(stack, attribute)
            if not Token.is_unresolved(actual) and actual != expected:
                raise ValidationError(
                    "scope",
                    f"the StackSet's stack is in {attribute} {actual}, the settings name {expected}",
                    f"create the StackSet in a stack with env {attribute}={expected!r}",
                )
        super().__init__(scope, id)
        auto = cfn.CfnStackSet.AutoDeploymentProperty(
            depends_on=list(settings.auto_deploy_depends_on) or None,
            enabled=settings.auto_deploy,
            retain_stacks_on_account_removal=settings.retain_stacks_on_account_removal
            if settings.auto_deploy
            else None,
        )
        preferences = settings.stack_set_operation_preferences()
        selection = account_selection(settings)
        self.stack_set = cfn.CfnStackSet(
            self,
            "StackSet",
            stack_set_name=where.name,
            description=f"ecr-ptc spokes: pull-through cache rules through the hub {settings.hub.registry_url}",
            permission_model="SERVICE_MANAGED",
            call_as=where.call_as.value,
            auto_deployment=auto,
            capabilities=CAPABILITIES,
            managed_execution={"Active": True},
            operation_preferences=cfn.CfnStackSet.OperationPreferencesProperty(
                max_concurrent_percentage=preferences["MaxConcurrentPercentage"],
                failure_tolerance_percentage=preferences["FailureTolerancePercentage"],
                region_concurrency_type=preferences["RegionConcurrencyType"],
                region_order=preferences.get("RegionOrder"),
            ),
            stack_instances_group=[
                cfn.CfnStackSet.StackInstancesProperty(
                    deployment_targets=cfn.CfnStackSet.DeploymentTargetsProperty(
                        organizational_unit_ids=list(selection.organizational_units),
                        accounts=list(selection.excluded),
                        account_filter_type=selection.account_filter_type,
                    ),
                    regions=list(settings.targets.regions),
                )
            ],
            template_url=Lazy.string(_TemplateUrl(stack, spoke)),
        )


__all__ = ["CAPABILITIES", "SpokeStackSet"]
