"""The access log line and the request log entry, written once per request.

The request log keeps the last requests the mock answered, for tests and the control API
(`GET /__mock/requests`). It holds no secrets: method, path, status, tenant, the caller's
subject, what was injected. Entries are stored as tuples and turned into dicts only when
read, since a log is written far more often than it is read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

access_log = logging.getLogger("mockserver.access")
MAX_ENTRIES = 1000
FIELDS = (
    "time",
    "method",
    "path",
    "query",
    "status",
    "tenant",
    "subject",
    "request_id",
    "injected",
    "duration_ms",
)


class RequestLog:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self._entries: deque[tuple[Any, ...]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, *entry: Any) -> None:
        """Add one entry: the values of FIELDS after `time`, in that order."""
        with self._lock:
            self._entries.append((time.time(), *entry))

    def latest(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._entries)[-limit:] if limit else []
        return [_as_dict(entry) for entry in entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _as_dict(entry: tuple[Any, ...]) -> dict[str, Any]:
    view = dict(zip(FIELDS, entry, strict=True))
    view["time"] = round(view["time"], 3)
    view["query"] = view["query"].decode("latin-1")
    view["duration_ms"] = round(view["duration_ms"], 1)
    return view


def log_request(
    req: Any, ctx: Any, log: RequestLog, status: int | None, injected: str | None, request_id: str
) -> None:
    """Write the access line (when INFO is on) and the request log entry (API calls)."""
    elapsed_ms = (time.perf_counter() - ctx.get("started", time.perf_counter())) * 1000
    tenant = ctx.get("tenant") or req.headers.get("tenant") or None
    subject = ctx.get("subject")
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "%s %s %s %s %.1fms tenant=%s subject=%s request_id=%s%s",
            req.remote_addr,
            req.method,
            req.path,
            status or "dropped",
            elapsed_ms,
            tenant or "-",
            subject or "-",
            request_id,
            f" injected={injected}" if injected else "",
        )
    if not req.path.startswith("/__mock"):
        log.record(
            req.method,
            req.path,
            req.query_string,
            status,
            tenant,
            subject,
            request_id,
            injected,
            elapsed_ms,
        )
