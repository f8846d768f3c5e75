"""The control plane under /__mock: reset, tokens, health. Never rate-limited or injected."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, request

from ..auth import mint_jwt
from ..body import read_json
from ..envelope import json_response, success
from ..errors import ValidationFailed
from ..openapi import build_spec
from ..state import current_state

bp = Blueprint("control", __name__, url_prefix="/__mock")


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The API as OpenAPI 3.1, from the request schemas (GETs marked x-inferred)."""
    return json_response(_openapi(), 200)


@functools.cache
def _openapi() -> dict[str, Any]:
    return build_spec()


@bp.get("/health")
def health() -> Response:
    state = current_state()
    return success(
        {"status": "ok", "clients": len(state.store), "rate_limit": state.rate_limits.describe()},
        meta={},
    )


@bp.post("/reset")
def reset() -> Response:
    """Restore the fixtures and clear rate-limit counters (and deterministic ids)."""
    state = current_state()
    state.reset()
    return success({"clients": len(state.store)}, meta={})


@bp.post("/rate-limits/reset")
def reset_rate_limits() -> Response:
    current_state().rate_limits.reset()
    return success({"reset": True}, meta={})


def _string_list(body: dict[str, Any], key: str, default: list[str]) -> list[str]:
    value = body.get(key, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationFailed(details=[{"field": key, "message": "Must be a list of strings."}])
    return value


@bp.post("/tokens")
def create_token() -> Response:
    """Mint an HS256 JWT the mock accepts: `{"permissions": [...], "tenants": [...]}`."""
    body: Any = read_json() if request.content_length else {}
    if not isinstance(body, dict):
        raise ValidationFailed(details=[{"field": "body", "message": "Must be a JSON object."}])
    unknown = sorted(set(body) - {"permissions", "tenants", "expires_in", "sub"})
    if unknown:
        raise ValidationFailed(details=[{"field": k, "message": "Unknown field."} for k in unknown])
    expires_in = body.get("expires_in", 3600)
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, int)):
        raise ValidationFailed(
            details=[{"field": "expires_in", "message": "Must be whole seconds or null."}]
        )
    subject = body.get("sub")
    if subject is not None and not isinstance(subject, str):
        raise ValidationFailed(details=[{"field": "sub", "message": "Must be a string."}])
    token = mint_jwt(
        current_state().credentials.jwt_secret,
        _string_list(body, "permissions", ["APICLI_CLIENTS_WRITE", "APICLI_CLIENTS_READ"]),
        _string_list(body, "tenants", ["*"]),
        expires_in,
        subject,
    )
    return success({"token": token}, status=201, meta={})


@bp.get("/scenario")
def active_scenario() -> Response:
    return success(current_state().faults.active(), meta={})


@bp.put("/scenario")
def switch_scenario() -> Response:
    """`{"name": "flaky"}`, `{"name": "flaky", "tenant": "demo"}`, or
    `{"name": null, "tenant": "demo"}` to let that tenant follow the global one again."""
    body = read_json()
    if not isinstance(body, dict):
        raise ValidationFailed(details=[{"field": "body", "message": "Must be a JSON object."}])
    unknown = sorted(set(body) - {"name", "tenant"})
    details = [{"field": key, "message": "Unknown field."} for key in unknown]
    name, tenant = body.get("name", ...), body.get("tenant")
    if tenant is not None and (not isinstance(tenant, str) or not tenant):
        details.append({"field": "tenant", "message": "Must be a non-empty string."})
    if not (isinstance(name, str) and name) and not (name is None and tenant is not None):
        details.append({"field": "name", "message": "Must be a scenario name."})
    if details:
        raise ValidationFailed(details=details)
    faults = current_state().faults
    if name is None:
        faults.clear_tenant(str(tenant))
    else:
        faults.switch(name, tenant)
    return success(faults.active(), meta={})


@bp.get("/scenarios")
def list_scenarios() -> Response:
    catalog = current_state().faults.catalog
    catalog.refresh(force=True)
    scenarios = [
        {"name": s.name, "description": s.description, "rules": s.source.get("rules", [])}
        for s in catalog.all()
    ]
    errors = [{"name": name, "message": message} for name, message in catalog.errors.items()]
    return success(scenarios, meta={"errors": errors})


@bp.get("/requests")
def request_log() -> Response:
    """The last requests to the API (newest last); `?limit=N` (default 100)."""
    limit = request.args.get("limit", "100")
    if not limit.isdigit():
        raise ValidationFailed(details=[{"field": "limit", "message": "Not a valid integer."}])
    return success(current_state().requests.latest(int(limit)), meta={})


@bp.delete("/requests")
def clear_request_log() -> Response:
    current_state().requests.clear()
    return success({"cleared": True}, meta={})
