"""The control plane under /__mock: reset, tokens, health. Never rate-limited or injected."""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, request

from ..auth import mint_jwt
from ..body import load_body
from ..control_schemas import ScenarioSwitchSchema, TokenRequestSchema
from ..envelope import json_response, success
from ..errors import ValidationFailed
from ..openapi import build_spec
from ..state import current_state

bp = Blueprint("control", __name__, url_prefix="/__mock")
_TOKEN = TokenRequestSchema()


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


@bp.post("/tokens")
def create_token() -> Response:
    """Mint an HS256 JWT the mock accepts: `{"permissions": [...], "tenants": [...]}`."""
    claims = load_body(TokenRequestSchema)[0] if request.content_length else _TOKEN.load({})
    token = mint_jwt(
        current_state().credentials.jwt_secret,
        claims["permissions"],
        claims["tenants"],
        claims["expires_in"],
        claims["sub"],
    )
    return success({"token": token}, status=201, meta={})


@bp.get("/scenario")
def active_scenario() -> Response:
    """The global scenario, or with `?tenant=demo` the one that tenant gets."""
    return success(current_state().faults.active(request.args.get("tenant")), meta={})


@bp.put("/scenario")
def switch_scenario() -> Response:
    """`{"name": "flaky"}`, `{"name": "flaky", "tenant": "demo"}`, or
    `{"name": null, "tenant": "demo"}` to let that tenant follow the global one again."""
    body, _ = load_body(ScenarioSwitchSchema)
    name, tenant = body["name"], body.get("tenant")
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
