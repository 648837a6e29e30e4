"""What every doctor check shares: the :class:`Check` it ends as, the areas and statuses (the JSON schema's
one owner), and the :class:`Context` (who is asking, where, what the config deploys there).

Imports nothing heavy at the top: ``commands/doctor.py`` reads :data:`AREAS` and :data:`STATUSES` for its schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from .aws import CannotCall

if TYPE_CHECKING:
    from ..config import AppConfig, Environment
    from .aws import Aws

OK, PROBLEM, COULD_NOT_CHECK = "ok", "problem", "could-not-check"
STATUSES = (OK, PROBLEM, COULD_NOT_CHECK)
AREAS = (
    "identity",
    "rule",
    "upstream-login",
    "secret",
    "secret-value",
    "template",
    "template-role",
    "registry-policy",
    "scanning",
    "principal",
    "image",
    "spoke",  # spoke.py: a member account's spoke of the organization rollout
)
PROBE = "ecr-ptc-doctor-probe"  # a repository name under each prefix, for IAM simulation (never created)


@dataclass(frozen=True)
class Check:
    """One check's result, as the text and JSON outputs list it."""

    area: str
    subject: str
    status: str
    message: str
    fix: Optional[str] = None
    needs: Optional[str] = None  # the IAM action the credentials were denied

    def as_dict(self) -> dict[str, Optional[str]]:
        return {
            "area": self.area,
            "subject": self.subject,
            "status": self.status,
            "message": self.message,
            "fix": self.fix,
            "needs": self.needs,
        }


@dataclass
class Context:
    """Who is asking, where, and what the config deploys there."""

    config: AppConfig
    aws: Aws
    account: str
    partition: str
    caller: str
    environment: Optional[Environment]
    checks: list[Check] = field(default_factory=list)
    _stack_outputs: Optional[dict[str, str]] = None

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def registry(self) -> str:
        suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
        return f"{self.account}.dkr.ecr.{self.region}.{suffix}"

    @property
    def stack(self) -> str:
        from ecr_ptc_stacks.compose import stack_name

        return str(stack_name(self.environment))

    @property
    def deploy(self) -> str:
        return f"npx cdk deploy -c config={self.config.file} {self.stack}"

    def add(self, area: str, subject: str, status: str, message: str, fix: Optional[str] = None, needs=None) -> None:
        self.checks.append(Check(area, subject, status, message, fix, needs))

    def could_not(self, area: str, subject: str, exc: CannotCall) -> None:
        self.add(area, subject, COULD_NOT_CHECK, str(exc), needs=exc.needs)

    def repository_arn(self, prefix: str, name: str) -> str:
        from ecr_ptc_runtime.names import cache_repository

        return f"arn:{self.partition}:ecr:{self.region}:{self.account}:repository/{cache_repository(prefix, name)}"

    def stack_output(self, key: str) -> Optional[str]:
        """An output of the cache stack (``cloudformation:DescribeStacks``), None when it cannot be read."""
        if self._stack_outputs is None:
            self._stack_outputs = {}
            try:
                stacks = self.aws.call(
                    "cloudformation", "describe_stacks", missing=("ValidationError",), StackName=self.stack
                )
            except CannotCall:
                stacks = None
            for stack in (stacks or {}).get("Stacks", [])[:1]:
                self._stack_outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return self._stack_outputs.get(key)

    def settings_for(self, prefix: str) -> Any:
        """The repository settings of the template for ``prefix``: the rule's own block, else the default."""
        return self.config.prefix_repositories.get(prefix, self.config.repositories)

    def where(self) -> Any:
        """This account's partition, Region and account id, as the policy builders take them."""
        from ecr_ptc.cache.policy import ArnParts

        return ArnParts(self.partition, self.region, self.account)
