"""Shared helpers: every assertion on an error checks status, code and the whole envelope."""

from __future__ import annotations

import http.client
import json
from typing import Any

import requests
import requests.structures

from mockserver.model import PAGE_CREATE_EXAMPLE
from mockserver.testing import MockServer

CLIENTS = "/apidev/v1/clients"
DEMO_ID = "685640214290370560"  # first fixture client, tenant demo
OTHER_ID = "744339725636079651"  # last fixture client, tenant other

PAGE_CREATE_BODY = PAGE_CREATE_EXAMPLE


class Reply:
    """What came back: status, case-insensitive headers (waitress re-capitalises), body."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = status
        self.headers = requests.structures.CaseInsensitiveDict(headers)
        self.content = body
        self.text = body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def call(
    mock: MockServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    content_type: str | None = "application/json",
) -> Reply:
    """Send one request with the dev credentials unless `headers` replaces them.

    http.client, not requests: it sends header values requests refuses (blank ones).
    """
    sent = dict(mock.headers() if headers is None else headers)
    if content_type:
        sent["Content-Type"] = content_type
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=10)
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def assert_error(
    response: Reply | requests.Response,
    status: int,
    code: str,
    message: str | None = None,
    details: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Assert the exact error envelope; returns it for further checks."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    payload = response.json()
    assert set(payload) == {"success", "error", "meta"}
    assert payload["success"] is False
    assert payload["error"]["code"] == code
    assert set(payload["error"]) <= {"code", "message", "details"}
    if message is not None:
        assert payload["error"]["message"] == message
    if details is not None:
        assert payload["error"].get("details", []) == details
    assert payload["meta"] == {"request_id": response.headers["X-Request-Id"]}
    return payload


def create(mock: MockServer, body: dict[str, Any] | None = None, **headers: str) -> str:
    response = call(
        mock, "POST", CLIENTS, body or {"name": "Test client"}, headers=mock.headers(**headers)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])
