"""Warming: pull images through the cache at deploy time.

Modules: ``settings`` (``WarmSettings``, ``resolve_warm_images``: no CDK), ``ecr_ptc_runtime`` (the
``CacheWarmer`` construct over the runtime in ``lambda/ecr_ptc_runtime``). Importing the package loads
neither.
"""
