"""The four endpoints' happy paths, over real HTTP against waitress."""

from __future__ import annotations

import re

from conftest import CLIENTS, DEMO_ID, OTHER_ID, PAGE_CREATE_BODY, assert_error, call, create

from mockserver.model import FIELD_NAMES
from mockserver.testing import MockServer

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_create_answers_the_pages_envelope(mock: MockServer) -> None:
    response = call(mock, "POST", CLIENTS, PAGE_CREATE_BODY)
    assert response.status_code == 201
    payload = response.json()
    assert list(payload) == ["success", "data"]
    assert payload["success"] is True
    assert list(payload["data"]) == ["id"]
    assert re.fullmatch(r"[1-9]\d{17,18}", payload["data"]["id"])


def test_created_client_reads_back_with_every_field(mock: MockServer) -> None:
    client_id = create(mock, PAGE_CREATE_BODY)
    response = call(mock, "GET", f"{CLIENTS}/{client_id}")
    assert response.status_code == 200
    payload = response.json()
    assert list(payload) == ["success", "data", "meta"] and payload["meta"] == {}
    client = payload["data"]
    assert list(client) == ["id", *FIELD_NAMES, "created_at", "updated_at"]
    assert client["id"] == client_id
    for name in FIELD_NAMES:
        assert client[name] == PAGE_CREATE_BODY.get(name)
    assert ISO.fullmatch(client["created_at"]) and client["updated_at"] == client["created_at"]


def test_update_answers_the_pages_envelope(mock: MockServer) -> None:
    client_id = create(mock, PAGE_CREATE_BODY)
    body = {
        "email": "new-info@regionaldist.com",
        "phone": "+59821005555",
        "notes": "Updated primary contact",
    }
    response = call(mock, "PUT", f"{CLIENTS}/{client_id}", body)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {"id": client_id, "updated_fields": ["email", "phone", "notes"]},
        "meta": {},
    }
    client = call(mock, "GET", f"{CLIENTS}/{client_id}").json()["data"]
    assert client["email"] == "new-info@regionaldist.com"
    assert client["notes"] == "Updated primary contact"
    assert client["name"] == "Regional Distributors"  # omitted fields stay
    assert client["updated_at"] >= client["created_at"]


def test_updated_fields_follow_body_order_once_including_unchanged(mock: MockServer) -> None:
    client_id = create(mock, {"name": "A", "phone": "1"})
    raw = b'{"notes": "x", "phone": "1", "email": "e", "notes": "y"}'
    response = call(mock, "PUT", f"{CLIENTS}/{client_id}", raw=raw)
    assert response.status_code == 200
    assert response.json()["data"]["updated_fields"] == ["notes", "phone", "email"]
    client = call(mock, "GET", f"{CLIENTS}/{client_id}").json()["data"]
    assert client["notes"] == "y"  # duplicate keys: the last one wins


def test_null_clears_a_field_on_update(mock: MockServer) -> None:
    client_id = create(mock, {"name": "A", "email": "a@b.c", "latitude": 1.5})
    response = call(mock, "PUT", f"{CLIENTS}/{client_id}", {"email": None, "latitude": None})
    assert response.status_code == 200
    client = call(mock, "GET", f"{CLIENTS}/{client_id}").json()["data"]
    assert client["email"] is None and client["latitude"] is None and client["name"] == "A"


def test_optional_fields_may_be_null_on_create(mock: MockServer) -> None:
    client_id = create(mock, {"name": "A", "email": None, "document_type": None})
    client = call(mock, "GET", f"{CLIENTS}/{client_id}").json()["data"]
    assert client["email"] is None and client["document_type"] is None


def test_list_pages_in_id_order_with_meta(mock: MockServer) -> None:
    first = call(mock, "GET", f"{CLIENTS}?page=1&per_page=5").json()
    assert first["success"] is True
    assert first["meta"] == {"page": 1, "per_page": 5, "total": 24}
    ids = [int(c["id"]) for c in first["data"]]
    assert ids == sorted(ids) and len(ids) == 5 and first["data"][0]["id"] == DEMO_ID
    last = call(mock, "GET", f"{CLIENTS}?page=5&per_page=5").json()
    assert len(last["data"]) == 4
    beyond = call(mock, "GET", f"{CLIENTS}?page=9").json()
    assert beyond["data"] == [] and beyond["meta"] == {"page": 9, "per_page": 20, "total": 24}


