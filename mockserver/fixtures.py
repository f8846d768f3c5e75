"""Seed data: the demo clients loaded into an empty DB, on `--fresh` and on reset.

Each record is checked with the same create schema as the API, so a fixture can never
hold a client the API itself would have refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from .errors import ConfigError, read_json_file
from .ids import parse_id
from .schemas import ClientCreateSchema
from .store import new_doc

_CREATE = ClientCreateSchema()
_ENVELOPE_KEYS = {"id", "tenant", "created_at", "updated_at"}


def _record(path: Path, index: int, raw: Any) -> tuple[int, dict[str, Any]]:
    where = f"{path}: record {index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected an object")
    raw_id = raw.get("id")
    client_id = parse_id(raw_id) if isinstance(raw_id, str) else None
    if client_id is None:
        raise ConfigError(f"{where}: 'id' must be a snowflake id as a string")
    for key in ("tenant", "created_at", "updated_at"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    body = {key: value for key, value in raw.items() if key not in _ENVELOPE_KEYS}
    try:
        fields = _CREATE.load(body)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
        field, messages = next(iter(errors.items()))
        raise ConfigError(f"{where}: field '{field}': {messages[0]}") from None
    return client_id, new_doc(
        client_id, raw["tenant"], fields, raw["created_at"], raw["updated_at"]
    )


def load_clients(folder: Path) -> list[tuple[int, dict[str, Any]]]:
    """Read `clients.json` of a fixtures folder; any problem is one ConfigError line."""
    path = folder / "clients.json"
    raw = read_json_file(path, "fixture")
    records = raw.get("clients") if isinstance(raw, dict) else None
    if not isinstance(records, list):
        raise ConfigError(f"{path}: expected an object with a list 'clients'")
    loaded = [_record(path, index, item) for index, item in enumerate(records)]
    seen: set[int] = set()
    for client_id, _ in loaded:
        if client_id in seen:
            raise ConfigError(f"{path}: id {client_id} appears twice")
        seen.add(client_id)
    return loaded
