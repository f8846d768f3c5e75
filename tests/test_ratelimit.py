"""Step 4: 10 req/min per endpoint per (tenant, API key), its headers, and the order matrix."""

from __future__ import annotations

import json
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import CLIENTS, DEMO_ID, assert_error, call

from mockserver.config import REPO_ROOT
from mockserver.ratelimit import SweptMemoryStorage
from mockserver.testing import MockServer

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def test_eleventh_create_in_a_minute_is_429(mock: MockServer) -> None:
    started = time.time()
    for remaining in range(9, -1, -1):
        response = call(mock, "POST", CLIENTS, {"name": "A"})
        assert response.status_code == 201
        assert response.headers["X-RateLimit-Limit"] == "10"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
    response = call(mock, "POST", CLIENTS, {"name": "A"})
    assert_error(response, 429, "RATE_LIMITED", "Exceeded 10 req/min.")
    assert response.headers["X-RateLimit-Remaining"] == "0"
    reset = int(response.headers["X-RateLimit-Reset"])
    # The window began at the first counted request, not on a wall-clock minute.
    assert started + 59 <= reset <= time.time() + 61
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert call(mock, "GET", CLIENTS).json()["meta"]["total"] == 34  # the 11th stored nothing


def test_each_endpoint_has_its_own_bucket(mock: MockServer) -> None:
    for _ in range(10):
        assert call(mock, "POST", CLIENTS, {"name": "A"}).status_code == 201
    assert_error(call(mock, "POST", CLIENTS, {"name": "A"}), 429, "RATE_LIMITED")
    assert call(mock, "GET", CLIENTS).headers["X-RateLimit-Remaining"] == "9"
    assert call(mock, "GET", f"{CLIENTS}/{DEMO_ID}").headers["X-RateLimit-Remaining"] == "9"
    put = call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"notes": "x"})
    assert put.status_code == 200 and put.headers["X-RateLimit-Remaining"] == "9"


def test_each_tenant_has_its_own_bucket(mock: MockServer) -> None:
    for _ in range(10):
        call(mock, "GET", CLIENTS)
    assert_error(call(mock, "GET", CLIENTS), 429, "RATE_LIMITED")
    other = call(mock, "GET", CLIENTS, headers=mock.headers(tenant="other"))
    assert other.status_code == 200 and other.headers["X-RateLimit-Remaining"] == "9"


@pytest.fixture
def two_keys(tmp_path: Path) -> Path:
    shutil.copy(REPO_ROOT / "fixtures" / "clients.json", tmp_path / "clients.json")
    auth = json.loads((REPO_ROOT / "fixtures" / "auth.json").read_text())
    auth["api_keys"].append("second-key")
    (tmp_path / "auth.json").write_text(json.dumps(auth))
    return tmp_path


def test_each_api_key_has_its_own_bucket(two_keys: Path) -> None:
    with MockServer(fixtures=two_keys) as mock:
        for _ in range(10):
            call(mock, "GET", CLIENTS)
        assert_error(call(mock, "GET", CLIENTS), 429, "RATE_LIMITED")
        second = call(mock, "GET", CLIENTS, headers=mock.headers(**{"X-API-Key": "second-key"}))
        assert second.status_code == 200 and second.headers["X-RateLimit-Remaining"] == "9"


def test_requests_failing_before_step_4_do_not_count_and_carry_no_rate_headers(
    mock: MockServer,
) -> None:
    for sent, status, code in [
        (mock.headers(tenant=""), 400, "BAD_REQUEST"),
        (mock.headers(Authorization="Bearer nope"), 401, "UNAUTHORIZED"),
        (mock.headers(Authorization="Bearer readonly-token"), 403, "FORBIDDEN"),
    ]:
        for _ in range(6):
            response = call(mock, "POST", CLIENTS, {"name": "A"}, headers=sent)
            assert_error(response, status, code)
            assert not any(h in response.headers for h in RATE_HEADERS)
    assert call(mock, "POST", CLIENTS, {"name": "A"}).headers["X-RateLimit-Remaining"] == "9"


def test_requests_failing_after_step_4_count_and_carry_rate_headers(mock: MockServer) -> None:
    bad = [
        (b"{", 400, "BAD_REQUEST"),
        (b'{"name": 1}', 400, "VALIDATION_ERROR"),
        (b'{"name": "' + b"x" * 1_100_000 + b'"}', 413, "PAYLOAD_TOO_LARGE"),
    ]
    for number, (raw, status, code) in enumerate(bad * 3, start=1):
        response = call(mock, "POST", CLIENTS, raw=raw)
        assert_error(response, status, code)
        assert response.headers["X-RateLimit-Remaining"] == str(10 - number)
    assert call(mock, "POST", CLIENTS, {"name": "A"}).status_code == 201  # the 10th
    assert_error(call(mock, "POST", CLIENTS, {"name": "A"}), 429, "RATE_LIMITED")
    not_found = call(mock, "GET", f"{CLIENTS}/1")
    assert_error(not_found, 404, "NOT_FOUND")
    assert not_found.headers["X-RateLimit-Remaining"] == "9"


