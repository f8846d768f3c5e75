"""The request boundary: body framing (step 5) and schema rules (step 6) of the contract,
for bodies and for query strings.

Flask's own `get_json` accepts `NaN`, answers 415 for a wrong Content-Type and lets a deeply
nested body escape as a RecursionError (a 500), so the body is parsed here instead.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import BadRequest, PayloadTooLarge, ValidationFailed
from .schemas import error_details, schema_for

MAX_BODY_BYTES = 1024 * 1024


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


# One decoder: `json.loads` with an option builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _raw_body() -> bytes:
    """The body, read once and cached (a scenario rule may have peeked at it first)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    try:
        # MAX_CONTENT_LENGTH also caps a chunked body while it is read.
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise PayloadTooLarge() from None


def peek_json() -> Any:
    """The parsed body for scenario matching, or None when there is no usable one."""
    try:
        return _parse(_raw_body())
    except (BadRequest, PayloadTooLarge):
        return None


def read_json() -> Any:
    """Return the parsed body or raise the contract's 400/413 for a badly framed one."""
    if request.mimetype != "application/json":
        raise BadRequest("Content-Type must be application/json.")
    return _parse(_raw_body())


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        raise BadRequest("Request body is empty; expected a JSON object.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Request body is not valid UTF-8.") from None
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"Request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except ValueError as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise BadRequest("Request body is not valid JSON: nested too deeply.") from None


def load_body(
    schema_class: type[Schema], *, require_fields: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Return the validated fields and the field names in the order the body sent them."""
    body = read_json()
    if not isinstance(body, dict):
        raise ValidationFailed(details=[{"field": "body", "message": "Must be a JSON object."}])
    if require_fields and not body:
        raise ValidationFailed(details=[{"field": "body", "message": "No fields to update."}])
    try:
        loaded = schema_for(schema_class, body).load(body)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
        raise ValidationFailed(details=error_details(errors, list(body))) from None
    return loaded, list(body)


def load_query(schema: Schema) -> dict[str, Any]:
    """Return the validated query parameters, or a VALIDATION_ERROR naming each bad one."""
    try:
        loaded: dict[str, Any] = schema.load(request.args)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"query": exc.messages}
        raise ValidationFailed(details=error_details(errors, list(request.args))) from None
    return loaded
