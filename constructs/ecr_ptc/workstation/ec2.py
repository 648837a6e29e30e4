"""An Amazon Linux 2023 instance as the workstation, reached with Session Manager.

No SSH key and no inbound rules; IMDSv2 only; encrypted root volume. User data
installs Docker (the AWS CLI v2 ships with the AL2023 AMI; installed if missing) and
writes the smoke test to ``/usr/local/bin/ecr-ptc-smoke-test``.

Image: the Amazon Linux 2023 AMI of the instance type's architecture (x86_64, or arm64
for Graviton types), from the public SSM parameter at deploy time.

Network: without ``subnet_id`` the construct brings a VPC with one public subnet
(no NAT gateway; the instance's public IP reaches Systems Manager, ECR and S3, and no
inbound rule lets anything in) in the Region's first Availability Zone, chosen at deploy
time (``Fn::GetAZs``), so synth needs no Availability Zone lookup even in a stack bound to
an account and Region. With ``subnet_id`` the subnet's VPC and Availability
Zone come from an ``ec2:DescribeSubnets`` call at deploy time, so the settings need
no ``vpc_id`` and synth needs no lookup. That subnet must reach Systems Manager, ECR
and S3 (public IP, NAT gateway or VPC endpoints).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

from ecr_ptc.workstation.base import WorkstationBase
from ecr_ptc.workstation.instance_types import ARM64, X86_64, architecture
from ecr_ptc.workstation.network import PublicNetwork
from ecr_ptc.workstation.settings import WorkstationKind
from ecr_ptc.workstation.smoke_test import SCRIPT_PATH, smoke_test_script

ROOT_VOLUME_GIB = 20  # room for the AMI (8 GiB) and a few pulled images
# The AL2023 image's CPU type by instance architecture; the kernel is the CDK's pinned one (6.1), so
# the parameters are /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-{x86_64,arm64}.
CPU_TYPES = {X86_64: ec2.AmazonLinuxCpuType.X86_64, ARM64: ec2.AmazonLinuxCpuType.ARM_64}


class Ec2Workstation(WorkstationBase):
    """An EC2 instance that runs as the workstation role and carries the smoke-test script.

    Outputs (see :attr:`outputs`): the ``aws ssm start-session`` command, a one-line
    command that runs the smoke test through Session Manager, the instance id.
    """

    kind = WorkstationKind.EC2

    def _build(self, registry_uri: str, smoke_test_images: list[str]) -> None:
        settings = self.settings
        region = Stack.of(self).region
        vpc, subnets = self._network(settings.subnet_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="ecr-ptc workstation: no inbound rules; HTTPS out to SSM, ECR, S3 and package repos",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and package repos"
        )

        user_data = ec2.UserData.for_linux()
        user_data.add_commands(
            "set -euo pipefail",
            "dnf install -y docker",
            "command -v aws >/dev/null || dnf install -y awscli-2",
            "systemctl enable --now docker",
            f"cat > {SCRIPT_PATH} <<'ECR_PTC_EOF'",
            smoke_test_script(registry_uri, region, smoke_test_images).rstrip("\n"),
            "ECR_PTC_EOF",
            f"chmod 755 {SCRIPT_PATH}",
        )
        self.instance = ec2.Instance(
            self,
            "Instance",
            vpc=vpc,
            vpc_subnets=subnets,
            security_group=self.security_group,
            instance_type=ec2.InstanceType(settings.instance_type),
            # An SSM parameter resolved at deploy time: no AMI lookup at synth.
            machine_image=ec2.MachineImage.latest_amazon_linux2023(
                cpu_type=CPU_TYPES[architecture(settings.instance_type)]
            ),
            instance_profile=self.role.instance_profile,
            http_tokens=ec2.HttpTokens.REQUIRED,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        ROOT_VOLUME_GIB, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3
                    ),
                )
            ],
            user_data=user_data,
            user_data_causes_replacement=True,
        )
        for subnet in subnets.subnets or []:
            # User data installs Docker at first boot: the route out must exist by then (for a
            # subnet brought in, the route is the subnet owner's, already in place).
            if isinstance(subnet, ec2.PublicSubnet):
                self.instance.node.add_dependency(subnet.internet_connectivity_established)
        Validations.of(self.instance).acknowledge(
            Acknowledgment(
                id="AwsSolutions-EC28",
                reason="a short-lived test workstation; basic 5-minute metrics suffice and detailed monitoring costs extra",
            ),
            Acknowledgment(
                id="AwsSolutions-EC29",
                reason="a disposable test workstation holding no data; termination protection would only block stack deletion",
            ),
        )
        self.instance_id = self.instance.instance_id
        start_session = f"aws ssm start-session --target {self.instance_id} --region {region}"
        self.outputs.update(
            OpenWorkstation=(start_session, "Open a shell on the workstation (needs the Session Manager plugin)"),
            SmokeTestCommand=(
                f"{start_session} --document-name AWS-StartInteractiveCommand --parameters command={SCRIPT_PATH}",
                f"Run the smoke test ({SCRIPT_PATH}) on the workstation",
            ),
            InstanceId=(self.instance_id, "EC2 instance of the workstation"),
        )

    def _network(self, subnet_id: str | None) -> tuple[ec2.IVpc, ec2.SubnetSelection]:
        if subnet_id is None:
            network = PublicNetwork(self, "Network")
            return network.vpc, ec2.SubnetSelection(subnets=[network.subnet])
        found = self.sdk_call(
            "FindSubnet",
            "describeSubnets",
            {"SubnetIds": [subnet_id]},
            ["Subnets.0.SubnetId", "Subnets.0.VpcId", "Subnets.0.AvailabilityZone"],
            [iam.PolicyStatement(actions=["ec2:DescribeSubnets"], resources=["*"])],
        )
        vpc_id = found.get_response_field("Subnets.0.VpcId")
        zone = found.get_response_field("Subnets.0.AvailabilityZone")
        vpc = ec2.Vpc.from_vpc_attributes(self, "Vpc", vpc_id=vpc_id, availability_zones=[zone])
        subnet = ec2.Subnet.from_subnet_attributes(self, "Subnet", subnet_id=subnet_id, availability_zone=zone)
        cdk.Annotations.of(subnet).acknowledge_warning(
            "@aws-cdk/aws-ec2:noSubnetRouteTableId", "the workstation only launches into the subnet; it adds no routes"
        )
        return vpc, ec2.SubnetSelection(subnets=[subnet])
