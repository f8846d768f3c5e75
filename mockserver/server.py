"""Serving an app with waitress in a background thread, and stopping it cleanly.

`server.close()` alone leaves the loop running while a keep-alive client is connected, so
`stop` closes every channel from inside the loop thread (through waitress's trigger, so no
socket is closed under a running select), then joins the thread and the worker threads.
"""

from __future__ import annotations

import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server


class ServerThread:
    """A waitress server on its own daemon thread; port 0 picks a free port."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 16):
        self._server: Any = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="mockserver",
            clear_untrusted_proxy_headers=True,
            # Flask answers 413 in the envelope; waitress's own plain 413 must never come first.
            max_request_body_size=64 * 1024 * 1024,
        )
        self.host = host
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(target=self._server.run, name="waitress", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run the loop in the calling thread (the CLI); returns after `stop`."""
        self._server.run()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish requests in flight, close the listener and every connection, and wait
        for all threads."""
        # Worker threads first: one still finishing a request would otherwise wake the
        # loop through a pipe already closed, whose number may belong to a new file by then.
        self._server.task_dispatcher.shutdown(cancel_pending=False, timeout=timeout)
        done = threading.Event()

        def close_everything() -> None:
            wasyncore.close_all(self._server._map, ignore_all=True)
            done.set()

        try:
            self._server.trigger.pull_trigger(close_everything)
            done.wait(timeout)
        except OSError:
            # The wake-up pipe is already gone (the loop closed it): close from here.
            close_everything()
        if self._thread.is_alive():
            self._thread.join(timeout)
