"""The ec2 workstation's own network, built so that synth needs no Availability Zone lookup."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_ec2 as ec2

from constructs import Construct


class PublicNetwork(Construct):
    """A VPC with one public subnet in the Region's first Availability Zone, and no NAT gateway.

    The resources, logical ids and tags ``ec2.Vpc(max_azs=1, nat_gateways=0, one PUBLIC /24
    subnet named "Public")`` makes in a stack without a fixed account and Region. Built here
    because ``ec2.Vpc`` reads ``Stack.availability_zones`` even when given its zones, and in a
    stack bound to an account and Region that is a context lookup: synth would report missing
    context and the CDK CLI would need credentials to fill it. ``Fn::GetAZs`` picks the zone at
    deploy time instead. The VPC's default security group is left as it is: nothing uses it,
    and restricting it would cost a custom resource.

    Attributes: ``vpc`` (an ``ec2.IVpc`` for security groups and instances), ``subnet``.
    """

    CIDR = "10.0.0.0/16"
    SUBNET_CIDR = "10.0.0.0/24"

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        zone = cdk.Fn.select(0, cdk.Fn.get_azs())
        resource = ec2.CfnVPC(
            self,
            "Resource",
            cidr_block=self.CIDR,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            instance_tenancy="default",
        )
        self.subnet = ec2.PublicSubnet(
            self,
            "PublicSubnet1",
            availability_zone=zone,
            vpc_id=resource.ref,
            cidr_block=self.SUBNET_CIDR,
            map_public_ip_on_launch=True,
        )
        only_subnet = [ec2.CfnSubnet.CFN_RESOURCE_TYPE_NAME]
        cdk.Tags.of(self.subnet).add("aws-cdk:subnet-name", "Public", include_resource_types=only_subnet)
        cdk.Tags.of(self.subnet).add("aws-cdk:subnet-type", "Public", include_resource_types=only_subnet)
        gateway = ec2.CfnInternetGateway(self, "IGW")
        attachment = ec2.CfnVPCGatewayAttachment(self, "VPCGW", internet_gateway_id=gateway.ref, vpc_id=resource.ref)
        self.subnet.add_default_internet_route(gateway.ref, attachment)
        cdk.Tags.of(self).add("Name", self.node.path)
        self.vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id=resource.ref,
            vpc_cidr_block=self.CIDR,
            availability_zones=[zone],
            public_subnet_ids=[self.subnet.subnet_id],
            public_subnet_route_table_ids=[self.subnet.route_table.route_table_id],
        )
        Validations.of(resource).acknowledge(
            Acknowledgment(
                id="AwsSolutions-VPC7",
                reason="a one-instance test network with no inbound rules; bring a subnet_id of a VPC "
                "with flow logs where traffic must be recorded",
            )
        )
