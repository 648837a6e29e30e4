"""Shared registry fixtures (defined in fixtures.py so tests/cache_warmer can import them too)."""

from .fixtures import cache, fault_proxy, htpasswd_file, seeded, start_registry, upstream  # noqa: F401
