"""The library's Lambda functions, set up one way: the ``ecr_ptc_runtime`` code asset, Python on Arm, our own
role and log group (no ``AWSLambdaBasicExecutionRole``: each function logs only to its group).

Used by the warmer (its onEvent and isComplete functions), the scheduled re-warm and the pull-through
failure events; it imports none of them, so none imports another for this.
"""

from __future__ import annotations

import atexit
import functools
import importlib.resources
import shutil
import tempfile
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from constructs import Construct

PYTHON = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
RUNTIME_PACKAGE = "ecr_ptc_runtime"  # the functions' code: this package's modules, nothing else
# Set by `cdk synth --no-staging` (SAM local): the assembly then points at the asset's source folder.
DISABLE_ASSET_STAGING = "aws:cdk:disable-asset-staging"


def lambda_source_dir(*, keep: bool = False) -> Path:
    """A folder holding exactly the ``ecr_ptc_runtime`` package as installed: the functions' code asset.

    The package is found through the import system, so wheel, sdist, git and editable installs all
    work, and only its modules (``*.py``: no ``__pycache__``, no tests) are copied, once per process,
    into a private temporary folder, removed when the process ends. The asset, and so its hash,
    depends on the modules' names and bytes only: the same for an editable and a wheel install of
    the same version.

    :param keep: leave the folder when the process ends (default False), for an assembly that
        points at it instead of a copy (asset staging disabled).
    :raises RuntimeError: when ``ecr_ptc_runtime`` is not importable (ecr-ptc is not installed).
    """
    staging = _staged_runtime()
    if keep:
        _KEPT.add(staging)
    return staging


_KEPT: set[Path] = set()


def _remove_unless_kept(staging: Path) -> None:
    if staging not in _KEPT:
        shutil.rmtree(staging, ignore_errors=True)


@functools.cache
def _staged_runtime() -> Path:
    try:
        package = importlib.resources.files(RUNTIME_PACKAGE)
    except ModuleNotFoundError:
        raise RuntimeError(
            f"the {RUNTIME_PACKAGE} package is not importable: install ecr-ptc (pip install ecr-ptc, "
            "or pip install -e . in a clone)"
        ) from None
    staging = Path(tempfile.mkdtemp(prefix="ecr-ptc-runtime-"))
    atexit.register(_remove_unless_kept, staging)
    copied = _copy_modules(package, staging / RUNTIME_PACKAGE)
    if "__init__.py" not in copied:
        raise RuntimeError(f"{package} holds no {RUNTIME_PACKAGE} package; reinstall ecr-ptc")
    return staging


def _copy_modules(source: Traversable, target: Path, prefix: str = "") -> list[str]:
    """Copy the ``*.py`` modules under ``source`` (subpackages included, tests and caches not)."""
    copied: list[str] = []
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        name = entry.name
        if entry.is_dir():
            if name not in ("__pycache__", "tests"):
                copied += _copy_modules(entry, target / name, f"{prefix}{name}/")
        elif name.endswith(".py") and not name.startswith("test_") and name != "conftest.py":
            target.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(entry.read_bytes())
            copied.append(prefix + name)
    return copied


def runtime_code(scope: Construct) -> lambda_.Code:
    """The ``ecr_ptc_runtime`` code asset, kept on disk when ``scope``'s assembly points at it (no staging)."""
    keep = bool(scope.node.try_get_context(DISABLE_ASSET_STAGING))
    return lambda_.Code.from_asset(str(lambda_source_dir(keep=keep)))


def role_and_log_group(scope: Construct, description: str) -> tuple[iam.Role, logs.LogGroup]:
    """A function role Lambda assumes and the log group it may write to (children ``Role`` and ``Logs``)."""
    log_group = logs.LogGroup(scope, "Logs", retention=LOG_RETENTION)
    role = iam.Role(scope, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)
    log_group.grant_write(role)
    return role, log_group


def runtime_function(
    scope: Construct,
    id: str,
    *,
    entry_point: str,
    code: lambda_.Code,
    role: iam.IRole,
    log_group: logs.ILogGroup,
    timeout: Duration,
    memory_size: int,
    description: str,
    **options: Any,
) -> lambda_.Function:
    """A function running ``ecr_ptc_runtime.handler.<entry_point>`` over ``code`` (from :func:`runtime_code`);
    ``options`` are further ``lambda_.Function`` keywords (environment, retries, destinations)."""
    return lambda_.Function(
        scope,
        id,
        runtime=PYTHON,
        architecture=ARCHITECTURE,
        code=code,
        handler=f"{RUNTIME_PACKAGE}.handler.{entry_point}",
        role=role,
        timeout=timeout,
        memory_size=memory_size,
        log_group=log_group,
        description=description,
        **options,
    )


__all__ = ["LOG_RETENTION", "PYTHON", "lambda_source_dir", "role_and_log_group", "runtime_code", "runtime_function"]


def window_table(scope: Construct, id: str) -> dynamodb.Table:
    """The table behind ``ecr_ptc_runtime.notify.first_in_window``: one item per key, gone after its window
    (DynamoDB's time to live), so a function acts once per key and window. Losing it costs at most one more
    action per key, so it is destroyed with its stack."""
    from ecr_ptc_runtime.notify import WINDOW_EXPIRES, WINDOW_KEY

    return dynamodb.Table(
        scope,
        id,
        partition_key=dynamodb.Attribute(name=WINDOW_KEY, type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        time_to_live_attribute=WINDOW_EXPIRES,
        removal_policy=RemovalPolicy.DESTROY,
    )
