"""Every body rule of the contract, table-driven, with the exact details it must produce."""

from __future__ import annotations

import pytest
from conftest import CLIENTS, DEMO_ID, assert_error, call

from mockserver.testing import MockServer

INVALID = "Invalid parameters."

# (body, expected details) for create
CREATE_CASES = [
    ({}, [{"field": "name", "message": "Missing data for required field."}]),
    ({"name": None}, [{"field": "name", "message": "Field may not be null."}]),
    (
        {"name": ""},
        [{"field": "name", "message": "Must contain at least one non-blank character."}],
    ),
    (
        {"name": " \t\n"},
        [{"field": "name", "message": "Must contain at least one non-blank character."}],
    ),
    ({"name": "a" * 201}, [{"field": "name", "message": "Longer than maximum length 200."}]),
    ({"name": "ñ" * 201}, [{"field": "name", "message": "Longer than maximum length 200."}]),
    (
        {"name": "A", "notes": "😀" * 1001},
        [{"field": "notes", "message": "Longer than maximum length 1000."}],
    ),
    (
        {"name": "A", "status": "a" * 11},
        [{"field": "status", "message": "Longer than maximum length 10."}],
    ),
    ({"name": 5}, [{"field": "name", "message": "Not a valid string."}]),
    ({"name": "A", "phone": 59821009876}, [{"field": "phone", "message": "Not a valid string."}]),
    ({"name": "A", "email": True}, [{"field": "email", "message": "Not a valid string."}]),
    ({"name": "A", "latitude": "12.5"}, [{"field": "latitude", "message": "Not a valid number."}]),
    ({"name": "A", "latitude": True}, [{"field": "latitude", "message": "Not a valid number."}]),
    (
        {"name": "A", "latitude": 90.0001},
        [
            {
                "field": "latitude",
                "message": "Must be greater than or equal to -90 and less than or equal to 90.",
            }
        ],
    ),
    (
        {"name": "A", "longitude": -180.5},
        [
            {
                "field": "longitude",
                "message": "Must be greater than or equal to -180 and less than or equal to 180.",
            }
        ],
    ),
    (
        {"name": "A", "document_type": 1.5},
        [{"field": "document_type", "message": "Not a valid integer."}],
    ),
    (
        {"name": "A", "document_type": "7"},
        [{"field": "document_type", "message": "Not a valid integer."}],
    ),
    (
        {"name": "A", "document_type": False},
        [{"field": "document_type", "message": "Not a valid integer."}],
    ),
    ({"name": "A", "nickname": "x"}, [{"field": "nickname", "message": "Unknown field."}]),
    ({"name": "A", "id": "1"}, [{"field": "id", "message": "Unknown field."}]),
    ({"name": "A", "email": ["a"]}, [{"field": "email", "message": "Not a valid string."}]),
]


@pytest.mark.parametrize(("body", "details"), CREATE_CASES)
def test_create_rejects(mock: MockServer, body: dict, details: list) -> None:
    response = call(mock, "POST", CLIENTS, body)
    assert_error(response, 400, "VALIDATION_ERROR", INVALID, details)
    assert call(mock, "GET", CLIENTS).json()["meta"]["total"] == 24  # nothing stored


@pytest.mark.parametrize(
    "raw", [b'{"name": "A", "latitude": 1e400}', b'{"name": "A", "longitude": -1e400}']
)
def test_non_finite_numbers_are_validation_errors(mock: MockServer, raw: bytes) -> None:
    field = "latitude" if b"latitude" in raw else "longitude"
    assert_error(
        call(mock, "POST", CLIENTS, raw=raw),
        400,
        "VALIDATION_ERROR",
        INVALID,
        [{"field": field, "message": "Must be a finite number."}],
    )


def test_every_failing_field_is_listed_in_body_order(mock: MockServer) -> None:
    body = {"zip_code": "1" * 21, "name": "", "latitude": "x", "color": "red"}
    assert_error(
        call(mock, "POST", CLIENTS, body),
        400,
        "VALIDATION_ERROR",
        INVALID,
        [
            {"field": "zip_code", "message": "Longer than maximum length 20."},
            {"field": "name", "message": "Must contain at least one non-blank character."},
            {"field": "latitude", "message": "Not a valid number."},
            {"field": "color", "message": "Unknown field."},
        ],
    )


