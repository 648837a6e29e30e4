"""Every doctor check, in the order the output lists them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from .identity import check_environment, identify
from .images import check_image
from .principal import check_principal
from .registry_wide import check_registry_policy, check_scanning
from .rules import check_rules, check_upstream_logins
from .secrets import check_credentials
from .spoke import is_spoke, run_spoke_checks
from .templates import check_templates

if TYPE_CHECKING:
    from ..config import AppConfig
    from .aws import Aws
    from .context import Context


def run_checks(config: AppConfig, aws: Aws, principals: Sequence[str], images: Sequence[str]) -> Context:
    """Every check, in the order the output lists them.

    :raises SetupError: without credentials (nothing could be checked).
    """
    ctx = identify(config, aws)
    if is_spoke(ctx):  # a member account of the organization rollout: its spoke, not the hub's cache
        run_spoke_checks(ctx, images)
        return ctx
    if not check_environment(ctx):
        return ctx
    live = check_rules(ctx)
    check_upstream_logins(ctx, live)
    check_credentials(ctx, live)
    check_templates(ctx)
    check_registry_policy(ctx)
    check_scanning(ctx)
    for principal in principals:
        check_principal(ctx, principal)
    for image in images:
        check_image(ctx, image)
    return ctx
