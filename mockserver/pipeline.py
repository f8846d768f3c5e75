"""The contract's order of checks, steps 1 to 4, in one visible place (first failure wins).

Step 0 (routing: 404, 405) happens before: blueprint hooks only run for matched routes.
Steps 5 to 7 (body framing, body rules, existence) run in the views, in that order,
through `body.load_body` and the store.
"""

from __future__ import annotations

from flask import Response, g, request
from werkzeug.datastructures import Headers

from .auth import authenticate, authorize
from .errors import BadRequest
from .faults.http import inject, mark_injected
from .model import READ_PERMISSION, WRITE_PERMISSION
from .state import current_state

REQUIRED_HEADERS = ("Authorization", "X-API-Key", "tenant")
PERMISSIONS = {
    "clients.create": WRITE_PERMISSION,
    "clients.update": WRITE_PERMISSION,
    "clients.get": READ_PERMISSION,
    "clients.list": READ_PERMISSION,
}


def _required_headers(sent: Headers) -> dict[str, str]:
    """Step 1: every required header present and not blank, else 400 naming them all."""
    values = {name: sent.get(name, "") for name in REQUIRED_HEADERS}
    missing = [name for name, value in values.items() if not value.strip()]
    if missing:
        raise BadRequest(
            f"Missing required headers: {', '.join(missing)}.",
            details=[{"field": name, "message": "Missing required header."} for name in missing],
        )
    return values


def check_request() -> Response | None:
    """Run the scenario, then steps 1-4, for an API request; raise the first failure."""
    req, ctx = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
    if req.method == "OPTIONS":
        return None  # CORS preflight: answered by flask-cors, never authenticated
    state = current_state()
    # 0.5: a scenario or forced response, before any check: needs no valid headers,
    # costs no rate-limit budget, changes no data. A delay-only rule returns None.
    injected = inject(req, state.faults, state.rate_limits.amount)
    if injected is not None:
        return injected
    headers = _required_headers(req.headers)  # 1: 400 BAD_REQUEST
    tenant, api_key, endpoint = headers["tenant"], headers["X-API-Key"], str(req.endpoint)
    principal = authenticate(state.credentials, headers["Authorization"], api_key)  # 2: 401
    ctx.subject = principal.subject
    authorize(principal, PERMISSIONS[endpoint], tenant)  # 3: 403
    ctx.rate_window = state.rate_limits.hit(endpoint, tenant, api_key)  # 4: 429
    ctx.tenant = tenant
    return None


def finish_response(response: Response) -> Response:
    """An API answer that got past step 4 carries the bucket's X-RateLimit-* headers; an
    injected one says so in X-Mock-Injected."""
    ctx = g._get_current_object()
    window = ctx.get("rate_window")
    if window is not None:
        response.headers.extend(window.headers())  # new names: no replace needed
    return mark_injected(response, ctx.get("injected"))
