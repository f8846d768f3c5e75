"""The request log: the last requests the mock answered, for tests and the control API.

Holds no secrets: method, path, status, tenant, the caller's subject, what was injected.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

MAX_ENTRIES = 1000


class RequestLog:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, **entry: Any) -> None:
        entry["time"] = round(time.time(), 3)
        with self._lock:
            self._entries.append(entry)

    def latest(self, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)[-limit:] if limit else []

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
