"""The runtime's public names in one place, for code written against it before the split: each name has its
owner module, and new code imports from there.

* ``upstreams``: the upstream registry table (``UPSTREAMS``, ``Auth``, ``ALIASES``...);
* ``images``: images in the cache (``<prefix>/<repository>:<tag>``), platforms, cache paths;
* ``references``: references as workloads write them, Docker's grammar (``parse_reference``);
* ``mapping``: which rule covers a reference, and its cache URI (``map_reference``);
* ``patterns``: the same mapping as regular expressions (``rewrite_patterns``).
"""

from __future__ import annotations

from .images import (
    REPOSITORY_RE,
    TAG_RE,
    ImageRef,
    Platform,
    best_prefix,
    cache_reference,
    cache_repository,
    docker_hub_path,
    image_uri,
    official_image,
    parse_image,
    parse_platform,
    repository_pattern,
)
from .mapping import (
    ECR_REPOSITORY_MAX,
    CacheMapping,
    CacheRule,
    CannotHold,
    in_cache,
    map_reference,
    mapping_order,
    reference_hosts,
    rule_repository,
)
from .patterns import RewritePattern, rewrite_patterns
from .references import DIGEST_RE, DOMAIN_RE, PATH_MAX, InvalidReference, Reference, parse_reference
from .upstreams import (
    ALIASES,
    DOCKER_HUB_DOMAIN,
    DOCKER_HUB_HOSTS,
    UPSTREAMS,
    Auth,
    UpstreamInfo,
    suggest_upstream,
)

__all__ = [
    "ALIASES",
    "DIGEST_RE",
    "DOCKER_HUB_DOMAIN",
    "DOCKER_HUB_HOSTS",
    "DOMAIN_RE",
    "ECR_REPOSITORY_MAX",
    "PATH_MAX",
    "REPOSITORY_RE",
    "TAG_RE",
    "UPSTREAMS",
    "Auth",
    "CacheMapping",
    "CacheRule",
    "CannotHold",
    "ImageRef",
    "InvalidReference",
    "Platform",
    "Reference",
    "RewritePattern",
    "UpstreamInfo",
    "best_prefix",
    "cache_reference",
    "cache_repository",
    "docker_hub_path",
    "image_uri",
    "in_cache",
    "map_reference",
    "mapping_order",
    "official_image",
    "parse_image",
    "parse_platform",
    "parse_reference",
    "reference_hosts",
    "repository_pattern",
    "rewrite_patterns",
    "rule_repository",
    "suggest_upstream",
]
