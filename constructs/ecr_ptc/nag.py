"""cdk-nag acknowledgments, built one way: the finding id as cdk-nag prints it, and a reason for each."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations

from constructs import IConstruct

# AwsCustomResource runs every SDK call of a stack through one Lambda function with this id.
SDK_CALL_PROVIDER_ID = "AWS679f53fac002430cb0da5b7982bd2287"
BASIC_EXECUTION_FINDING = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one finding (a rule id, or a granular id such as ``AwsSolutions-IAM5[Resource::*]``)."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def wildcard_finding(resource: str) -> str:
    """The granular id of an IAM5 finding for one resource with a wildcard, as :func:`printed` gives it."""
    return f"AwsSolutions-IAM5[Resource::{resource}]"


def printed(scope: IConstruct, value: str) -> str:
    """A string with tokens as cdk-nag writes it in a finding id: ``<AWS::Partition>``, ``<Logical.Arn>``.

    Region-bound stacks resolve to literal partition and Region; environment-agnostic ones keep
    pseudo parameters."""
    return _printed(Stack.of(scope).resolve(value))


def _printed(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_printed(part) for part in parts)
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    return f"<{value['Ref']}>"


def acknowledge_sdk_call_provider(stack: Stack) -> None:
    """The finding on the stack-wide Lambda function behind every ``AwsCustomResource`` (if any yet)."""
    provider = stack.node.try_find_child(SDK_CALL_PROVIDER_ID)
    if provider is not None:
        acknowledge(
            provider,
            BASIC_EXECUTION_FINDING,
            "the CDK AwsCustomResource Lambda only writes its own logs; AWS keeps the basic execution policy current",
        )