def test_missing_name_comes_after_fields_the_body_sent(mock: MockServer) -> None:
    assert_error(
        call(mock, "POST", CLIENTS, {"email": 1}),
        400,
        "VALIDATION_ERROR",
        INVALID,
        [
            {"field": "email", "message": "Not a valid string."},
            {"field": "name", "message": "Missing data for required field."},
        ],
    )


@pytest.mark.parametrize("body", [[], [1], "name", 5, None, True])
def test_a_body_that_is_not_an_object_is_a_validation_error(mock: MockServer, body) -> None:
    assert_error(
        call(mock, "POST", CLIENTS, raw=__import__("json").dumps(body).encode()),
        400,
        "VALIDATION_ERROR",
        INVALID,
        [{"field": "body", "message": "Must be a JSON object."}],
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": "A", "latitude": 90, "longitude": -180},
        {"name": "A", "latitude": -90.0, "longitude": 180},
        {"name": "ñ" * 200, "notes": "😀" * 1000, "status": "x" * 10},
        {"name": "A", "email": "not-an-email", "image_url": "not a url", "phone": "call me"},
        {"name": "A", "document_type": 0},
        {"name": "x", **{f: "" for f in ("email", "notes", "street")}},
    ],
)
def test_create_accepts_boundaries(mock: MockServer, body: dict) -> None:
    response = call(mock, "POST", CLIENTS, body)
    assert response.status_code == 201, response.text


UPDATE_CASES = [
    ({}, [{"field": "body", "message": "No fields to update."}]),
    ({"name": None}, [{"field": "name", "message": "Field may not be null."}]),
    (
        {"name": "   "},
        [{"field": "name", "message": "Must contain at least one non-blank character."}],
    ),
    ({"email": 12}, [{"field": "email", "message": "Not a valid string."}]),
    (
        {"created_at": "2020-01-01T00:00:00.000Z"},
        [{"field": "created_at", "message": "Unknown field."}],
    ),
    (
        {"latitude": 91},
        [
            {
                "field": "latitude",
                "message": "Must be greater than or equal to -90 and less than or equal to 90.",
            }
        ],
    ),
]


@pytest.mark.parametrize(("body", "details"), UPDATE_CASES)
def test_update_rejects_and_changes_nothing(mock: MockServer, body: dict, details: list) -> None:
    before = call(mock, "GET", f"{CLIENTS}/{DEMO_ID}").json()["data"]
    response = call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", body)
    assert_error(response, 400, "VALIDATION_ERROR", INVALID, details)
    assert call(mock, "GET", f"{CLIENTS}/{DEMO_ID}").json()["data"] == before


def test_update_with_only_valid_fields_keeps_the_rest(mock: MockServer) -> None:
    before = call(mock, "GET", f"{CLIENTS}/{DEMO_ID}").json()["data"]
    assert call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"status": "inactive"}).status_code == 200
    after = call(mock, "GET", f"{CLIENTS}/{DEMO_ID}").json()["data"]
    assert before["status"] == "active"
    assert {k for k in after if after[k] != before[k]} == {"status", "updated_at"}


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "page=1.0",
        "per_page=0",
        "per_page=101",
        "per_page=x",
        "page=",
        "per_page=1e2",
    ],
)
def test_bad_paging_is_a_validation_error(mock: MockServer, query: str) -> None:
    field = query.split("=")[0]
    payload = assert_error(
        call(mock, "GET", f"{CLIENTS}?{query}"), 400, "VALIDATION_ERROR", INVALID
    )
    assert [d["field"] for d in payload["error"]["details"]] == [field]


def test_paging_bounds_are_accepted(mock: MockServer) -> None:
    payload = call(mock, "GET", f"{CLIENTS}?per_page=100&page=1").json()
    assert payload["meta"] == {"page": 1, "per_page": 100, "total": 24}
    assert call(mock, "GET", f"{CLIENTS}?per_page=1").json()["meta"]["per_page"] == 1
