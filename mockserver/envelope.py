"""The wire format: success and error envelopes, request ids, and the error handlers.

Every response, whatever raised it (our errors, werkzeug's routing errors, a bug), leaves
through here in the envelope with an `X-Request-Id`; a bug never shows a traceback.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from .errors import (
    BadRequest,
    InternalError,
    MethodNotAllowed,
    MockError,
    NotFound,
    PayloadTooLarge,
)

log = logging.getLogger("mockserver")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# A random prefix per process and a counter: unique, and cheaper than a uuid4 per request.
_ID_PREFIX = os.urandom(10).hex()
_ID_COUNTER = itertools.count(1)


def request_id() -> str:
    """Return this request's id: the client's own when well-formed, else a new one."""
    current: str | None = g.get("request_id")
    if current is None:
        offered = request.headers.get("X-Request-Id", "")
        if _REQUEST_ID.fullmatch(offered):
            current = offered
        else:
            current = f"{_ID_PREFIX}{next(_ID_COUNTER):012x}"
        g.request_id = current
    return current


_ENCODER = json.JSONEncoder(separators=(",", ":"))  # one encoder, not one per response


def json_response(payload: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    body = _ENCODER.encode(payload)
    response = Response(body, status=status, mimetype="application/json")
    if headers:
        response.headers.update(headers)
    return response


def success(data: Any, status: int = 200, meta: dict[str, Any] | None = None) -> Response:
    """`{"success": true, "data": ...}`; `meta` is omitted only on create, as on the page."""
    payload: dict[str, Any] = {"success": True, "data": data}
    if meta is not None:
        payload["meta"] = meta
    return json_response(payload, status)


def error_response(error: MockError) -> Response:
    payload = {"success": False, "error": error.body(), "meta": {"request_id": request_id()}}
    return json_response(payload, error.status, error.headers)


def _from_http_exception(exc: HTTPException) -> MockError:
    """Map werkzeug's own errors (routing, body size) to the contract's codes."""
    if exc.code == 404:
        return NotFound()
    if exc.code == 405:
        allowed = getattr(exc, "valid_methods", None) or []
        return MethodNotAllowed(headers={"Allow": ", ".join(allowed)} if allowed else None)
    if exc.code == 413:
        return PayloadTooLarge()
    if exc.code is not None and 400 <= exc.code < 500:
        return BadRequest(exc.description or "Bad request.")
    return InternalError()


def _handle_http_exception(exc: HTTPException) -> Response:
    return error_response(_from_http_exception(exc))


def _handle_unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(InternalError())


def stamp_request_id(response: Response) -> Response:
    """Every response carries its request id (called by the app's one after-request hook)."""
    response.headers["X-Request-Id"] = request_id()
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(MockError, error_response)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
