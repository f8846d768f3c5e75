"""The app factory: one place that wires every concern into a fresh Flask app."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from flask_cors import CORS

from . import envelope
from .body import MAX_BODY_BYTES
from .config import Config
from .state import MockState
from .views import clients, control

access_log = logging.getLogger("mockserver.access")

EXPOSED_HEADERS = [
    "X-Request-Id",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
    "X-Mock-Injected",
]


def _start_timer() -> None:
    g.started = time.perf_counter()


def _log_access(response: Response) -> Response:
    """One line per request; names the caller by subject, never by token or key."""
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    access_log.info(
        "%s %s %s %d %.1fms tenant=%s subject=%s request_id=%s",
        request.remote_addr,
        request.method,
        request.path,
        response.status_code,
        elapsed_ms,
        g.get("tenant", "-"),
        g.get("subject", "-"),
        envelope.request_id(),
    )
    return response


def create_app(config: Config | None = None) -> Flask:
    """Build an independent mock: its own store, counters and credentials."""
    config = config or Config()
    app = Flask("mockserver")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["mockserver"] = MockState.build(config)
    app.before_request(_start_timer)
    envelope.init_app(app)
    app.after_request(_log_access)
    CORS(app, expose_headers=EXPOSED_HEADERS, max_age=600)
    app.register_blueprint(clients.bp)
    app.register_blueprint(control.bp)
    app.extensions["mockserver"].rate_limits.init_app(app)
    return app


def close_app(app: Flask) -> None:
    """Fold the journal into the DB file and release it (call once the server stopped)."""
    state: MockState = app.extensions["mockserver"]
    state.close()
