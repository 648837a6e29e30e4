"""Derandomized property tests that draw the same examples whatever ran before them in the process.

Hypothesis mixes literal constants of the project's own modules into its draws, taken from the modules loaded
at the time of each draw (``hypothesis.internal.conjecture.providers._get_local_constants``; test files are
left out). So which product modules earlier tests had imported changed the examples a derandomized test drew:
under pytest-xdist, the test order decided, and a run could draw 3 near-misses in 48 where another drew 16.
Importing every product module before the first draw makes that pool, and so the examples, the same in any
order and in a single-file run.
"""

from __future__ import annotations

import importlib
import pkgutil

PRODUCT_PACKAGES = ("ecr_ptc", "ecr_ptc_runtime", "ecr_ptc_stacks", "ecr_ptc_app")


def import_product_modules() -> None:
    """Import every module of the installed product packages (idempotent)."""
    for name in PRODUCT_PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            importlib.import_module(info.name)