def test_concurrent_burst_lets_exactly_ten_through(mock: MockServer) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(
            pool.map(lambda _: call(mock, "POST", CLIENTS, {"name": "A"}).status_code, range(40))
        )
    assert statuses.count(201) == 10 and statuses.count(429) == 30


def test_control_reset_clears_counters(mock: MockServer) -> None:
    for _ in range(11):
        call(mock, "GET", CLIENTS)
    assert_error(call(mock, "GET", CLIENTS), 429, "RATE_LIMITED")
    mock.control("POST", "/rate-limits/reset")
    assert call(mock, "GET", CLIENTS).headers["X-RateLimit-Remaining"] == "9"


def test_configurable_limit_and_off() -> None:
    with MockServer(rate_limit="3/minute") as mock:
        for _ in range(3):
            assert call(mock, "POST", CLIENTS, {"name": "A"}).status_code == 201
        response = call(mock, "POST", CLIENTS, {"name": "A"})
        assert_error(response, 429, "RATE_LIMITED", "Exceeded 3 req/min.")
        assert response.headers["X-RateLimit-Limit"] == "3"
    with MockServer(rate_limit=None) as mock:
        for _ in range(25):
            response = call(mock, "POST", CLIENTS, {"name": "A"})
            assert response.status_code == 201
            assert not any(h in response.headers for h in RATE_HEADERS)


# The order of checks: each case fails two steps at once; the earlier step must win.
def test_missing_headers_beat_a_bad_token(mock: MockServer) -> None:
    sent = {"Authorization": "Bearer nope", "X-API-Key": "dev-api-key"}
    assert_error(
        call(mock, "POST", CLIENTS, {"name": 1}, headers=sent),
        400,
        "BAD_REQUEST",
        "Missing required headers: tenant.",
    )


def test_bad_credentials_beat_missing_permission(mock: MockServer) -> None:
    sent = mock.headers(Authorization="Bearer readonly-token", **{"X-API-Key": "bad"})
    assert_error(call(mock, "POST", CLIENTS, {"name": "A"}, headers=sent), 401, "UNAUTHORIZED")


def test_missing_permission_beats_rate_limit(mock: MockServer) -> None:
    for _ in range(11):
        call(mock, "POST", CLIENTS, {"name": "A"})
    readonly = mock.headers(Authorization="Bearer readonly-token")
    assert_error(call(mock, "POST", CLIENTS, {"name": "A"}, headers=readonly), 403, "FORBIDDEN")
    wrong_tenant = mock.headers(Authorization="Bearer other-tenant-token")
    assert_error(call(mock, "POST", CLIENTS, {"name": "A"}, headers=wrong_tenant), 403, "FORBIDDEN")


def test_rate_limit_beats_a_bad_body_and_a_missing_client(mock: MockServer) -> None:
    for _ in range(10):
        call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"notes": "x"})
    assert_error(call(mock, "PUT", f"{CLIENTS}/1", raw=b"{"), 429, "RATE_LIMITED")
    assert_error(call(mock, "PUT", f"{CLIENTS}/1", raw=b"x" * 2_000_000), 429, "RATE_LIMITED")


def test_framing_beats_body_rules(mock: MockServer) -> None:
    assert_error(
        call(mock, "POST", CLIENTS, raw=b'{"name": 1', content_type="text/plain"),
        400,
        "BAD_REQUEST",
        "Content-Type must be application/json.",
    )


def test_body_rules_beat_a_missing_client(mock: MockServer) -> None:
    assert_error(call(mock, "PUT", f"{CLIENTS}/1", {}), 400, "VALIDATION_ERROR")
    assert_error(call(mock, "PUT", f"{CLIENTS}/abc", {"name": None}), 400, "VALIDATION_ERROR")


def test_a_large_body_without_headers_is_400_not_413(mock: MockServer) -> None:
    assert_error(call(mock, "POST", CLIENTS, raw=b"x" * 2_000_000, headers={}), 400, "BAD_REQUEST")
    sent = mock.headers(Authorization="Bearer nope")
    assert_error(
        call(mock, "POST", CLIENTS, raw=b"x" * 2_000_000, headers=sent), 401, "UNAUTHORIZED"
    )


def test_counters_are_swept_by_one_thread_without_timer_churn() -> None:
    storage = SweptMemoryStorage()
    try:
        for _ in range(50):
            storage.incr("bucket", 1)
            time.sleep(0.001)
        assert storage.get("bucket") == 50
        assert not [t for t in threading.enumerate() if type(t) is threading.Timer]
        deadline = time.monotonic() + 5
        while "bucket" in storage.expirations and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "bucket" not in storage.expirations  # swept once its window ended
        assert storage.timer.is_alive()
    finally:
        storage.close()
    storage.timer.join(5)
    assert not storage.timer.is_alive()
