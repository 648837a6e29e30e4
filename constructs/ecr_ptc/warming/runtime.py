"""The warmer's per-stack runtime: role, log group, the onEvent and isComplete functions and the CDK
Provider framework, created once per stack and shared by every CacheWarmer (and the scheduled re-warm,
``scheduled.py``) of that stack."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnElement, Duration, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr

from constructs import Construct
from ecr_ptc.cache.pull_through_cache import AUTH_TOKEN_REASON
from ecr_ptc.functions import role_and_log_group, runtime_code, runtime_function
from ecr_ptc.nag import BASIC_EXECUTION_FINDING

RUNTIME_ID = "EcrPtcCacheWarmerRuntime"  # the per-stack singleton, found by this id
FUNCTION_TIMEOUT = Duration.minutes(5)
QUERY_INTERVAL = Duration.seconds(30)


class WarmerRuntime(Construct):
    """Per stack, created once: role, log group, the handler function and the provider."""

    def __init__(self, scope: Construct, id: str, *, total_timeout_minutes: int) -> None:
        super().__init__(scope, id)
        self.total_timeout_minutes = total_timeout_minutes
        # Our own role, not the function default: no AWSLambdaBasicExecutionRole, logs only to our group.
        self.role, self.log_group = role_and_log_group(
            self, "ECR pull-through cache warmer: pulls images through the cache"
        )
        code = runtime_code(self)
        self.code = code  # the scheduled re-warm function (scheduled.py) shares it
        # One entry point per trigger over the same code: no event is ever routed by guessing.
        self.function = self._function("Function", code, "on_event_handler", "ECR pull-through cache warmer")
        self.is_complete_function = self._function(
            "IsCompleteFunction",
            code,
            "is_complete_handler",
            "ECR pull-through cache warmer: waits until ECR holds the image",
        )
        self.provider = cr.Provider(  # its framework functions log to the same group
            self,
            "Provider",
            on_event_handler=self.function,
            is_complete_handler=self.is_complete_function,
            query_interval=QUERY_INTERVAL,
            total_timeout=Duration.minutes(total_timeout_minutes),
            log_group=self.log_group,
        )
        self._acknowledge()

    def _function(self, id: str, code: lambda_.Code, entry_point: str, description: str) -> lambda_.Function:
        return runtime_function(
            self,
            id,
            entry_point=entry_point,
            code=code,
            role=self.role,
            log_group=self.log_group,
            timeout=FUNCTION_TIMEOUT,
            memory_size=256,
            description=description,
        )

    @staticmethod
    def of(stack: Stack, total_timeout_minutes: int) -> "WarmerRuntime":
        found = stack.node.try_find_child(RUNTIME_ID)
        if found is None:
            return WarmerRuntime(stack, RUNTIME_ID, total_timeout_minutes=total_timeout_minutes)
        assert isinstance(found, WarmerRuntime)
        return found

    @staticmethod
    def _invoke_finding(fn: Construct) -> str:
        """cdk-nag's id for ``lambda:InvokeFunction`` on ``<function arn>:*`` (any version of ``fn``)."""
        cfn = fn.node.default_child
        assert isinstance(cfn, CfnElement)
        return f"AwsSolutions-IAM5[Resource::<{Stack.of(fn).get_logical_id(cfn)}.Arn>:*]"

    def _acknowledge(self) -> None:
        """cdk-nag findings that come with the Provider framework or are inherent to the warmer."""
        Validations.of(self.role).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=AUTH_TOKEN_REASON)
        )
        invoked = [self.function, self.is_complete_function] + [
            self.provider.node.find_child(f"framework-{name}") for name in ("isComplete", "onTimeout")
        ]
        Validations.of(self.provider).acknowledge(
            *(
                Acknowledgment(
                    id=self._invoke_finding(fn),
                    reason=f"the CDK Provider framework invokes {fn.node.id} by its ARN with any "
                    "version or alias (<arn>:*); the wildcard covers that one function only",
                )
                for fn in invoked
            ),
            Acknowledgment(
                id=BASIC_EXECUTION_FINDING,
                reason="the CDK Provider framework's own functions (onEvent, isComplete, onTimeout) "
                "use the basic execution role it creates; the warmer's functions do not",
            ),
            Acknowledgment(
                id="AwsSolutions-SF1",
                reason="the Provider framework's waiter state machine (logging off by default) only "
                "calls isComplete; every call is logged by the warmer's function to its log group",
            ),
            Acknowledgment(
                id="AwsSolutions-SF2",
                reason="X-Ray tracing of the Provider framework's waiter state machine cannot be set "
                "through the Provider construct",
            ),
        )


__all__ = ["RUNTIME_ID", "WarmerRuntime"]
