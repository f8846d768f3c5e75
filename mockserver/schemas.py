"""Every body and query rule, as marshmallow schemas built from the page's field table.

marshmallow coerces by default (`Integer` turns 1.5 into 1 and "7" into 7); the contract
says types are strict, so numbers go through the small strict fields below.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from marshmallow import Schema, fields, missing, validate

from .model import FIELDS, RANGES, FieldSpec


class StrictNumber(fields.Field[Any]):
    """A JSON number, never a string or boolean, always finite."""

    default_error_messages = {  # noqa: RUF012 (marshmallow's own convention)
        "invalid": "Not a valid number.",
        "not_finite": "Must be a finite number.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("not_finite")
        return value


class StrictInteger(StrictNumber):
    """A JSON number with no fractional part: `2` and `2.0` are 2, `1.5` is not."""

    default_error_messages = {"invalid": "Not a valid integer."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        number = super()._deserialize(value, attr, data, **kwargs)
        if isinstance(number, float):
            if not number.is_integer():
                raise self.make_error("invalid")
            number = int(number)
        return number


# A regex rather than a function, so that the OpenAPI document carries the rule too.
NOT_BLANK = validate.Regexp(r"[\s\S]*\S", error="Must contain at least one non-blank character.")


def _field(spec: FieldSpec, creating: bool) -> fields.Field[Any]:
    """Build one body field; `name` is required on create and never null."""
    is_name = spec.name == "name"
    options: dict[str, Any] = {
        "required": is_name and creating,
        "allow_none": not is_name,
        "metadata": {"description": spec.description},
    }
    if spec.kind == "string":
        validators: list[Any] = [validate.Length(max=spec.max_length)]
        if is_name:
            validators.append(NOT_BLANK)
        return fields.String(validate=validators, **options)
    low, high = RANGES[spec.name]
    field_class = StrictInteger if spec.kind == "integer" else StrictNumber
    return field_class(validate=validate.Range(min=low, max=high), **options)


def _body_schema(name: str, creating: bool) -> type[Schema]:
    return Schema.from_dict({spec.name: _field(spec, creating) for spec in FIELDS}, name=name)


ClientCreateSchema = _body_schema("ClientCreate", creating=True)
ClientUpdateSchema = _body_schema("ClientUpdate", creating=False)

#: What GET answers with (documentation only: responses are built by the store).
ClientSchema = Schema.from_dict(
    {
        "id": fields.String(required=True, metadata={"description": "Snowflake id, decimal."}),
        **{spec.name: _field(spec, creating=False) for spec in FIELDS},
        "created_at": fields.String(required=True, metadata={"format": "date-time"}),
        "updated_at": fields.String(required=True, metadata={"format": "date-time"}),
    },
    name="Client",
)

_DIGITS = re.compile(r"[0-9]{1,9}")


class QueryInteger(fields.Field[Any]):
    """A query-string integer written in plain digits (no sign, no spaces, no `1.0`)."""

    default_error_messages = {"invalid": "Not a valid integer."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str) or not _DIGITS.fullmatch(value):
            raise self.make_error("invalid")
        return int(value)


class ListQuerySchema(Schema):
    """Paging for GET /clients; other query parameters are ignored, as most APIs do."""

    page = QueryInteger(load_default=1, validate=validate.Range(min=1))
    per_page = QueryInteger(load_default=20, validate=validate.Range(min=1, max=100))

    class Meta:
        unknown = "exclude"


def error_details(errors: dict[str, Any], order: list[str]) -> list[dict[str, str]]:
    """Flatten marshmallow's errors to `details`: fields in body order, then the rest."""
    rank = {name: index for index, name in enumerate(order)}
    names = sorted(errors, key=lambda name: rank.get(name, len(rank)))
    details = []
    for name in names:
        messages = errors[name]
        for message in messages if isinstance(messages, list) else [messages]:
            details.append({"field": name, "message": str(message)})
    return details


@functools.cache
def _field_keys(schema_class: type[Schema]) -> tuple[dict[str, str], frozenset[str]]:
    """Each body key a schema reads, with its field's name; and the fields that act when
    absent (required, or with a default)."""
    declared = schema_class().fields
    names = {field.data_key or name: name for name, field in declared.items()}
    acting = frozenset(
        name
        for name, field in declared.items()
        if field.required or field.load_default is not missing
    )
    return names, acting


@functools.lru_cache(maxsize=128)
def _narrowed(schema_class: type[Schema], sent: frozenset[str]) -> Schema:
    names, acting = _field_keys(schema_class)
    return schema_class(only=sorted({names[key] for key in sent} | acting))


def schema_for(schema_class: type[Schema], body: dict[str, Any]) -> Schema:
    """An instance of `schema_class` that visits only the fields `body` sent, plus those
    that act when absent: the same data and the same errors (an unknown key is unknown to
    both), in two thirds of the time. marshmallow walks every declared field on each
    load, and a Clients body sends a handful of the 21."""
    names, _ = _field_keys(schema_class)
    return _narrowed(schema_class, frozenset(names.keys() & body.keys()))
