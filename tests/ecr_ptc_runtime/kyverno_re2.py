"""The rewrite patterns run as a Kyverno policy runs them, with RE2 (the google-re2 bindings: Go's regexp is RE2,
so ``$`` does not match before a final newline as Python's does): each pattern in order, on the image as the
earlier ones left it; ``regex_match`` is an unanchored search, ``regex_replace_all`` expands ``$1``; ``only``
and ``never`` (a rule's allow and deny lists) are matched against the rewritten image."""

from __future__ import annotations

from typing import Optional, Sequence

import re2

from ecr_ptc_runtime.patterns import RewritePattern


def admit(patterns: Sequence[RewritePattern], image: str) -> Optional[str]:
    """The image after the policy's foreach entries, or None when none changed it."""
    current = image
    for p in patterns:
        if re2.search(p.match, current) and not any(re2.search(u, current) for u in p.unless):
            rewritten = re2.sub(p.match, p.replacement.replace("$1", r"\1"), current)
            listed = (not p.only or any(re2.search(o, rewritten) for o in p.only)) and not any(
                re2.search(n, rewritten) for n in p.never
            )
            current = rewritten if listed else current  # the rule's allow/deny lists: left as written
    return None if current == image else current
