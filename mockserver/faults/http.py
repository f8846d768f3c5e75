"""Fault injection at the HTTP edge: the hook that applies a decision, and the WSGI layer
that strips `?__scenario=` / `?__response=` and turns a dropped connection into silence.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Request, Response, g
from waitress.channel import ClientDisconnected

from ..body import peek_json
from ..envelope import json_response
from ..errors import ERRORS_BY_CODE, MockError, RateLimited
from ..ratelimit import Window
from .engine import Decision, FaultEngine
from .rules import CustomResponse, Fault, InjectError, RequestView

SCENARIO_PARAM, RESPONSE_PARAM = "__scenario", "__response"
ENVIRON_KEYS = {SCENARIO_PARAM: "mockserver.scenario", RESPONSE_PARAM: "mockserver.response"}


class DropConnection(BaseException):
    """Raised through Flask (a BaseException, so no error handler turns it into a 500)."""


def _override(req: Request, header: str, param: str) -> str | None:
    value = req.headers.get(header) or req.environ.get(ENVIRON_KEYS[param])
    return value.strip() if value and value.strip() else None


def inject(req: Request, engine: FaultEngine, rate_limit: int | None) -> Response | None:
    """Before step 1: apply a forced response or the active scenario's first firing rule."""
    forced = _override(req, "X-Mock-Response", RESPONSE_PARAM)
    if forced is not None:
        decision: Decision | None = engine.forced(forced)
    else:
        view = RequestView(req.method, req.path, req.headers, req.headers.get("tenant"), peek_json)
        decision = engine.decide(view, _override(req, "X-Mock-Scenario", SCENARIO_PARAM))
    if decision is None:
        return None
    g.injected = decision.label
    if decision.delay_s:
        time.sleep(decision.delay_s)
    outcome = decision.outcome
    if isinstance(outcome, InjectError):
        raise _error(outcome, rate_limit)
    if isinstance(outcome, CustomResponse):
        return _custom(outcome)
    if isinstance(outcome, Fault):
        if outcome.kind == "close":
            raise DropConnection(decision.label)
        return _truncated(outcome)
    return None  # a delay only: the request now runs through the checks as usual


def _error(outcome: InjectError, rate_limit: int | None) -> MockError:
    error_class = ERRORS_BY_CODE[outcome.code]
    headers = dict(outcome.headers)
    if error_class is RateLimited:
        window = Window(rate_limit or 10, 0, int(time.time()) + outcome.retry_after)
        headers = window.headers() | {"Retry-After": str(outcome.retry_after)} | headers
    return error_class(outcome.message, list(outcome.details), headers)


def _custom(outcome: CustomResponse) -> Response:
    body = outcome.body
    if isinstance(body, str):
        response = Response(body, status=outcome.status, mimetype="text/plain")
    else:
        response = json_response(body, outcome.status)
    response.headers.update(dict(outcome.headers))
    return response


def _truncated(outcome: Fault) -> Response:
    """Promise a whole envelope in Content-Length, send half; waitress then closes."""
    full = json.dumps({"success": True, "data": {"note": "truncated by the mock"}, "meta": {}})
    response = Response(full[: len(full) // 2], status=outcome.status, mimetype="application/json")
    response.headers.update(dict(outcome.headers))
    response.headers["Content-Length"] = str(len(full))
    return response


def mark_injected(response: Response, label: str | None) -> Response:
    """Label an injected answer, so nobody mistakes it for a bug."""
    if label:
        response.headers["X-Mock-Injected"] = label
    return response


class FaultMiddleware:
    """WSGI layer around the Flask app: query overrides in, dropped connections out."""

    def __init__(self, wsgi_app: Any, on_drop: Any) -> None:
        self.wsgi_app = wsgi_app
        self.on_drop = on_drop

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        query = environ.get("QUERY_STRING", "")
        if "__" in query:
            self._strip(environ, query)
        try:
            return self.wsgi_app(environ, start_response)
        except DropConnection as drop:
            self.on_drop(environ, str(drop))
            # waitress closes the connection without writing a byte for this exception.
            raise ClientDisconnected(f"injected by {drop}") from None

    @staticmethod
    def _strip(environ: dict[str, Any], query: str) -> None:
        kept = []
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key in ENVIRON_KEYS:
                environ[ENVIRON_KEYS[key]] = value
            else:
                kept.append((key, value))
        environ["QUERY_STRING"] = urlencode(kept)
