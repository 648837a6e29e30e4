"""Push generated images to a registry through its HTTP API (no Docker): blobs, manifests, OCI indexes.

Layers are produced by a seeded generator and uploaded in chunks (POST, PATCH..., PUT ?digest=),
so a layer of any size is never held in memory.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import urllib.parse
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
CHUNK = 1 << 20


def random_chunks(size: int, seed: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """``size`` pseudo-random bytes from ``seed``, in chunks of at most ``chunk``."""
    rng = random.Random(seed)
    left = size
    while left > 0:
        n = min(chunk, left)
        yield rng.randbytes(n)
        left -= n


def _conn(base_url: str) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(base_url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)


def _call(
    base_url: str,
    method: str,
    path: str,
    body=None,
    headers: Optional[dict] = None,
    expect: Iterable[int] = (200, 201, 202, 204),
) -> http.client.HTTPResponse:
    conn = _conn(base_url)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status not in expect:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:300]!r}")
        resp.data = data
        return resp
    finally:
        conn.close()


def push_blob(base_url: str, repository: str, chunks: Iterable[bytes]) -> tuple[str, int]:
    """Upload a blob streamed from ``chunks``; returns (digest, size)."""
    location = _call(base_url, "POST", f"/v2/{repository}/blobs/uploads/").getheader("Location")
    h, size = hashlib.sha256(), 0
    for chunk in chunks:
        h.update(chunk)
        path = urllib.parse.urlsplit(urllib.parse.urljoin(base_url, location))
        resp = _call(
            base_url,
            "PATCH",
            path.path + (f"?{path.query}" if path.query else ""),
            body=chunk,
            headers={"Content-Type": "application/octet-stream", "Content-Range": f"{size}-{size + len(chunk) - 1}"},
        )
        location = resp.getheader("Location")
        size += len(chunk)
    digest = "sha256:" + h.hexdigest()
    path = urllib.parse.urlsplit(urllib.parse.urljoin(base_url, location))
    query = (path.query + "&" if path.query else "") + urllib.parse.urlencode({"digest": digest})
    _call(base_url, "PUT", f"{path.path}?{query}", body=b"", headers={"Content-Length": "0"})
    return digest, size


def push_manifest(
    base_url: str, repository: str, reference: Optional[str], manifest: dict, media_type: str
) -> tuple[str, int]:
    """PUT a manifest under a tag, or by its own digest when ``reference`` is None."""
    body = json.dumps(manifest, separators=(",", ":")).encode()
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    _call(
        base_url,
        "PUT",
        f"/v2/{repository}/manifests/{reference or digest}",
        body=body,
        headers={"Content-Type": media_type},
    )
    return digest, len(body)


@dataclass
class SeededPlatform:
    platform: str  # os/arch
    manifest: str  # digest
    config: str
    layers: list[str]
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def blobs(self) -> list[str]:
        return [self.config, *self.layers]


@dataclass
class SeededImage:
    repository: str
    tag: str
    index: str  # digest of the tag's index
    platforms: dict[str, SeededPlatform]

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}"

    def blobs_only_in(self, platform: str) -> set[str]:
        others = {b for p, sp in self.platforms.items() if p != platform for b in sp.blobs}
        return set(self.platforms[platform].blobs) - others


def seed_image(
    base_url: str,
    repository: str,
    tag: str = "v1",
    platforms: Iterable[str] = ("linux/amd64", "linux/arm64"),
    layers: int = 3,
    layer_size: int = 4096,
    shared_layer: bool = True,
    seed: int = 1,
) -> SeededImage:
    """An OCI index with one image per platform, each with ``layers`` random layers (plus one layer
    shared by all platforms when ``shared_layer``) and its own config."""
    shared = push_blob(base_url, repository, random_chunks(layer_size, seed * 1000)) if shared_layer else None
    result: dict[str, SeededPlatform] = {}
    descriptors = []
    for i, platform in enumerate(platforms):
        os_, arch = platform.split("/")[:2]
        pushed = [
            push_blob(base_url, repository, random_chunks(layer_size, seed * 1000 + 10 * (i + 1) + j))
            for j in range(layers)
        ]
        if shared:
            pushed.insert(0, shared)
        config = json.dumps(
            {
                "architecture": arch,
                "os": os_,
                "rootfs": {"type": "layers", "diff_ids": [d for d, _ in pushed]},
                "seed": [seed, i],
            }
        ).encode()
        config_digest, config_size = push_blob(base_url, repository, [config])
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_size},
            "layers": [{"mediaType": OCI_LAYER, "digest": d, "size": s} for d, s in pushed],
        }
        digest, size = push_manifest(base_url, repository, None, manifest, OCI_MANIFEST)
        descriptors.append(
            {"mediaType": OCI_MANIFEST, "digest": digest, "size": size, "platform": {"os": os_, "architecture": arch}}
        )
        sizes = {d: s for d, s in pushed}
        sizes[config_digest] = config_size
        result[platform] = SeededPlatform(platform, digest, config_digest, [d for d, _ in pushed], sizes)
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descriptors}
    index_digest, _ = push_manifest(base_url, repository, tag, index, OCI_INDEX)
    return SeededImage(repository, tag, index_digest, result)
