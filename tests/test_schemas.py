"""Unit: a schema narrowed to the sent fields loads and rejects exactly like the full one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from mockserver.control_schemas import TokenRequestSchema
from mockserver.model import FIELDS
from mockserver.schemas import ClientCreateSchema, ClientUpdateSchema, schema_for

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.text(min_size=199, max_size=202),
    st.lists(st.integers(), max_size=2),
)
KEYS = st.sampled_from([spec.name for spec in FIELDS] + ["unknown", "tenant", "id"])
BODIES = st.dictionaries(KEYS, VALUES, max_size=8)


def _outcome(schema: Schema, body: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", schema.load(body)
    except ValidationError as exc:
        return "error", exc.messages


@settings(max_examples=400, deadline=None)
@given(body=BODIES)
def test_narrowed_client_schemas_match_the_full_ones(body: dict[str, Any]) -> None:
    for schema_class in (ClientCreateSchema, ClientUpdateSchema):
        assert _outcome(schema_for(schema_class, body), body) == _outcome(schema_class(), body)


def test_a_missing_required_field_is_still_reported() -> None:
    outcome = _outcome(schema_for(ClientCreateSchema, {"email": "a@b.c"}), {"email": "a@b.c"})
    assert outcome == ("error", {"name": ["Missing data for required field."]})


def test_defaults_still_apply_to_fields_not_sent() -> None:
    loaded = schema_for(TokenRequestSchema, {}).load({})
    assert loaded == TokenRequestSchema().load({})
    assert set(loaded) == set(TokenRequestSchema().fields)


def test_one_instance_per_set_of_sent_fields() -> None:
    first = schema_for(ClientCreateSchema, {"name": "A", "email": "x", "bogus": 1})
    assert schema_for(ClientCreateSchema, {"email": "y", "name": "B"}) is first
    assert schema_for(ClientCreateSchema, {"name": "B"}) is not first
