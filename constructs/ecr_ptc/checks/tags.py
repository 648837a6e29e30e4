"""Resource tags, as IAM and ECR take them: one rule for ``tags`` and ``repositories.tags``."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Optional

from ecr_ptc.checks.basics import check_type, fail

# Tags, as IAM and the ECR TagResource API state them (IAM User Guide, "Tags for AWS Identity and Access
# Management resources", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html, and the IAM Tag type,
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html): key 1-128 and value 0-256 characters of
# the pattern [\p{L}\p{Z}\p{N}_.:/=+\-@], the prefix aws: reserved. Python's re has no \p{..}: letters,
# separators and numbers are the Unicode categories L*, Z* and N*.
TAG_KEY_MAX, TAG_VALUE_MAX, MAX_TAGS = 128, 256, 50
TAG_SYMBOLS = "_.:/=+-@"
TAG_CATEGORIES = ("L", "Z", "N")
RESERVED_TAG_PREFIX = "aws:"
# AWS::CloudFormation::StackSet takes narrower tag keys: ASCII letters, digits, whitespace and _ . : = + -
# (its CloudFormation schema, Tag.Key: "^(?!aws:.*)[a-zA-Z0-9\s\:\_\.\/\=\+\-]+$" as cfn-lint ships it,
# with '@' instead of '/' in the schema aws-cdk-lib checks at synth: neither character fits both).
STACK_SET_TAG_KEY = re.compile(r"^[a-zA-Z0-9 _.:=+-]+$")


def tag_character_ok(char: str) -> bool:
    """Whether IAM's tag pattern ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]`` takes ``char``."""
    return char in TAG_SYMBOLS or unicodedata.category(char)[0] in TAG_CATEGORIES


def tag_text_problem(text: str, what: str, maximum: int, minimum: int = 0) -> Optional[str]:
    """Why ``text`` cannot be a tag key or value (``what``), or None."""
    if not minimum <= len(text) <= maximum:
        return f"{what} {text!r} is {len(text)} characters long; AWS allows {minimum}-{maximum}"
    bad = sorted({c for c in text if not tag_character_ok(c)})
    if bad:
        return f"{what} {text!r} has {', '.join(repr(c) for c in bad)}, which AWS tags do not allow"
    return None


TAG_FIX = "use letters, digits, spaces and _ . : / = + - @ only (IAM refuses other characters in tags)"


def stack_set_tag_key_problem(key: str) -> Optional[str]:
    """Why an ``AWS::CloudFormation::StackSet`` (the organization's) cannot carry tag key ``key``, or None."""
    if STACK_SET_TAG_KEY.match(key):
        return None
    return (
        f"tag key {key!r} goes on the organization's AWS::CloudFormation::StackSet too, whose tag keys take only "
        "ASCII letters, digits, spaces and _ . : = + -"
    )


def check_tags(value: Any, path: str) -> dict[str, str]:
    """A mapping of tag keys to values, as IAM and ECR take them (see ``TAG_*`` above); returns it."""
    if value is None:
        return {}
    check_type(value, dict, path, "a mapping of tag keys to values")
    if len(value) > MAX_TAGS:
        fail(path, f"{len(value)} tags given; ECR allows {MAX_TAGS}", "drop some tags")
    result = {}
    for key, val in value.items():
        where = f"{path}.{key}"
        if not isinstance(key, str):
            fail(where, f"tag key {key!r} is not a string", "quote the key")
        problem = tag_text_problem(key, "tag key", TAG_KEY_MAX, 1)
        if problem:
            fail(where, problem, TAG_FIX)
        if key.lower().startswith(RESERVED_TAG_PREFIX):
            fail(
                where,
                f"tag key {key!r} is not allowed: AWS reserves the prefix {RESERVED_TAG_PREFIX!r}",
                "rename the key",
            )
        if not isinstance(val, str):
            fail(where, f"tag value {val!r} is not a string", f"give a string of up to {TAG_VALUE_MAX} characters")
        problem = tag_text_problem(val, "tag value", TAG_VALUE_MAX)
        if problem:
            fail(where, problem, TAG_FIX)
        result[key] = val
    return result
