"""Step 5 (body framing), routing, and ids: 400 BAD_REQUEST, 413, 404, 405, never a 500."""

from __future__ import annotations

import pytest
from conftest import CLIENTS, DEMO_ID, assert_error, call

from mockserver.testing import MockServer

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "Request body is empty; expected a JSON object."),
        (b"   ", "Request body is empty; expected a JSON object."),
        (
            b'{"name": "A"',
            "Request body is not valid JSON: Expecting ',' delimiter (line 1, column 13).",
        ),
        (
            b"{'name': 'A'}",
            "Request body is not valid JSON: Expecting property name enclosed in double "
            "quotes (line 1, column 2).",
        ),
        (b'{"name": "A"} x', "Request body is not valid JSON: Extra data (line 1, column 15)."),
        (b'{"name": NaN}', "Request body is not valid JSON: NaN is not allowed in JSON."),
        (
            b'{"name": "A", "latitude": Infinity}',
            "Request body is not valid JSON: Infinity is not allowed in JSON.",
        ),
        (
            b'{"name": "A", "latitude": -Infinity}',
            "Request body is not valid JSON: -Infinity is not allowed in JSON.",
        ),
        (b'{"name": "\xff\xfe"}', "Request body is not valid UTF-8."),
        (b"[" * 100_000 + b"]" * 100_000, "Request body is not valid JSON: nested too deeply."),
    ],
)
def test_badly_framed_bodies_are_bad_requests(mock: MockServer, raw: bytes, message: str) -> None:
    assert_error(call(mock, "POST", CLIENTS, raw=raw), 400, "BAD_REQUEST", message)
    assert_error(call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", raw=raw), 400, "BAD_REQUEST", message)


def test_deep_nesting_inside_an_object_is_not_a_500(mock: MockServer) -> None:
    raw = b'{"name": ' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}"
    assert_error(
        call(mock, "POST", CLIENTS, raw=raw),
        400,
        "BAD_REQUEST",
        "Request body is not valid JSON: nested too deeply.",
    )


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
        "multipart/form-data",
    ],
)
def test_content_type_must_be_json(mock: MockServer, content_type: str | None) -> None:
    response = call(mock, "POST", CLIENTS, raw=b'{"name": "A"}', content_type=content_type)
    assert_error(response, 400, "BAD_REQUEST", "Content-Type must be application/json.")


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"],
)
def test_content_type_parameters_are_allowed(mock: MockServer, content_type: str) -> None:
    response = call(mock, "POST", CLIENTS, raw=b'{"name": "A"}', content_type=content_type)
    assert response.status_code == 201, response.text


def test_body_of_exactly_one_mib_is_read(mock: MockServer) -> None:
    prefix, suffix = b'{"name": "A", "notes": "', b'"}'
    raw = prefix + b"x" * (MIB - len(prefix) - len(suffix)) + suffix
    assert len(raw) == MIB
    # It parses, so it reaches the body rules: notes is far too long.
    assert_error(
        call(mock, "POST", CLIENTS, raw=raw),
        400,
        "VALIDATION_ERROR",
        "Invalid parameters.",
        [{"field": "notes", "message": "Longer than maximum length 1000."}],
    )


@pytest.mark.parametrize("size", [MIB + 1, 5 * MIB])
def test_bodies_over_one_mib_are_413(mock: MockServer, size: int) -> None:
    raw = b'{"name": "' + b"x" * size + b'"}'
    assert_error(
        call(mock, "POST", CLIENTS, raw=raw),
        413,
        "PAYLOAD_TOO_LARGE",
        "Request body exceeds 1 MiB.",
    )


def test_chunked_body_over_one_mib_is_413(mock: MockServer) -> None:
    import requests

    def chunks():
        yield b'{"name": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    response = requests.post(
        mock.url + CLIENTS,
        data=chunks(),
        timeout=10,
        headers={**mock.headers(), "Content-Type": "application/json"},
    )
    assert_error(response, 413, "PAYLOAD_TOO_LARGE", "Request body exceeds 1 MiB.")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/apidev/v1",
        "/apidev/v1/client",
        "/apidev/v2/clients",
        f"{CLIENTS}/{DEMO_ID}/extra",
        f"{CLIENTS}/",
    ],
)
def test_unknown_paths_are_404(mock: MockServer, path: str) -> None:
    assert_error(call(mock, "GET", path), 404, "NOT_FOUND", "Resource not found.")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", f"{CLIENTS}/{DEMO_ID}", {"GET", "HEAD", "OPTIONS", "PUT"}),
        ("PATCH", f"{CLIENTS}/{DEMO_ID}", {"GET", "HEAD", "OPTIONS", "PUT"}),
        ("POST", f"{CLIENTS}/{DEMO_ID}", {"GET", "HEAD", "OPTIONS", "PUT"}),
        ("PUT", CLIENTS, {"GET", "HEAD", "OPTIONS", "POST"}),
        ("DELETE", CLIENTS, {"GET", "HEAD", "OPTIONS", "POST"}),
    ],
)
def test_wrong_method_is_405_before_any_header_check(
    mock: MockServer, method: str, path: str, allow: set[str]
) -> None:
    response = call(mock, method, path, headers={})
    assert_error(response, 405, "METHOD_NOT_ALLOWED", "Method not allowed on this resource.")
    assert set(response.headers["Allow"].split(", ")) == allow


def test_unknown_path_is_404_before_any_header_check(mock: MockServer) -> None:
    assert_error(call(mock, "POST", "/nope", headers={}), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "client_id",
    [
        "0",
        "-1",
        "abc",
        "1.5",
        "0685640214290370560",
        "99999999999999999999",
        "9223372036854775808",
        "1e5",
        "%20685640214290370560",
        "685640214290370560%00",
        "%EF%BC%91%EF%BC%92",
    ],
)
def test_ids_that_cannot_exist_are_simply_not_found(mock: MockServer, client_id: str) -> None:
    assert_error(
        call(mock, "GET", f"{CLIENTS}/{client_id}"), 404, "NOT_FOUND", "Resource not found."
    )
    assert_error(
        call(mock, "PUT", f"{CLIENTS}/{client_id}", {"name": "x"}),
        404,
        "NOT_FOUND",
        "Resource not found.",
    )


def test_unknown_but_well_formed_id_is_404(mock: MockServer) -> None:
    assert_error(call(mock, "GET", f"{CLIENTS}/9223372036854775807"), 404, "NOT_FOUND")


def test_lone_surrogates_are_stored_without_a_500(mock: MockServer) -> None:
    response = call(mock, "POST", CLIENTS, raw=b'{"name": "A \\ud800 B"}')
    assert response.status_code == 201
    client_id = response.json()["data"]["id"]
    assert call(mock, "GET", f"{CLIENTS}/{client_id}").json()["data"]["name"] == "A \ud800 B"
