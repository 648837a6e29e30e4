"""Shared registry fixtures (defined in fixtures.py so tests/ecr_ptc_runtime can import them too)."""

from .fixtures import cache, fault_proxy, htpasswd_file, seeded, start_registry, upstream  # noqa: F401
