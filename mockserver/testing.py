"""Run a mock inside a test process: app factory + waitress on port 0, in a thread.

with MockServer(rate_limit="off") as mock:
    requests.post(mock.url + "/apidev/v1/clients", headers=mock.headers(), json={...})
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from .app import close_app, create_app
from .config import Config
from .server import ServerThread

DEV_HEADERS = {"Authorization": "Bearer dev-token", "X-API-Key": "dev-api-key", "tenant": "demo"}


class MockServer:
    """A throwaway mock with its own temp DB; any Config field can be overridden."""

    def __init__(self, **overrides: Any) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="mockserver-"))
        overrides.setdefault("db", self._tmp / "clients.json")
        overrides.setdefault("port", 0)
        self.config = dataclasses.replace(Config(), **overrides)
        self.app = create_app(self.config)
        self._server = ServerThread(self.app, self.config.host, self.config.port, 8)
        self.url = self._server.url
        self.port = self._server.port

    @property
    def state(self) -> Any:
        return self.app.extensions["mockserver"]

    def start(self) -> MockServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        close_app(self.app)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def headers(self, **changes: str) -> dict[str, str]:
        """The dev credentials for tenant demo, with `changes` applied."""
        return DEV_HEADERS | changes

    def reset(self) -> None:
        """Fixtures back, rate-limit counters cleared (POST /__mock/reset)."""
        self.control("POST", "/reset")

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the control API at /__mock and return its `data`."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + "/__mock" + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["data"]
