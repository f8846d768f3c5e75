"""Where log lines go: request threads queue them, one listener thread writes stderr.

Why: writing the access line from the request thread costs a system call under the
handler's lock per request, which under load becomes a lock convoy (creates with INFO on:
2,040 -> 2,320 req/s); and a parent process that stops reading the mock's stderr would
block every request on a full pipe. So records wait in a bounded queue, dropped when it
is full, for one listener thread.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import queue

LOG_QUEUE_SIZE = 10_000  # log records waiting for stderr; more are dropped
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class BoundedQueueHandler(logging.handlers.QueueHandler):
    """Drops a record when the queue is full instead of blocking or growing."""

    def enqueue(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(record)


def log_off_the_request_threads(level: str) -> logging.handlers.QueueListener:
    """Route every log record through the queue to stderr; return the started listener
    (stop it last: it writes what is still queued)."""
    records: queue.Queue[logging.LogRecord] = queue.Queue(maxsize=LOG_QUEUE_SIZE)
    queued = BoundedQueueHandler(records)
    queued.setFormatter(logging.Formatter("%(message)s"))  # the message (+ traceback) only
    stderr = logging.StreamHandler()
    stderr.setFormatter(logging.Formatter(LINE_FORMAT))
    logging.basicConfig(level=level, handlers=[queued])
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    listener = logging.handlers.QueueListener(records, stderr)
    listener.start()
    return listener
