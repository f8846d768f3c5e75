"""The format of a scenario file, as marshmallow schemas: checked whenever a file loads.

Errors come out as one line naming the file, the rule and the field, e.g.
`scenarios/flaky.json: rules[0].when.probability: Must be ... between 0 and 1.`
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from ..errors import PAGE_CODES
from ..schemas import StrictInteger, StrictNumber

FAULTS = ("close", "truncate")
METHODS = ("GET", "POST", "PUT")


def _compiles(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValidationError(f"Not a valid regular expression: {exc}.") from None


class MethodsField(fields.Field[Any]):
    """`"POST"` or `["POST", "PUT"]`, upper-cased."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            raise ValidationError("Must be a method or a non-empty list of methods.")
        methods = [item.upper() for item in items]
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            raise ValidationError(f"Unknown method {unknown[0]}; the API has {', '.join(METHODS)}.")
        return methods


class DelayField(fields.Field[Any]):
    """`500` (ms) or `{"min": 300, "max": 1200}`."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[int, int]:
        if isinstance(value, int) and not isinstance(value, bool):
            low = high = value
        elif isinstance(value, dict) and set(value) == {"min", "max"}:
            low, high = value["min"], value["max"]
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
                raise ValidationError("min and max must be whole milliseconds.")
        else:
            raise ValidationError('Must be whole milliseconds or {"min": ms, "max": ms}.')
        if not 0 <= low <= high <= 60_000:
            raise ValidationError("Must satisfy 0 <= min <= max <= 60000.")
        return (low, high)


class MatchSchema(Schema):
    method = MethodsField()
    path = fields.String(validate=validate.Regexp(r"^/", error="Must start with /."))
    path_regex = fields.String(validate=_compiles)
    headers = fields.Dict(keys=fields.String(), values=fields.String())
    tenant = fields.String()
    body = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    body_has = fields.List(fields.String())


class WhenSchema(Schema):
    times = StrictInteger(validate=validate.Range(min=1))
    after = StrictInteger(validate=validate.Range(min=0))
    every = StrictInteger(validate=validate.Range(min=1))
    probability = StrictNumber(validate=validate.Range(min=0, max=1))
    seed = StrictInteger()

    @validates_schema
    def _one_trigger(self, data: dict[str, Any], **kwargs: Any) -> None:
        kinds = [k for k in ("times", "after", "every", "probability") if k in data]
        if len(kinds) > 1:
            raise ValidationError(f"Use one trigger, not {' and '.join(kinds)}.", "_schema")
        if "seed" in data and "probability" not in data:
            raise ValidationError("seed goes with probability.", "seed")


class RespondSchema(Schema):
    error = fields.String(validate=validate.OneOf(PAGE_CODES))
    message = fields.String()
    details = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))
    retry_after = StrictInteger(validate=validate.Range(min=1))
    status = StrictInteger(validate=validate.Range(min=100, max=599))
    body = fields.Raw(allow_none=True)
    headers = fields.Dict(keys=fields.String(), values=fields.String())
    delay_ms = DelayField()
    fault = fields.String(validate=validate.OneOf(FAULTS))

    @validates_schema
    def _coherent(self, data: dict[str, Any], **kwargs: Any) -> None:
        outcomes = [k for k in ("error", "status", "fault") if k in data]
        if not outcomes and "delay_ms" not in data:
            raise ValidationError("Give error, status, fault or delay_ms.", "_schema")
        if len(outcomes) > 1 and outcomes != ["status", "fault"]:
            raise ValidationError(f"Use one of {' and '.join(outcomes)}.", "_schema")
        for key in ("message", "details", "retry_after"):
            if key in data and "error" not in data:
                raise ValidationError(f"{key} goes with error.", key)
        if "headers" in data and not outcomes:
            raise ValidationError("headers go with error, status or fault.", "headers")


class RuleSchema(Schema):
    name = fields.String()
    match = fields.Nested(MatchSchema, load_default=dict)
    when = fields.Nested(WhenSchema, load_default=dict)
    respond = fields.Nested(RespondSchema, required=True)

    @pre_load
    def _always(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and data.get("when") == "always":
            return {**data, "when": {}}
        return data


class ScenarioSchema(Schema):
    description = fields.String(required=True)
    rules = fields.List(fields.Nested(RuleSchema), required=True)


def first_error(messages: Any, path: str = "") -> str:
    """Flatten marshmallow's nested errors to `rules[0].when.probability: message`."""
    if isinstance(messages, list):
        if messages and isinstance(messages[0], str):
            return f"{path or 'file'}: {messages[0]}"
        messages = dict(enumerate(messages))
    key, value = next(iter(messages.items()))
    if isinstance(key, int):
        step = f"{path}[{key}]"
    elif key == "_schema":
        step = path
    else:
        step = f"{path}.{key}" if path else str(key)
    if isinstance(value, list) and value and isinstance(value[0], str):
        return f"{step or 'file'}: {value[0]}"
    return first_error(value, step)
