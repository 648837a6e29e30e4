"""Warming: pull images through the cache at deploy time.

Modules: ``settings`` (``WarmSettings``, ``resolve_warm_images``: no CDK), ``cache_warmer`` (the
``CacheWarmer`` construct over the runtime in ``lambda/cache_warmer``). Importing the package loads
neither.
"""
