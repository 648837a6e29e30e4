"""The walkthrough's AWS Cloud9 environment, with its role attached.

Cloud9 is closed to new customers (maintenance mode since 2024-07-25); accounts that
never used it should choose kind ``ec2``.

Requirements in the account (documented, not created here, because their names are
fixed account-wide and the Cloud9 console creates them on first use):

* the ``AWSCloud9SSMAccessRole`` service role and ``AWSCloud9SSMInstanceProfile``
  instance profile that ``CONNECT_SSM`` environments need;
* without ``subnet_id``: a default VPC (Cloud9 picks one of its subnets). A subnet
  given must reach Systems Manager, ECR and S3 (public IP or NAT or endpoints).

Steps the walkthrough does by hand:

1. *Attach a role*: Cloud9 starts the instance with ``AWSCloud9SSMInstanceProfile``,
   so ``ec2:AssociateIamInstanceProfile`` would fail (one association per instance).
   Custom resources find the instance by its ``aws:cloud9:environment`` tag, find its
   association and *replace* the profile with ours (our role keeps Session Manager
   working through AmazonSSMManagedInstanceCore).
2. *Turn off AWS managed temporary credentials*: only the environment's owner may call
   ``cloud9:UpdateEnvironment --managed-credentials-action DISABLE``. A custom resource
   runs as its own Lambda role, which is not the owner: without ``owner_arn`` the owner
   is whoever deploys the stack, and with it the owner is a person's user or role that
   the stack cannot act as. Making a stack-controlled role the owner would lock people
   out of the IDE (only the owner and invited members can open it) and trade one manual
   step for membership plumbing. So the stack does not pretend: it outputs the exact
   one-line command for the owner to run once (``DisableManagedCredentialsCommand``).
   Until then the IDE terminal uses the owner's own temporary credentials instead of
   the workstation role.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnDeletionPolicy, Stack, Validations
from aws_cdk import aws_cloud9 as cloud9
from aws_cdk import aws_iam as iam

from ecr_ptc.workstation.base import WorkstationBase
from ecr_ptc.workstation.settings import WorkstationKind
from ecr_ptc.workstation.smoke_test import smoke_test_commands

IMAGE_ID = "resolve:ssm:/aws/service/cloud9/amis/amazonlinux-2023-x86_64"


class Cloud9Workstation(WorkstationBase):
    """An AWS Cloud9 EC2 environment (``CONNECT_SSM``) whose instance runs as the workstation role.

    Outputs (see :attr:`outputs`): the IDE URL, the command that turns off AWS managed
    temporary credentials (for the owner), the smoke-test command line.
    """

    kind = WorkstationKind.CLOUD9

    def _build(self, registry_uri: str, smoke_test_images: list[str]) -> None:
        settings = self.settings
        stack = Stack.of(self)
        self.environment = cloud9.CfnEnvironmentEC2(
            self,
            "Environment",
            image_id=IMAGE_ID,
            instance_type=settings.instance_type,
            connection_type="CONNECT_SSM",
            automatic_stop_time_minutes=settings.automatic_stop_minutes,
            owner_arn=settings.owner_arn,
            subnet_id=settings.subnet_id,
            description="ecr-ptc workstation: test pulls through the ECR pull-through cache",
        )
        # Deleted before the profile: the instance should not outlive its profile.
        self.environment.node.add_dependency(self.role.instance_profile)
        # Every property but the name is create-only: a changed instance type or stop time would
        # replace the environment and delete the files people keep in it. Keep the old one instead
        # (it stops itself when idle); deleting the stack still deletes it.
        self.environment.cfn_options.update_replace_policy = CfnDeletionPolicy.RETAIN
        self.environment.cfn_options.deletion_policy = CfnDeletionPolicy.DELETE
        Validations.of(self.environment).acknowledge(
            Acknowledgment(
                id="CloudFormation-Validate::W3697",
                reason="AWS Cloud9 is closed to new customers; kind cloud9 is for accounts that still use it, "
                "kind ec2 is the alternative",
            )
        )
        # Ref is the environment id (the EnvironmentId attribute is not in the resource schema).
        self.environment_id = self.environment.ref
        self.instance_id = self._attach_role(self.environment_id)

        region = stack.region
        self.disable_managed_credentials_command = (
            f"aws cloud9 update-environment --environment-id {self.environment_id}"
            f" --managed-credentials-action DISABLE --region {region}"
        )
        self.outputs.update(
            OpenWorkstation=(
                f"https://{region}.console.aws.amazon.com/cloud9/ide/{self.environment_id}",
                "Open the Cloud9 IDE (as the environment owner)",
            ),
            DisableManagedCredentialsCommand=(
                self.disable_managed_credentials_command,
                "Run once, as the environment owner, so the IDE uses the workstation role",
            ),
            SmokeTestCommand=(
                " && ".join(smoke_test_commands(registry_uri, region, smoke_test_images)),
                "Run in the IDE terminal: log in, pull each image through the cache, describe it",
            ),
            EnvironmentId=(self.environment_id, "Cloud9 environment id"),
            InstanceId=(self.instance_id, "EC2 instance of the environment"),
        )

    def _attach_role(self, environment_id: str) -> str:
        """Replace the instance's profile with the workstation profile; return the instance id."""
        stack = Stack.of(self)
        instance = self.sdk_call(
            "FindInstance",
            "describeInstances",
            {
                "Filters": [
                    {"Name": "tag:aws:cloud9:environment", "Values": [environment_id]},
                    {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
                ]
            },
            ["Reservations.0.Instances.0.InstanceId"],
            [iam.PolicyStatement(actions=["ec2:DescribeInstances"], resources=["*"])],
        )
        instance_id = instance.get_response_field("Reservations.0.Instances.0.InstanceId")
        association = self.sdk_call(
            "FindProfileAssociation",
            "describeIamInstanceProfileAssociations",
            {"Filters": [{"Name": "instance-id", "Values": [instance_id]}]},
            ["IamInstanceProfileAssociations.0.AssociationId"],
            [iam.PolicyStatement(actions=["ec2:DescribeIamInstanceProfileAssociations"], resources=["*"])],
        )
        self.sdk_call(
            "ReplaceProfile",
            "replaceIamInstanceProfileAssociation",
            {
                "AssociationId": association.get_response_field("IamInstanceProfileAssociations.0.AssociationId"),
                "IamInstanceProfile": {"Arn": self.role.instance_profile.instance_profile_arn},
            },
            ["IamInstanceProfileAssociation.AssociationId"],
            [
                iam.PolicyStatement(
                    actions=["ec2:ReplaceIamInstanceProfileAssociation"],
                    resources=[stack.format_arn(service="ec2", resource="instance", resource_name=instance_id)],
                ),
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[self.role.role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                ),
            ],
        )
        return instance_id
