"""One JSON object per log line; registered secrets never leave this process in a log."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from typing import Optional, TextIO

_lock = threading.Lock()
_write_lock = threading.Lock()  # one line at a time on the stream
_secrets: set[str] = set()
_stream: Optional[TextIO] = None  # None: sys.stdout at the time of the call
_enabled = True


def configure(stream: Optional[TextIO] = None, enabled: bool = True) -> tuple[Optional[TextIO], bool]:
    """Send log lines to ``stream`` (default stdout, which Lambda ships to CloudWatch) or nowhere.
    Returns the previous (stream, enabled) so a caller can put it back."""
    global _stream, _enabled
    previous = (_stream, _enabled)
    _stream, _enabled = stream, enabled
    return previous


def register_secret(value: str | None) -> None:
    """Every later log line, exception message and output passed through :func:`redact` hides ``value``."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def log(event: str, level: int = logging.INFO, **fields) -> None:
    """Log ``{"event": ..., **fields}`` as a single JSON line (redacted)."""
    record = {"time": round(time.time(), 3), "level": logging.getLevelName(level), "event": event}
    record.update(fields)
    if not _enabled:
        return
    write_line(redact(json.dumps(record, default=str)), _stream)


def write_line(line: str, stream: Optional[TextIO] = None) -> None:
    """``line`` and its newline in one write, under a lock: print() writes them apart, and two threads of one
    invocation (concurrent fills, warm workers) would otherwise join two JSON documents on one line, which
    CloudWatch Logs can then parse as neither a log record nor an EMF document."""
    out = stream or sys.stdout
    with _write_lock:
        out.write(line + "\n")
        out.flush()
