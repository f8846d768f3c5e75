"""Snowflake-style ids: 41 bits of ms since 2020-01-01, 10 bits of worker, 12 of sequence.

Ids travel as decimal strings because JavaScript loses integer precision past 2**53.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

EPOCH_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z
DETERMINISTIC_START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
WORKER_BITS, SEQUENCE_BITS = 10, 12
MAX_WORKER = (1 << WORKER_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
MAX_ID = (1 << 63) - 1
ID_PATTERN = "^[1-9][0-9]{0,18}$"  # an id as a path segment: canonical decimal digits
_ID_TEXT = re.compile(ID_PATTERN)


def parse_id(text: str) -> int | None:
    """Return the id a path segment names, or None when it cannot name one."""
    if not _ID_TEXT.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def compose_id(ms: int, worker_id: int, sequence: int) -> int:
    """The id for `ms` since the epoch, a worker and a sequence number within that ms."""
    return (ms << (WORKER_BITS + SEQUENCE_BITS)) | (worker_id << SEQUENCE_BITS) | sequence


def id_millis(client_id: int) -> int:
    """Return the Unix time in ms embedded in an id."""
    return (client_id >> (WORKER_BITS + SEQUENCE_BITS)) + EPOCH_MS


def iso_millis(unix_ms: int) -> str:
    """Format Unix ms as the API's timestamps: `2026-11-24T10:15:00.123Z`."""
    seconds, millis = divmod(unix_ms, 1000)
    return f"{_iso_second(seconds)}{millis:03d}Z"


@functools.lru_cache(maxsize=64)
def _iso_second(unix_s: int) -> str:
    """The part before the milliseconds; cached, as a busy second formats it many times."""
    return datetime.fromtimestamp(unix_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class VirtualClock:
    """A clock for deterministic mode: starts at 2026-01-01 and moves 1 ms per reading."""

    def __init__(self, start_ms: int = DETERMINISTIC_START_MS) -> None:
        self._next = start_ms

    def __call__(self) -> int:
        now = self._next
        self._next += 1
        return now

    def peek(self) -> int:
        """Return the last time handed out, without moving the clock."""
        return self._next - 1


class SnowflakeGenerator:
    """Hands out unique, increasing ids, also when the clock stalls or moves back."""

    def __init__(self, worker_id: int = 1, deterministic: bool = False) -> None:
        if not 0 <= worker_id <= MAX_WORKER:
            raise ValueError(f"worker id must be 0..{MAX_WORKER}, got {worker_id}")
        self.worker_id = worker_id
        self.deterministic = deterministic
        self._lock = threading.Lock()
        self._clock: Callable[[], int] = wall_clock_ms
        self._last_ms = -1
        self._sequence = 0
        self.restart()

    def restart(self) -> None:
        """Forget every id handed out: deterministic mode then repeats its sequence."""
        with self._lock:
            self._clock = VirtualClock() if self.deterministic else wall_clock_ms
            self._last_ms, self._sequence = -1, 0

    def observe(self, client_id: int) -> None:
        """Never hand out `client_id` or anything below it (ids already stored)."""
        with self._lock:
            ms = client_id >> (WORKER_BITS + SEQUENCE_BITS)
            sequence = client_id & MAX_SEQUENCE
            if (ms, sequence) > (self._last_ms, self._sequence):
                self._last_ms, self._sequence = ms, sequence

    def now_ms(self) -> int:
        """Return the current Unix time in ms (virtual in deterministic mode)."""
        if isinstance(self._clock, VirtualClock):
            return max(self._clock.peek(), DETERMINISTIC_START_MS)
        return wall_clock_ms()

    def next_id(self) -> int:
        with self._lock:
            ms = self._clock() - EPOCH_MS
            if ms > self._last_ms:
                self._last_ms, self._sequence = ms, 0
            elif self._sequence < MAX_SEQUENCE:
                # Same ms, or the clock moved back: stay on the last ms and count up.
                self._sequence += 1
            else:
                # Sequence exhausted: borrow the next ms rather than block the request.
                self._last_ms, self._sequence = self._last_ms + 1, 0
            return compose_id(self._last_ms, self.worker_id, self._sequence)
