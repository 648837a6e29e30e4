"""Scheduled re-warm cost: ``ecr_ptc_runtime.handler.scheduled_handler`` over 200 two-platform images against a
stub ECR registry whose every request takes a realistic time, in a child process (wall time and its own peak
memory, as the Lambda function's duration and memory use), and what that costs a month on Lambda.

The stub answers as ECR does for a cached image: the tag's OCI index, each platform's manifest (by digest, the
bytes matching it), and a 307 redirect for every blob (the runtime touches blobs without following). ``DescribeImages``
is a stub with the same latency. Prints medians; never a pass/fail test.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
IMAGES = 200
PLATFORMS = ("linux/amd64", "linux/arm64")
LAYERS = 4  # per platform, plus its config: 10 blobs an image, 13 requests with the manifests
# One HTTPS request from a Lambda function to the registry endpoint of its own Region: a new TLS connection
# per request (the runtime opens one each time) plus ECR's answer. 50 ms is our estimate, not a measurement.
LATENCY = float(os.environ.get("BENCH_ECR_LATENCY_MS", "50")) / 1000
# What the deployed function is given (ecr_ptc.warming.scheduled: RUN_MEMORY_MB, RUN_TIMEOUT; not imported
# here, as that would start the CDK's jsii runtime), and list prices (AWS Lambda pricing, us-east-1, arm64).
MEMORY_MB, TIMEOUT_S = 256, 900
PRICE_GB_SECOND, PRICE_REQUEST = 0.0000133334, 0.20 / 1_000_000
RUNS_A_MONTH = 730 / 12  # rate(12 hours), the schedule the README suggests: 730 hours a month
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def catalog() -> dict[str, tuple[bytes, str]]:
    """path -> (body, media type) of every manifest the stub serves; digests match the bytes."""
    out: dict[str, tuple[bytes, str]] = {}
    for i in range(IMAGES):
        repository = f"cache/app{i:03d}"
        entries = []
        for platform in PLATFORMS:
            os_name, arch = platform.split("/")
            blobs = [digest(f"{repository}/{platform}/{n}".encode()) for n in range(LAYERS + 1)]
            manifest = json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blobs[0], "size": 1},
                    "layers": [
                        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": b, "size": 1}
                        for b in blobs[1:]
                    ],
                }
            ).encode()
            out[f"/v2/{repository}/manifests/{digest(manifest)}"] = (manifest, OCI_MANIFEST)
            entries.append(
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": digest(manifest),
                    "size": len(manifest),
                    "platform": {"os": os_name, "architecture": arch},
                }
            )
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
        out[f"/v2/{repository}/manifests/v1"] = (index, OCI_INDEX)
    return out


def stub_registry(manifests: dict[str, tuple[bytes, str]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            time.sleep(LATENCY)
            if self.path in manifests:
                body, media_type = manifests[self.path]
                self.send_response(200)
                self.send_header("Content-Type", media_type)
                self.send_header("Docker-Content-Digest", digest(body))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif "/blobs/" in self.path:
                self.send_response(307)
                self.send_header("Location", "https://layers.example.invalid" + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_response(404 if self.path != "/v2/" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


CHILD = """
import base64, datetime, json, os, sys, time
import boto3  # as on Lambda, where the runtime's ECR client is boto3's
from ecr_ptc_runtime import handler, logs

url, latency, result = sys.argv[1], float(sys.argv[2]), sys.argv[3]
boto3.client("ecr", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")

class StubEcr:
    def get_authorization_token(self):
        time.sleep(latency)
        token = base64.b64encode(b"AWS:bench-password").decode()
        return {"authorizationData": [{"authorizationToken": token, "proxyEndpoint": url}]}

    def describe_images(self, repositoryName, imageIds):
        time.sleep(latency)
        return {"imageDetails": [{"imageDigest": "sha256:" + "0" * 64, "imageStatus": "ACTIVE"}]}

class Context:
    def __init__(self):
        self.end = time.monotonic() + %(timeout)d

    def get_remaining_time_in_millis(self):
        return int((self.end - time.monotonic()) * 1000)

handler.ecr_client = lambda: StubEcr()
logs.configure(open(os.devnull, "w"))
event = {"cache": "bench", "images": ["cache/app%%03d:v1" %% i for i in range(%(images)d)], "prefixes": ["cache"]}
summary = handler.scheduled_handler(event, Context())
with open(result, "w") as out:
    json.dump({k: summary[k] for k in ("warmed", "failed", "seconds")} | {"moved": len(summary["moved"])}, out)
""" % {"timeout": TIMEOUT_S, "images": IMAGES}


def run_once(url: str, tmp: Path) -> tuple[float, float, dict]:
    """(wall seconds, peak RSS in MB of the child alone, its summary)."""
    result = tmp / "summary.json"
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:  # the EMF lines go to stdout, as on Lambda
        proc = subprocess.Popen([sys.executable, "-c", CHILD, url, str(LATENCY), str(result)], cwd=ROOT, stdout=devnull)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"the scheduled run exited {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024, json.loads(result.read_text())


def main() -> None:
    server = stub_registry(catalog())
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-rewarm-") as tmp:
            runs = [run_once(url, Path(tmp)) for _ in range(RUNS)]
    finally:
        server.shutdown()
    summary = runs[-1][2]
    if summary["warmed"] != IMAGES:
        print(f"scheduled re-warm bench: only {summary['warmed']} of {IMAGES} images warmed ({summary})")
        return
    seconds = statistics.median(r[0] for r in runs)
    peak = max(r[1] for r in runs)
    billed_seconds = statistics.median(r[2]["seconds"] for r in runs)  # the handler's own time, as Lambda bills
    monthly = RUNS_A_MONTH * (billed_seconds * MEMORY_MB / 1024 * PRICE_GB_SECOND + PRICE_REQUEST)
    print(
        f"scheduled re-warm of {IMAGES} two-platform images (stub ECR registry, {LATENCY * 1000:.0f} ms a request, "
        f"{summary['moved']} moved tags reported): {billed_seconds:.1f} s in the handler ({seconds:.1f} s with "
        f"interpreter start), peak {peak:.0f} MB (the function has {MEMORY_MB} MB, {TIMEOUT_S} s); "
        f"${monthly:.3f} a month at rate(12 hours) (Lambda arm64, us-east-1 list price), median of {RUNS}"
    )


if __name__ == "__main__":
    main()
