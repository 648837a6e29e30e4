"""Pointing workloads at the cache (``ecr-ptc uri`` and ``ecr-ptc rewrite``). Imports nothing.

Modules: ``target`` (the cache registry, the config's rules, why a reference is not covered), ``engine`` (one parse
of a YAML file, the image references found in it, ``image_references``, and the byte-exact edits that point them at
the cache), ``scan`` (the scanner the walkers share: node helpers, edits, notes), ``fields`` (Kubernetes
PodSpec and Compose image fields), ``helm`` (values files and their registry
keys), ``kustomize`` (``images:`` overrides), ``diff`` (the unified diff of the edits).
"""