def test_list_defaults_to_twenty_and_includes_new_clients_last(mock: MockServer) -> None:
    new_id = create(mock)
    payload = call(mock, "GET", f"{CLIENTS}?page=2").json()
    assert payload["meta"] == {"page": 2, "per_page": 20, "total": 25}
    assert payload["data"][-1]["id"] == new_id


def test_tenants_are_isolated_on_every_endpoint(mock: MockServer) -> None:
    other = mock.headers(tenant="other")
    assert_error(
        call(mock, "GET", f"{CLIENTS}/{DEMO_ID}", headers=other),
        404,
        "NOT_FOUND",
        "Resource not found.",
    )
    assert_error(
        call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"name": "x"}, headers=other),
        404,
        "NOT_FOUND",
        "Resource not found.",
    )
    listed = call(mock, "GET", CLIENTS, headers=other).json()
    assert listed["meta"]["total"] == 12
    assert DEMO_ID not in {c["id"] for c in listed["data"]}
    assert call(mock, "GET", f"{CLIENTS}/{OTHER_ID}", headers=other).status_code == 200
    # nothing of demo changed
    assert (
        call(mock, "GET", f"{CLIENTS}/{DEMO_ID}").json()["data"]["name"] == "Regional Distributors"
    )


def test_a_new_tenant_starts_empty(mock: MockServer) -> None:
    payload = call(mock, "GET", CLIENTS, headers=mock.headers(tenant="Demo")).json()
    assert payload["data"] == [] and payload["meta"]["total"] == 0  # `Demo` is not `demo`


def test_unicode_lengths_count_code_points(mock: MockServer) -> None:
    client_id = create(mock, {"name": "ñ" * 200, "notes": "😀" * 1000})
    client = call(mock, "GET", f"{CLIENTS}/{client_id}").json()["data"]
    assert client["name"] == "ñ" * 200 and client["notes"] == "😀" * 1000


def test_name_is_stored_as_sent(mock: MockServer) -> None:
    client_id = create(mock, {"name": "  padded  "})
    assert call(mock, "GET", f"{CLIENTS}/{client_id}").json()["data"]["name"] == "  padded  "


def test_document_type_two_point_zero_is_two(mock: MockServer) -> None:
    client_id = create(mock, {"name": "A", "document_type": 2.0})
    client = call(mock, "GET", f"{CLIENTS}/{client_id}").json()["data"]
    assert client["document_type"] == 2 and isinstance(client["document_type"], int)


def test_header_names_are_case_insensitive(mock: MockServer) -> None:
    headers = {"authorization": "Bearer dev-token", "x-api-key": "dev-api-key", "TENANT": "demo"}
    assert call(mock, "GET", f"{CLIENTS}/{DEMO_ID}", headers=headers).status_code == 200


def test_request_id_is_echoed_when_well_formed(mock: MockServer) -> None:
    good = call(mock, "GET", f"{CLIENTS}/1", headers=mock.headers(**{"X-Request-Id": "abc.1_2-3"}))
    assert good.headers["X-Request-Id"] == "abc.1_2-3"
    assert_error(good, 404, "NOT_FOUND")
    bad = call(mock, "GET", f"{CLIENTS}/1", headers=mock.headers(**{"X-Request-Id": "a b/c"}))
    assert re.fullmatch(r"[0-9a-f]{32}", bad.headers["X-Request-Id"])
    too_long = call(mock, "GET", CLIENTS, headers=mock.headers(**{"X-Request-Id": "a" * 129}))
    assert too_long.headers["X-Request-Id"] != "a" * 129


def test_success_responses_carry_a_request_id(mock: MockServer) -> None:
    response = call(mock, "GET", f"{CLIENTS}/{DEMO_ID}")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_cors_preflight_needs_no_credentials(mock: MockServer) -> None:
    response = call(
        mock,
        "OPTIONS",
        CLIENTS,
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, x-api-key, tenant, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "x-api-key" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
