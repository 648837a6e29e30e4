"""The cache stack's outputs, counted without building anything (``ecr-ptc validate`` uses this too)."""

from __future__ import annotations

import hashlib
import re
from typing import Optional, Sequence

from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.warming.settings import OnFailure, WarmSettings

MAX_OUTPUTS = 200  # CloudFormation's limit per stack
FIXED_OUTPUTS = ("RegistryUri", "ConsumerPolicyArn")


def output_id(text: str) -> str:
    """'my-docker-hub' -> 'MyDockerHub': CloudFormation output ids are alphanumeric."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part) or "Root"


class OutputIds:
    """Output ids for one stack: ``output_id`` of the text, unless two texts would share it
    ('a-b' and 'a.b' both give 'AB'): the later one then gets a stable suffix of its own."""

    def __init__(self) -> None:
        self._taken: dict[str, str] = {}

    def of(self, kind: str, text: str) -> str:
        wanted = kind + output_id(text)
        if self._taken.setdefault(wanted, text) == text:
            return wanted
        unique = f"{wanted}{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        self._taken[unique] = text
        return unique


def base_output_count(rules: Sequence[UpstreamRule]) -> int:
    """The outputs every cache stack has: the fixed ones, an example pull per rule, and the
    command that fills each placeholder secret."""
    placeholders = sum(1 for r in rules if r.credentials is not None and r.credentials.create)
    return len(FIXED_OUTPUTS) + len(rules) + placeholders


def wants_digest_outputs(warm: WarmSettings) -> bool:
    # With onFailure: warn a failed image's Digest is empty, and an empty output value would fail
    # the deploy that 'warn' promised to let through: no outputs then.
    return warm.on_failure is OnFailure.FAIL


def digest_outputs_warning(rules: Sequence[UpstreamRule], warm: WarmSettings) -> Optional[str]:
    """Why the warmed images get no Digest outputs, when they would pass CloudFormation's limit."""
    if not wants_digest_outputs(warm) or base_output_count(rules) + len(warm.images) <= MAX_OUTPUTS:
        return None
    return (
        f"{len(warm.images)} warmed images would pass CloudFormation's {MAX_OUTPUTS} outputs per stack, so no "
        "Digest outputs are made; read digests with 'ecr-ptc warm' or 'aws ecr describe-images', or use "
        "CacheWarmer.digest() in the same app"
    )
