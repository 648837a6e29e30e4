"""A small OCI distribution (registry v2) HTTP client: basic and bearer auth, retries within a deadline.

Deadlines are absolute ``time.monotonic()`` values. Nothing here logs or raises a credential.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import random
import re
import socket
import ssl
import threading
import time
import urllib.parse
from typing import Callable, NamedTuple, Optional, TypeVar

from . import errors
from .logs import log, register_secret

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)

CHUNK = 1 << 20
MAX_MANIFEST = 8 << 20
MAX_ERROR_BODY = 64 << 10
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}")
T = TypeVar("T")


class Credentials(NamedTuple):
    username: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"Credentials(username={self.username!r}, password='***')"

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


class Manifest(NamedTuple):
    body: bytes
    media_type: str
    digest: str

    def json(self) -> dict:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise errors.BadContent(f"manifest {self.digest} is not JSON: {exc}") from None


class _Retry(Exception):
    """Internal: a transient failure; ``error`` is what to raise when no retry fits the deadline."""

    def __init__(self, error: errors.WarmError, retry_after: Optional[float] = None) -> None:
        self.error, self.retry_after = error, retry_after


def check_url(url: str) -> str:
    """A registry base URL: https, or plain http on a loopback host only. Returns it without a trailing /."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"registry URL {url!r} must look like https://host[:port]")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise ValueError(f"registry URL {url!r}: plain http is allowed only for loopback hosts; use https")
    return url.rstrip("/")


