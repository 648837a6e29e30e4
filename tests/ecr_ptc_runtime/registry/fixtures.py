"""Real registries for the tests: Debian's docker-registry (distribution 2.8) as upstream and as a
pull-through cache (proxy mode), optional htpasswd auth, and a fault-injecting HTTP proxy.

Fixtures live here so that other test folders can import them (see tests/ecr_ptc_runtime/conftest.py)."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator, Optional

import pytest

from .faults import FaultProxy
from .seed import SeededImage, seed_image


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def registry_binary() -> str:
    path = shutil.which("docker-registry")
    if not path:
        message = "Debian's docker-registry is not installed (apt-get install docker-registry)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


class Registry:
    """A docker-registry process on a free loopback port, storage under ``root``."""

    def __init__(self, root: Path, proxy_of: Optional[str] = None, htpasswd: Optional[Path] = None) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        root.mkdir(parents=True, exist_ok=True)
        lines = [
            "version: 0.1",
            "log: {level: error}",
            "storage:",
            f"  filesystem: {{rootdirectory: {root / 'data'}}}",
            "  delete: {enabled: true}",
            f"http: {{addr: '127.0.0.1:{self.port}', debug: {{addr: '127.0.0.1:{free_port()}'}}}}",
        ]
        if proxy_of:
            lines.append(f"proxy: {{remoteurl: '{proxy_of}'}}")
        if htpasswd:
            lines.append(f"auth: {{htpasswd: {{realm: test, path: '{htpasswd}'}}}}")
        self.config = root / "config.yml"
        self.config.write_text("\n".join(lines) + "\n")
        self.proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 15.0) -> "Registry":
        self.log = open(self.root / "registry.log", "wb")
        self.proc = subprocess.Popen(
            [registry_binary(), "serve", str(self.config)], stdout=self.log, stderr=subprocess.STDOUT
        )
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"docker-registry exited {self.proc.returncode}: {(self.root / 'registry.log').read_text()[-2000:]}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/v2/")
                status = conn.getresponse().status
                conn.close()
                if status in (200, 401):
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"docker-registry on {self.url} not ready after {timeout}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()

    def stored_blobs(self) -> set[str]:
        """Digests of the blobs in this registry's storage (committed ones only)."""
        base = self.root / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
        return {f"sha256:{p.parent.name}" for p in base.glob("*/*/data")} if base.exists() else set()

    def wait_for_blobs(self, digests, timeout: float = 10.0) -> set[str]:
        """Wait until every digest is stored; returns those still missing at the timeout.

        distribution 2.8's proxy stores a blob with a background fetch of its own while it
        serves the client, so a blob can be served before it is stored.
        """
        wanted, end = set(digests), time.monotonic() + timeout
        while True:
            missing = wanted - self.stored_blobs()
            if not missing or time.monotonic() > end:
                return missing
            time.sleep(0.05)

    def get(self, path: str, headers: Optional[dict] = None) -> tuple[int, bytes, dict]:
        """A plain GET (for assertions): status, body, headers."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read(), dict(resp.getheaders())
        finally:
            conn.close()


@pytest.fixture
def start_registry(tmp_path) -> Iterator:
    """Factory: ``start_registry(name, proxy_of=None, htpasswd=None)``; every one is stopped at teardown."""
    started: list[Registry] = []

    def start(name: str, **kwargs) -> Registry:
        registry = Registry(tmp_path / name, **kwargs)
        started.append(registry)
        return registry.start()

    yield start
    for registry in reversed(started):
        registry.stop()


@pytest.fixture
def upstream(start_registry) -> Registry:
    return start_registry("upstream")


@pytest.fixture
def cache(start_registry, upstream) -> Registry:
    return start_registry("cache", proxy_of=upstream.url)


@pytest.fixture
def seeded(upstream) -> SeededImage:
    """``cache/app:v1`` on the upstream: OCI index, linux/amd64 + linux/arm64, 3 own layers each + 1 shared."""
    return seed_image(upstream.url, "cache/app", "v1", seed=7)


@pytest.fixture
def htpasswd_file(tmp_path) -> Iterator:
    """Factory: an htpasswd file (bcrypt) for one user."""
    binary = shutil.which("htpasswd")
    if not binary:
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)("htpasswd (apache2-utils) is not installed")

    def make(user: str, password: str) -> Path:
        out = subprocess.run([binary, "-Bbn", user, password], check=True, capture_output=True, text=True).stdout
        path = tmp_path / f"htpasswd-{user}"
        path.write_text(out)
        return path

    yield make


@pytest.fixture
def fault_proxy() -> Iterator:
    """Factory: ``fault_proxy(target_url)`` -> a started FaultProxy; all are stopped at teardown."""
    proxies: list[FaultProxy] = []

    def make(target: str) -> FaultProxy:
        proxy = FaultProxy(target)
        proxies.append(proxy)
        return proxy.start()

    yield make
    for proxy in proxies:
        proxy.stop()
