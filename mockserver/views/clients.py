"""The Clients API: create and update (the page), get and list (inferred)."""

from __future__ import annotations

from flask import Blueprint, Response, g

from ..body import load_body, load_query
from ..envelope import success
from ..ids import id_millis, iso_millis
from ..pipeline import check_request, finish_response
from ..schemas import ClientCreateSchema, ClientUpdateSchema, ListQuerySchema
from ..state import current_state

bp = Blueprint("clients", __name__, url_prefix="/apidev/v1/clients")
bp.before_request(check_request)
bp.after_request(finish_response)

_LIST = ListQuerySchema()


@bp.post("", endpoint="create")
def create_client() -> Response:
    fields, _ = load_body(ClientCreateSchema)
    state = current_state()
    client_id = state.ids.next_id()
    created = iso_millis(id_millis(client_id))
    stored_id = state.store.create(g.tenant, client_id, fields, now=created, created=created)
    return success({"id": stored_id}, status=201)


@bp.put("/<client_id>", endpoint="update")
def update_client(client_id: str) -> Response:
    fields, sent = load_body(ClientUpdateSchema, require_fields=True)
    state = current_state()
    now = iso_millis(state.ids.now_ms())
    stored_id = state.store.update(g.tenant, client_id, fields, now=now)
    return success({"id": stored_id, "updated_fields": sent}, meta={})


@bp.get("/<client_id>", endpoint="get")
def get_client(client_id: str) -> Response:
    return success(current_state().store.get(g.tenant, client_id), meta={})


@bp.get("", endpoint="list")
def list_clients() -> Response:
    query = load_query(_LIST)
    clients, total = current_state().store.page(g.tenant, query["page"], query["per_page"])
    meta = {"page": query["page"], "per_page": query["per_page"], "total": total}
    return success(clients, meta=meta)
