"""The control plane's request bodies, as marshmallow schemas (as the API's are)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .model import READ_PERMISSION, WRITE_PERMISSION
from .schemas import StrictInteger


class TokenRequestSchema(Schema):
    """`POST /__mock/tokens`: what the minted JWT may do; every key optional."""

    permissions = fields.List(
        fields.String(), load_default=lambda: [WRITE_PERMISSION, READ_PERMISSION]
    )
    tenants = fields.List(fields.String(), load_default=lambda: ["*"])
    expires_in = StrictInteger(allow_none=True, load_default=3600)  # seconds; null: never
    sub = fields.String(load_default=None)


class ScenarioSwitchSchema(Schema):
    """`PUT /__mock/scenario`: `{"name": ...}`, optionally for one `tenant`; a null name
    with a tenant lets that tenant follow the global scenario again."""

    name = fields.String(required=True, allow_none=True, validate=validate.Length(min=1))
    tenant = fields.String(validate=validate.Length(min=1))

    @validates_schema
    def _null_name_needs_tenant(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("name") is None and "tenant" not in data:
            raise ValidationError("A null name needs a tenant.", "name")