def parse_challenge(header: str) -> tuple[str, dict]:
    """``Bearer realm="...",service="..."`` -> ("bearer", {"realm": ..., ...})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {k.lower(): v for k, v in re.findall(r'(\w+)="([^"]*)"', rest)}
    return scheme.lower(), params


def _error_text(body: bytes) -> tuple[str, str]:
    """(codes, messages) of a registry error body, or ("", raw text)."""
    try:
        errs = json.loads(body).get("errors") or []
        return (",".join(str(e.get("code", "")) for e in errs), "; ".join(str(e.get("message", "")) for e in errs))
    except (ValueError, AttributeError):
        return "", body[:300].decode("utf-8", "replace").strip()


class RegistryClient:
    """One registry. Thread-safe: every request uses its own connection."""

    def __init__(
        self,
        base_url: str,
        credentials: Optional[Credentials] = None,
        *,
        preemptive_basic: bool = False,
        timeout: float = 30.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 10.0,
        upstream_hint: Optional[str] = None,
        max_attempts: int = 8,
        user_agent: str = "ecr-ptc-cache-warmer",
    ) -> None:
        self.base_url = check_url(base_url)
        self.credentials = credentials
        if credentials:
            register_secret(credentials.password)
            register_secret(base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode())
        self.timeout = timeout
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.max_attempts = max_attempts  # with the default backoff: about 30 s of retries at most
        self.upstream_hint = upstream_hint
        self.user_agent = user_agent
        self._lock = threading.Lock()
        self._basic = bool(credentials and preemptive_basic)
        self._bearer: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"RegistryClient({self.base_url!r})"

    # -- public operations -------------------------------------------------------------
    def get_manifest(self, repository: str, reference: str, deadline: float) -> Manifest:
        """GET a manifest by tag or digest; verifies the bytes when ``reference`` is a digest."""

        def read(resp: http.client.HTTPResponse) -> Manifest:
            body = resp.read(MAX_MANIFEST + 1)
            if len(body) > MAX_MANIFEST:
                raise errors.BadContent(f"manifest {repository}:{reference} is larger than {MAX_MANIFEST} bytes")
            computed = "sha256:" + hashlib.sha256(body).hexdigest()
            if reference.startswith("sha256:") and computed != reference:
                raise errors.BadContent(f"manifest {repository}@{reference} has digest {computed}")
            digest = resp.getheader("Docker-Content-Digest") or computed
            media_type = (resp.getheader("Content-Type") or "").split(";")[0].strip()
            return Manifest(body, media_type, digest)

        return self._request(
            "GET",
            f"/v2/{repository}/manifests/{reference}",
            repository,
            deadline,
            read,
            headers={"Accept": MANIFEST_ACCEPT},
            what=f"{repository}:{reference}",
        )

    def touch_blob(self, repository: str, digest: str, deadline: float) -> int:
        """GET a blob without following a redirect and without reading its body (ECR mode). Returns 0."""
        return self._request(
            "GET",
            f"/v2/{repository}/blobs/{digest}",
            repository,
            deadline,
            lambda resp: 0,
            what=f"blob {digest} of {repository}",
        )

    def read_blob(self, repository: str, digest: str, size: Optional[int], deadline: float, chunk: int = CHUNK) -> int:
        """GET a blob, following redirects, streaming it to the end in chunks; verifies digest and size."""
        if not _DIGEST_RE.fullmatch(digest):
            raise errors.BadContent(f"unsupported blob digest {digest!r} (only sha256)")

        def stream(resp: http.client.HTTPResponse) -> int:
            h, n, buf = hashlib.sha256(), 0, bytearray(chunk)
            view = memoryview(buf)
            while True:
                got = resp.readinto(view)
                if not got:
                    break
                h.update(view[:got])
                n += got
            if size is not None and n != size:
                raise _Retry(errors.BadContent(f"blob {digest} of {repository}: read {n} bytes, expected {size}"))
            if "sha256:" + h.hexdigest() != digest:
                raise errors.BadContent(f"blob {digest} of {repository}: content has digest sha256:{h.hexdigest()}")
            return n

        return self._request(
            "GET",
            f"/v2/{repository}/blobs/{digest}",
            repository,
            deadline,
            stream,
            follow_redirects=True,
            what=f"blob {digest} of {repository}",
        )

    # -- machinery ---------------------------------------------------------------------
    def _connect(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""  # check_url and the redirect target's own URL give one
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(host, parts.port, timeout=timeout, context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(host, parts.port, timeout=timeout)
        path = parts.path or "/"
        return conn, path + (f"?{parts.query}" if parts.query else "")

    def _auth_header(self, repository: str) -> Optional[str]:
        with self._lock:
            if repository in self._bearer:
                return "Bearer " + self._bearer[repository]
            if self._basic and self.credentials:
                return self.credentials.basic()
        return None

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_cap, self.backoff_base * (2**attempt)) * random.uniform(0.5, 1.0)

    def _request(
        self,
        method: str,
        path: str,
        repository: str,
        deadline: float,
        on_ok: Callable[[http.client.HTTPResponse], T],
        *,
        headers: Optional[dict] = None,
        follow_redirects: bool = False,
        what: str = "",
    ) -> T:
        attempt, authed = 0, False
        url = self.base_url + path
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.DeadlineExceeded(f"{what}: deadline passed before the request to {self.base_url}")
            try:
                return self._once(
                    method,
                    url,
                    repository,
                    min(self.timeout, remaining),
                    on_ok,
                    dict(headers or {}),
                    follow_redirects,
                    what,
                    deadline,
                )
            except _NeedAuth:
                if authed:
                    raise self._rejected(what) from None
                authed = True
                continue
            except _Retry as exc:
                err, retry_after = exc.error, exc.retry_after
            except (OSError, http.client.HTTPException) as exc:  # resets, refused, timeouts, truncation
                kind = (
                    "timed out"
                    if isinstance(exc, (socket.timeout, TimeoutError))
                    else f"failed: {type(exc).__name__} {exc}"
                )
                err, retry_after = errors.RegistryUnavailable(f"{what}: request to {self.base_url} {kind}"), None
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            attempt += 1
            if attempt >= self.max_attempts:  # a registry that is down stays down: say so soon
                raise type(err)(f"{err} (gave up after {attempt} attempts)")
            if time.monotonic() + delay >= deadline:
                raise type(err)(f"{err} (gave up after {attempt} attempt(s): retrying would pass the deadline)")
            log("retry", what=what, attempt=attempt, delay=round(delay, 2), error=str(err))
            time.sleep(delay)

    def _once(self, method, url, repository, timeout, on_ok, headers, follow_redirects, what, deadline):
        headers.setdefault("User-Agent", self.user_agent)
        auth = self._auth_header(repository)
        same_host = urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(self.base_url).netloc
        for _hop in range(6):
            conn, target = self._connect(url, timeout)
            try:
                req_headers = dict(headers)
                if auth and same_host:
                    req_headers["Authorization"] = auth
                conn.request(method, target, headers=req_headers)
                resp = conn.getresponse()
                status = resp.status
                if 300 <= status < 400 and follow_redirects and resp.getheader("Location"):
                    url = urllib.parse.urljoin(url, resp.getheader("Location"))
                    same_host = urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(self.base_url).netloc
                    continue
                if status < 400:
                    return on_ok(resp)
                body = resp.read(MAX_ERROR_BODY) if method != "HEAD" else b""
                if status == 401:
                    self._on_unauthorized(resp.getheader("WWW-Authenticate") or "", repository, body, what, deadline)
                    raise _NeedAuth()
                raise self._classify(status, resp, body, what)
            finally:
                conn.close()
        raise errors.RegistryUnavailable(f"{what}: too many redirects")

    def _rejected(self, what: str) -> errors.WarmError:
        if self.credentials:
            return errors.CredentialsRejected(
                f"{what}: {self.base_url} rejected the credentials for user {self.credentials.username!r}"
            )
        return errors.CredentialsRejected(
            f"{what}: {self.base_url} requires credentials (pass --username and --password)"
        )

    def _on_unauthorized(self, challenge: str, repository: str, body: bytes, what: str, deadline: float) -> None:
        codes, message = _error_text(body)
        if "upstream" in message.lower():
            raise self._upstream_auth(what, message)
        scheme, params = parse_challenge(challenge)
        if scheme == "basic":
            if not self.credentials or self._basic:
                raise self._rejected(what)
            with self._lock:
                self._basic = True
        elif scheme == "bearer" and params.get("realm"):
            token = self._fetch_token(params, repository, what, deadline)
            with self._lock:
                self._bearer[repository] = token
        else:
            raise self._rejected(what)

    def _fetch_token(self, params: dict, repository: str, what: str, deadline: float) -> str:
        query = {"scope": params.get("scope") or f"repository:{repository}:pull"}
        if params.get("service"):
            query["service"] = params["service"]
        realm = params["realm"]
        url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(query)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "http" and parts.hostname not in LOOPBACK:
            raise errors.CredentialsRejected(f"{what}: refusing plain-http token realm {realm}")
        conn, target = self._connect(url, max(0.1, min(self.timeout, deadline - time.monotonic())))
        try:
            hdrs = {"User-Agent": self.user_agent}
            if self.credentials:
                hdrs["Authorization"] = self.credentials.basic()
            conn.request("GET", target, headers=hdrs)
            resp = conn.getresponse()
            body = resp.read(MAX_ERROR_BODY)
        except (OSError, http.client.HTTPException) as exc:
            raise errors.RegistryUnavailable(f"{what}: token request to {realm} failed: {type(exc).__name__}") from None
        finally:
            conn.close()
        if resp.status in (401, 403):
            raise self._rejected(what)
        if resp.status >= 400:
            raise errors.RegistryUnavailable(f"{what}: token service {realm} answered {resp.status}")
        try:
            data = json.loads(body)
            token = data.get("token") or data.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            raise errors.CredentialsRejected(f"{what}: token service {realm} returned no token")
        register_secret(token)
        return token

    def _upstream_auth(self, what: str, message: str) -> errors.WarmError:
        hint = f" Check {self.upstream_hint}." if self.upstream_hint else ""
        return errors.UpstreamCredentialsRejected(
            f"{what}: the pull-through cache's upstream rejected its credentials ({message}).{hint}"
        )

    def _classify(self, status: int, resp, body: bytes, what: str) -> Exception:
        codes, message = _error_text(body)
        detail = f"{status} {codes} {message}".strip()
        low = message.lower()
        upstream = "upstream" in low
        if upstream and any(w in low for w in ("auth", "denied", "credential", "forbidden", "unauthorized")):
            return self._upstream_auth(what, detail)
        if status == 429 or "TOOMANYREQUESTS" in codes or (upstream and "too many" in low):
            retry_after = resp.getheader("Retry-After")
            delay = float(retry_after) if retry_after and retry_after.strip().isdigit() else None
            who = "the upstream registry" if upstream else self.base_url
            return _Retry(errors.RateLimited(f"{what}: rate limited by {who} ({detail})"), delay)
        if status >= 500:
            return _Retry(errors.RegistryUnavailable(f"{what}: {self.base_url} answered {detail}"))
        if status == 403:
            return errors.AccessDenied(f"{what}: access denied by {self.base_url} ({detail})")
        if status == 404:
            if "NAME_UNKNOWN" in codes or ("repository" in low and ("not exist" in low or "not found" in low)):
                return errors.RepositoryNotFound(f"{what}: repository does not exist ({detail})")
            return errors.ImageNotFound(f"{what}: not found ({detail})")
        return errors.WarmError(f"{what}: {self.base_url} answered {detail}")


class _NeedAuth(Exception):
    """Internal: the challenge was answered; send the request again."""


__all__ = [
    "RegistryClient",
    "Credentials",
    "Manifest",
    "check_url",
    "parse_challenge",
    "MANIFEST_ACCEPT",
    "INDEX_TYPES",
    "OCI_INDEX",
    "DOCKER_LIST",
    "OCI_MANIFEST",
    "DOCKER_MANIFEST",
]
