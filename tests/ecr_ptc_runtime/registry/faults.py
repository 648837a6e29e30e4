"""A small threaded HTTP proxy on 127.0.0.1 that forwards to a registry and injects faults.

``proxy.inject(action, match="/blobs/", times=1, **options)`` queues a fault for the next
requests whose path contains ``match``. Actions: ``status`` (answer ``code`` with
``headers``, e.g. 429 + Retry-After, 500, 503), ``reset`` (abort the connection with a TCP
RST), ``stall`` (say nothing for ``seconds``, then drop the connection). ``latency`` delays
every forwarded request, as a registry across the internet would.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Optional

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
}


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up (a reset, a timed-out retry) is routine here, not news.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


@dataclass
class Fault:
    action: str
    match: str
    times: int
    options: dict = field(default_factory=dict)


class FaultProxy:
    def __init__(self, target: str, latency: float = 0.0) -> None:
        self.latency = latency  # seconds added to every forwarded request: a distant registry
        parts = urllib.parse.urlsplit(target)
        self.target_host, self.target_port = parts.hostname, parts.port
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, object]] = []  # (method, path, status or fault)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.bearer: Optional[tuple[str, str, str]] = None  # (username, password, token)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                proxy._handle(self)

            do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FaultProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def require_bearer(self, username: str, password: str, token: str) -> None:
        """Demand ``Bearer token`` on /v2/ requests; /token hands it out for basic ``username:password``."""
        self.bearer = (username, password, token)

    def _bearer_gate(self, h) -> bool:
        """Answer the token endpoint or a 401 challenge; True when the request was answered here."""
        username, password, token = self.bearer
        if h.path.startswith("/token"):
            ok = (
                h.headers.get("Authorization")
                == "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
            )
            self._reply(h, 200 if ok else 401, json.dumps({"token": token}).encode() if ok else b"{}")
            return True
        if h.headers.get("Authorization") == f"Bearer {token}":
            return False
        self._reply(
            h,
            401,
            b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
            {"WWW-Authenticate": f'Bearer realm="{self.url}/token",service="faults"'},
        )
        return True

    def _reply(self, h, code: int, payload: bytes, headers: Optional[dict] = None) -> None:
        h.send_response(code)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

    def inject(self, action: str, match: str = "", times: int = 1, **options) -> None:
        with self._lock:
            self.faults.append(Fault(action, match, times, options))

    def _take(self, path: str):
        with self._lock:
            for fault in self.faults:
                if fault.times and fault.match in path:
                    fault.times -= 1
                    return fault
        return None

    def count(self, what) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r[2] == what)

    def _handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        fault = self._take(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        if fault:
            with self._lock:
                self.requests.append((h.command, h.path, fault.action))
        if self.bearer and self._bearer_gate(h):
            return
        if fault and fault.action == "status":
            payload = fault.options.get("body", b'{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}')
            self._reply(h, fault.options["code"], payload, fault.options.get("headers"))
            return
        if fault and fault.action == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.close_connection = True
            h.connection.close()
            return
        if fault and fault.action == "stall":
            self._stop.wait(fault.options.get("seconds", 30))
            h.close_connection = True
            return
        self._forward(h, body)

    def _forward(self, h, body) -> None:
        if self.latency:
            time.sleep(self.latency)
        conn = http.client.HTTPConnection(self.target_host, self.target_port, timeout=30)
        try:
            headers: dict[str, str] = {}
            for key, value in h.headers.items():  # repeated headers (Accept) are one list
                if key.lower() not in HOP_BY_HOP:
                    headers[key] = f"{headers[key]}, {value}" if key in headers else value
            conn.request(h.command, h.path, body=body, headers=headers)
            resp = conn.getresponse()
            with self._lock:  # recorded before the client can see the answer
                self.requests.append((h.command, h.path, resp.status))
            h.send_response(resp.status)
            chunked = resp.getheader("Content-Length") is None and h.command != "HEAD"
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    h.send_header(k, v)
            if chunked:
                h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            while h.command != "HEAD":
                data = resp.read(1 << 16)
                if chunked:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                elif data:
                    h.wfile.write(data)
                if not data:
                    break
        except OSError:
            h.close_connection = True
        finally:
            conn.close()
