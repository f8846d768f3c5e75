"""The app factory: one place that wires every concern into a fresh Flask app."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request
from flask_cors import CORS

from . import envelope
from .body import MAX_BODY_BYTES
from .config import Config
from .faults.http import FaultMiddleware
from .requestlog import log_request
from .state import MockState, current_state
from .views import clients, control

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


def _record(status: int | None, injected: str | None) -> None:
    log_request(
        request._get_current_object(),  # type: ignore[attr-defined]
        g._get_current_object(),
        current_state().requests,
        status,
        injected,
        envelope.request_id(),
    )


def _on_drop(app: Flask) -> Callable[[dict[str, Any], str], None]:
    def record(environ: dict[str, Any], label: str) -> None:
        with app.request_context(environ):
            _record(None, label)

    return record


def _cors(app: Flask) -> Callable[[Response], Response]:
    """Set up flask-cors (open CORS for browser apps on other ports); return its hook.

    The app's own after-request hook calls it only for requests that carry an Origin
    (every cross-origin call and preflight does): for the others it would add nothing and
    cost ~10% of a request.
    """
    CORS(app, expose_headers=EXPOSED_HEADERS, max_age=600, intercept_exceptions=False)
    hook: Callable[[Response], Response] = app.after_request_funcs[None].pop()  # type: ignore[assignment]
    return hook


def _finisher(cors_hook: Callable[[Response], Response]) -> Callable[[Response], Response]:
    def finish(response: Response) -> Response:
        """Every response: its request id, CORS when cross-origin, the access/request log."""
        envelope.stamp_request_id(response)
        if "Origin" in request.headers:
            response = cors_hook(response)
        _record(response.status_code, g.get("injected"))
        return response

    return finish


def create_app(config: Config | None = None) -> Flask:
    """Build an independent mock: its own store, counters and credentials."""
    config = config or Config()
    app = Flask("mockserver")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["mockserver"] = MockState.build(config)
    app.before_request(_start_timer)
    envelope.init_app(app)
    app.after_request(_finisher(_cors(app)))
    app.register_blueprint(clients.bp)
    app.register_blueprint(control.bp)
    app.extensions["mockserver"].rate_limits.init_app(app)
    app.wsgi_app = FaultMiddleware(app.wsgi_app, _on_drop(app))  # type: ignore[method-assign]
    return app


def close_app(app: Flask) -> None:
    """Fold the journal into the DB file and release it (call once the server stopped)."""
    state: MockState = app.extensions["mockserver"]
    state.close()
