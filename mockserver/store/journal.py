"""The append-only journal: one JSON line per write, written and fsynced in groups.

Why: rewriting the whole TinyDB file per request costs O(n). Appending one line and
fsyncing it costs O(1), and many concurrent writers share one write and one fsync (group
commit), so a write is acknowledged only once it is on disk without paying a system
call and a disk flush each. Lines wait in memory, in write order, until a writer's
`commit` flushes everything pending; nobody is told "done" before that.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` survive a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_entries(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the entries of a journal file; a torn last line (a crash mid-append) is skipped.

    A torn line can only be the last one and was never acknowledged, because a write is
    acknowledged after its fsync. A bad line anywhere else means the file was damaged.
    """
    if not path.exists():
        return
    with path.open("rb") as handle:
        lines = handle.read().split(b"\n")
    # The text after the final newline is empty, or a torn append: never read.
    for number, line in enumerate(lines[:-1], start=1):
        try:
            entry = json.loads(line)
        except ValueError:
            raise ConfigError(
                f"{path}: line {number} is not valid JSON; the journal is damaged "
                "(move it away to start without it, or start with --fresh)"
            ) from None
        if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
            raise ConfigError(f"{path}: line {number} is not a journal entry")
        yield entry


class Journal:
    """An open journal file that writers append to under the store's lock."""

    def __init__(self, path: Path, durable: bool = True) -> None:
        self.path = path
        self.durable = durable
        self._sync_lock = threading.Lock()  # one flush at a time; held across the fsync
        self._buffer_lock = threading.Lock()  # guards the pending lines and the tickets
        self._pending: list[bytes] = []
        self._fd = self._open()
        self._written = 0  # appends so far (tickets)
        self._synced = 0  # appends known to be in the file (and on disk when durable)
        self.lines = 0  # lines in the current file, for the compaction trigger

    def _open(self) -> int:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        fsync_dir(self.path.parent)
        return fd

    def append(self, line: bytes) -> int:
        """Queue one encoded entry line; return the ticket for `commit`. Call under the
        store lock, so that the journal's order is the order of the writes."""
        with self._buffer_lock:
            self._pending.append(line)
            self._written += 1
            self.lines += 1
            return self._written

    def commit(self, ticket: int) -> None:
        """Return once the append with this ticket is in the file and, when durable, on
        disk; one write and one fsync serve every append pending at that moment."""
        if self._synced >= ticket:
            return  # a flush that finished after this append already covered it
        with self._sync_lock:
            if self._synced >= ticket:
                return  # another writer's flush covered this append while we waited
            self._synced = self._flush()

    def _flush(self) -> int:
        """Write every pending line (and fsync when durable); return the tickets covered.
        Call under the sync lock."""
        with self._buffer_lock:
            lines, self._pending = self._pending, []
            target = self._written
        view = memoryview(b"".join(lines))
        while view:
            view = view[os.write(self._fd, view) :]
        if self.durable:
            os.fdatasync(self._fd)
        return target

    def rotate(self, old: Path) -> None:
        """Move the current file to `old` and start an empty one. Call under the store lock."""
        with self._sync_lock:
            self._flush()
            os.fsync(self._fd)
            os.close(self._fd)
            os.replace(self.path, old)
            self._fd = self._open()
            self._synced = self._written
            self.lines = 0

    def close(self) -> None:
        with self._sync_lock:
            if self._fd >= 0:
                self._synced = self._flush()
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1
