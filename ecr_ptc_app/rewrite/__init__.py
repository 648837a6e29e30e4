"""Pointing workloads at the cache (``ecr-ptc uri`` and ``ecr-ptc rewrite``). Imports nothing.

Modules: ``target`` (the cache registry, the config's rules, why a reference is not covered), ``engine`` (the
image references of a YAML file and the byte-exact edits that point them at the cache).
"""
