"""Scenarios and forced responses: every trigger, response kind, switch and reload."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import CLIENTS, DEMO_ID, assert_error, call

from mockserver.config import REPO_ROOT
from mockserver.errors import PAGE_CODES, ConfigError
from mockserver.faults.engine import load_scenario
from mockserver.testing import MockServer

SHIPPED = [
    "chaos",
    "default",
    "expired-token",
    "flaky",
    "forbidden",
    "rate-limited",
    "server-down",
    "slow",
    "validation-storm",
]
STATUS = {
    "BAD_REQUEST": 400,
    "VALIDATION_ERROR": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500,
}


def folder_with(tmp_path: Path, **scenarios: dict) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    for name, content in scenarios.items():
        (folder / f"{name}.json").write_text(json.dumps(content))
    return folder


def scenario(*rules: dict, description: str = "test") -> dict:
    return {"description": description, "rules": list(rules)}


def create_status(mock: MockServer, **headers: str) -> int:
    return call(mock, "POST", CLIENTS, {"name": "A"}, headers=mock.headers(**headers)).status_code


@pytest.fixture
def switch(mock: MockServer):
    def to(name: str | None, tenant: str | None = None) -> dict:
        body = {"name": name} | ({"tenant": tenant} if tenant else {})
        return mock.control("PUT", "/scenario", body)

    yield to
    to("default")
    for tenant in ("demo", "other"):
        to(None, tenant)


def test_every_shipped_scenario_loads_with_a_description(mock: MockServer) -> None:
    listed = mock.control("GET", "/scenarios")
    assert [s["name"] for s in listed] == SHIPPED
    assert all(s["description"] for s in listed)
    for name in SHIPPED:
        load_scenario(REPO_ROOT / "scenarios" / f"{name}.json")


def test_flaky_fails_every_third_write_in_the_real_envelope(mock: MockServer, switch) -> None:
    assert switch("flaky")["name"] == "flaky"
    statuses = []
    for _ in range(6):
        response = call(mock, "POST", CLIENTS, {"name": "A"})
        statuses.append(response.status_code)
        if response.status_code == 500:
            assert_error(response, 500, "INTERNAL_ERROR", "Unexpected server error.")
            assert response.headers["X-Mock-Injected"] == "flaky#1"
        else:
            assert "X-Mock-Injected" not in response.headers
    assert statuses == [201, 201, 500, 201, 201, 500]
    assert call(mock, "GET", CLIENTS).json()["meta"]["total"] == 28  # injected: nothing stored
    assert mock.control("GET", "/scenario") == {
        "name": "flaky",
        "description": "Every 3rd write (POST or PUT) fails with a 500; reads are fine.",
        "tenants": {},
    }


def test_switching_resets_counters(mock: MockServer, switch) -> None:
    switch("flaky")
    assert [create_status(mock) for _ in range(2)] == [201, 201]
    switch("flaky")
    assert [create_status(mock) for _ in range(3)] == [201, 201, 500]
    mock.reset()  # a reset keeps the scenario but restarts its counters
    assert [create_status(mock) for _ in range(3)] == [201, 201, 500]


def test_rate_limited_scenario_sends_standard_headers(mock: MockServer, switch) -> None:
    switch("rate-limited")
    assert [create_status(mock) for _ in range(2)] == [201, 201]
    response = call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"notes": "x"})
    assert_error(response, 429, "RATE_LIMITED", "Exceeded 10 req/min.")
    assert response.headers["Retry-After"] == "30"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Limit"] == "10"
    assert response.headers["X-Mock-Injected"] == "rate-limited#1"
    assert call(mock, "GET", f"{CLIENTS}/{DEMO_ID}").status_code == 200  # reads pass


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (
            "expired-token",
            "UNAUTHORIZED",
            "Invalid or expired JWT / API Key: the token has expired.",
        ),
        ("forbidden", "FORBIDDEN", "User lacks required permission."),
        ("server-down", "INTERNAL_ERROR", "Unexpected server error."),
    ],
)
def test_blanket_failure_scenarios(
    mock: MockServer, switch, name: str, code: str, message: str
) -> None:
    switch(name)
    for method, path in [("GET", CLIENTS), ("POST", CLIENTS), ("GET", f"{CLIENTS}/{DEMO_ID}")]:
        response = call(mock, method, path, {"name": "A"})
        assert_error(response, STATUS[code], code, message)
        assert response.headers["X-Mock-Injected"] == f"{name}#1"
    assert mock.control("GET", "/health")["status"] == "ok"  # the control plane is exempt


def test_validation_storm_fails_creates_only(mock: MockServer, switch) -> None:
    switch("validation-storm")
    assert_error(
        call(mock, "POST", CLIENTS, {"name": "A"}),
        400,
        "VALIDATION_ERROR",
        "Invalid parameters.",
        [{"field": "email", "message": "Email address is already in use."}],
    )
    assert call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"notes": "x"}).status_code == 200


def test_slow_scenario_delays_then_answers_normally(mock: MockServer, switch) -> None:
    switch("slow")
    started = time.monotonic()
    response = call(mock, "GET", f"{CLIENTS}/{DEMO_ID}")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200 and response.headers["X-Mock-Injected"] == "slow#1"


def test_injected_errors_need_no_credentials_cost_no_budget_change_no_data(
    mock: MockServer, switch
) -> None:
    switch("server-down")
    for _ in range(15):
        assert_error(call(mock, "POST", CLIENTS, {"name": "A"}, headers={}), 500, "INTERNAL_ERROR")
    switch("default")
    response = call(mock, "POST", CLIENTS, {"name": "A"})
    assert response.status_code == 201 and response.headers["X-RateLimit-Remaining"] == "9"
    assert call(mock, "GET", CLIENTS).json()["meta"]["total"] == 25


@pytest.mark.parametrize("code", PAGE_CODES)
def test_forced_response_header_gives_each_code(mock: MockServer, code: str) -> None:
    response = call(mock, "POST", CLIENTS, {"name": "A"}, headers={"X-Mock-Response": code})
    assert_error(response, STATUS[code], code)
    assert response.headers["X-Mock-Injected"] == f"X-Mock-Response#{code}"
    assert call(mock, "GET", CLIENTS).json()["meta"]["total"] == 24


def test_forced_response_by_query_parameter_is_stripped(mock: MockServer) -> None:
    response = call(mock, "GET", f"{CLIENTS}?__response=FORBIDDEN", headers={})
    assert_error(response, 403, "FORBIDDEN", "User lacks required permission.")
    listed = call(mock, "GET", f"{CLIENTS}?per_page=2&__scenario=default&page=3").json()
    assert listed["meta"] == {"page": 3, "per_page": 2, "total": 24}
    log = mock.control("GET", "/requests")
    assert (
        log[-1]["query"] == "per_page=2&page=3"
        and log[-2]["injected"] == "X-Mock-Response#FORBIDDEN"
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("rate_limited", "RATE_LIMITED"),
        ("429", "RATE_LIMITED"),
        ("403", "FORBIDDEN"),
        ("400", "BAD_REQUEST"),
    ],
)
def test_forced_response_accepts_any_case_and_http_statuses(
    mock: MockServer, value: str, code: str
) -> None:
    response = call(mock, "GET", CLIENTS, headers={"X-Mock-Response": value})
    assert_error(response, STATUS[code], code)
    assert response.headers["X-Mock-Injected"] == f"X-Mock-Response#{code}"


def test_unknown_forced_code_is_400(mock: MockServer) -> None:
    assert_error(
        call(mock, "GET", CLIENTS, headers={"X-Mock-Response": "TEAPOT"}),
        400,
        "BAD_REQUEST",
        "X-Mock-Response must be one of " + ", ".join(PAGE_CODES) + ".",
    )


def test_scenario_header_applies_to_one_request(mock: MockServer) -> None:
    injected = call(mock, "GET", CLIENTS, headers=mock.headers(**{"X-Mock-Scenario": "forbidden"}))
    assert_error(injected, 403, "FORBIDDEN")
    assert call(mock, "GET", CLIENTS).status_code == 200
    by_query = call(mock, "GET", f"{CLIENTS}?__scenario=server-down")
    assert_error(by_query, 500, "INTERNAL_ERROR")


def test_unknown_scenario_is_404_listing_the_available_ones(mock: MockServer) -> None:
    available = ", ".join(SHIPPED)
    response = call(mock, "GET", CLIENTS, headers=mock.headers(**{"X-Mock-Scenario": "nope"}))
    assert_error(
        response,
        404,
        "NOT_FOUND",
        f"No scenario named 'nope'. Available: {available}.",
        [{"field": "name", "message": f"Available: {available}."}],
    )
    connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
    connection.request(
        "PUT",
        "/__mock/scenario",
        body=b'{"name": "nope"}',
        headers={"Content-Type": "application/json"},
    )
    reply = connection.getresponse()
    assert reply.status == 404 and json.loads(reply.read())["error"]["code"] == "NOT_FOUND"
    connection.close()


def test_tenant_scoped_switch(mock: MockServer, switch) -> None:
    state = switch("server-down", tenant="demo")
    assert state["name"] == "default" and state["tenants"] == {"demo": "server-down"}
    assert mock.control("GET", "/scenario?tenant=demo")["name"] == "server-down"
    assert mock.control("GET", "/scenario?tenant=other")["name"] == "default"
    assert_error(call(mock, "GET", CLIENTS), 500, "INTERNAL_ERROR")
    assert call(mock, "GET", CLIENTS, headers=mock.headers(tenant="other")).status_code == 200
    switch(None, tenant="demo")
    assert call(mock, "GET", CLIENTS).status_code == 200


def test_request_log_counts_injected_requests(mock: MockServer, switch) -> None:
    switch("server-down")
    call(mock, "POST", CLIENTS, {"name": "A"})
    entry = mock.control("GET", "/requests")[-1]
    assert entry["status"] == 500 and entry["injected"] == "server-down#1"
    assert entry["method"] == "POST" and entry["path"] == CLIENTS and entry["tenant"] == "demo"


# --- triggers, matches and response kinds, from scenario files written by the test ---


def test_times_and_custom_response(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        maintenance=scenario(
            {
                "match": {"method": "GET", "path": "/apidev/v1/clients/{id}"},
                "when": {"times": 2},
                "respond": {
                    "status": 503,
                    "body": {"message": "maintenance"},
                    "headers": {"Retry-After": "7"},
                },
            }
        ),
    )
    with MockServer(scenarios=folder, scenario="maintenance") as mock:
        for _ in range(2):
            response = call(mock, "GET", f"{CLIENTS}/{DEMO_ID}")
            assert response.status_code == 503 and response.json() == {"message": "maintenance"}
            assert response.headers["Retry-After"] == "7"
            assert response.headers["X-Mock-Injected"] == "maintenance#1"
        assert call(mock, "GET", f"{CLIENTS}/{DEMO_ID}").status_code == 200
        assert call(mock, "GET", CLIENTS).status_code == 200  # path did not match


def test_after_and_every_count_only_matching_requests(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        mixed=scenario(
            {"match": {"tenant": "other"}, "when": {"after": 1}, "respond": {"error": "FORBIDDEN"}},
            {"match": {"method": "POST"}, "when": {"every": 2}, "respond": {"error": "NOT_FOUND"}},
        ),
    )
    with MockServer(scenarios=folder, scenario="mixed") as mock:
        assert [create_status(mock) for _ in range(4)] == [201, 404, 201, 404]
        assert [create_status(mock, tenant="other") for _ in range(3)] == [201, 403, 403]
        assert call(mock, "GET", CLIENTS).status_code == 200


def test_matching_on_headers_and_body(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        picky=scenario(
            {"match": {"headers": {"X-Client": "ios"}}, "respond": {"error": "UNAUTHORIZED"}},
            {"match": {"body": {"status": "blocked"}}, "respond": {"error": "VALIDATION_ERROR"}},
            {
                "match": {"body_has": ["notes"], "path_regex": "/apidev/v1/clients/\\d+"},
                "respond": {"error": "INTERNAL_ERROR"},
            },
        ),
    )
    with MockServer(scenarios=folder, scenario="picky") as mock:
        assert_error(
            call(mock, "GET", CLIENTS, headers=mock.headers(**{"X-Client": "ios"})),
            401,
            "UNAUTHORIZED",
        )
        assert_error(
            call(mock, "POST", CLIENTS, {"name": "A", "status": "blocked"}), 400, "VALIDATION_ERROR"
        )
        assert call(mock, "POST", CLIENTS, {"name": "A", "status": "active"}).status_code == 201
        assert_error(
            call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"notes": None}), 500, "INTERNAL_ERROR"
        )
        assert call(mock, "PUT", f"{CLIENTS}/{DEMO_ID}", {"email": "a"}).status_code == 200
        assert call(mock, "POST", CLIENTS, {"name": "A", "notes": "x"}).status_code == 201


def test_delay_then_injected_error(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path, late=scenario({"respond": {"delay_ms": 250, "error": "INTERNAL_ERROR"}})
    )
    with MockServer(scenarios=folder, scenario="late") as mock:
        started = time.monotonic()
        assert_error(call(mock, "GET", CLIENTS), 500, "INTERNAL_ERROR")
        assert time.monotonic() - started >= 0.25


def test_fault_close_answers_nothing(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, drop=scenario({"respond": {"fault": "close"}}))
    with MockServer(scenarios=folder, scenario="drop") as mock:
        connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
        connection.request("GET", CLIENTS, headers=mock.headers())
        with pytest.raises(http.client.RemoteDisconnected):
            connection.getresponse()
        connection.close()
        entry = mock.control("GET", "/requests")[-1]
        assert entry["status"] is None and entry["injected"] == "drop#1"


def test_fault_truncate_cuts_the_body(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, cut=scenario({"respond": {"fault": "truncate"}}))
    with MockServer(scenarios=folder, scenario="cut") as mock:
        connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
        connection.request("GET", CLIENTS, headers=mock.headers())
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("X-Mock-Injected") == "cut#1"
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        connection.close()


def _chaos_run(folder: Path) -> list[str]:
    outcomes = []
    with MockServer(scenarios=folder, scenario="dice", rate_limit=None) as mock:
        for _ in range(40):
            response = call(mock, "GET", f"{CLIENTS}/{DEMO_ID}")
            outcomes.append(f"{response.status_code}:{response.headers.get('X-Mock-Injected')}")
    return outcomes


def test_seeded_probability_repeats_across_runs(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        dice=scenario(
            {"when": {"probability": 0.3, "seed": 42}, "respond": {"error": "INTERNAL_ERROR"}},
            {"when": {"probability": 0.3, "seed": 7}, "respond": {"error": "RATE_LIMITED"}},
        ),
    )
    first, second = _chaos_run(folder), _chaos_run(folder)
    assert first == second
    assert {"500:dice#1", "429:dice#2", "200:None"} == set(first)


def test_probability_zero_never_and_one_always(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        edges=scenario(
            {"when": {"probability": 0}, "respond": {"error": "FORBIDDEN"}},
            {"when": {"probability": 1}, "respond": {"error": "NOT_FOUND"}},
        ),
    )
    with MockServer(scenarios=folder, scenario="edges", rate_limit=None) as mock:
        for _ in range(20):
            assert_error(call(mock, "GET", CLIENTS), 404, "NOT_FOUND")


# --- files: hot reload and bad input ---


def test_new_and_changed_files_are_picked_up_without_a_restart(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, live=scenario({"respond": {"error": "FORBIDDEN"}}))
    with MockServer(scenarios=folder, scenario="live") as mock:
        assert_error(call(mock, "GET", CLIENTS), 403, "FORBIDDEN")
        (folder / "live.json").write_text(
            json.dumps(scenario({"respond": {"error": "NOT_FOUND"}}, description="edited"))
        )
        (folder / "fresh.json").write_text(
            json.dumps(scenario({"respond": {"error": "UNAUTHORIZED"}}))
        )
        assert "fresh" in [s["name"] for s in mock.control("GET", "/scenarios")]
        deadline = time.monotonic() + 5
        while call(mock, "GET", CLIENTS).status_code == 403 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert_error(call(mock, "GET", CLIENTS), 404, "NOT_FOUND")
        assert mock.control("GET", "/scenario")["description"] == "edited"
        mock.control("PUT", "/scenario", {"name": "fresh"})
        assert_error(call(mock, "GET", CLIENTS), 401, "UNAUTHORIZED")


def test_a_broken_edit_keeps_the_last_good_version(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, live=scenario({"respond": {"error": "FORBIDDEN"}}))
    with MockServer(scenarios=folder, scenario="live") as mock:
        (folder / "live.json").write_text(
            '{"description": "x", "rules": [{"respond": {"error": "TEAPOT"}}]}'
        )
        listing = mock.control("GET", "/scenarios")
        assert "live" in [s["name"] for s in listing]
        payload = call(mock, "GET", "/__mock/scenarios").json()
        assert payload["meta"]["errors"] == [
            {
                "name": "live",
                "message": f"{folder / 'live.json'}: rules[0].respond.error: Must be one of: "
                "BAD_REQUEST, VALIDATION_ERROR, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, "
                "RATE_LIMITED, INTERNAL_ERROR.",
            }
        ]
        time.sleep(0.6)
        assert_error(call(mock, "GET", CLIENTS), 403, "FORBIDDEN")


BAD_FILES = [
    ("{", "not valid JSON"),
    ('{"rules": []}', "description: Missing data for required field."),
    ('{"description": "x", "rules": [], "extra": 1}', "extra: Unknown field."),
    (
        '{"description": "x", "rules": [{"respond": {"error": "FORBIDDEN"}, '
        '"when": {"times": "2"}}]}',
        "rules[0].when.times: Not a valid integer.",
    ),
    (
        '{"description": "x", "rules": [{"respond": {"error": "OOPS"}}]}',
        "rules[0].respond.error: Must be one of:",
    ),
    (
        '{"description": "x", "rules": [{"respond": {"error": "FORBIDDEN"}}, '
        '{"when": {"probability": 1.5}, "respond": {"error": "FORBIDDEN"}}]}',
        "rules[1].when.probability: Must be greater than or equal to 0 and less than or equal "
        "to 1.",
    ),
    (
        '{"description": "x", "rules": [{"match": {"path_regex": "("}, "respond": {"error": '
        '"FORBIDDEN"}}]}',
        "rules[0].match.path_regex: Not a valid regular expression",
    ),
    (
        '{"description": "x", "rules": [{"respond": {}}]}',
        "rules[0].respond: Give error, status, fault or delay_ms.",
    ),
    (
        '{"description": "x", "rules": [{"respond": {"error": "FORBIDDEN", "status": 500}}]}',
        "rules[0].respond: Use one of error and status.",
    ),
    (
        '{"description": "x", "rules": [{"when": {"every": 2, "times": 1}, "respond": '
        '{"error": "FORBIDDEN"}}]}',
        "rules[0].when: Use one trigger, not times and every.",
    ),
    (
        '{"description": "x", "rules": [{"respond": {"delay_ms": {"min": 5, "max": 1}}}]}',
        "rules[0].respond.delay_ms: Must satisfy 0 <= min <= max <= 60000.",
    ),
    (
        '{"description": "x", "rules": [{"match": {"method": "DELETE"}, "respond": '
        '{"error": "FORBIDDEN"}}]}',
        "rules[0].match.method: Unknown method DELETE",
    ),
]


@pytest.mark.parametrize(("content", "problem"), BAD_FILES)
def test_bad_scenario_files_name_file_rule_and_field(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value) and "\n" not in str(caught.value)


def test_switching_under_concurrent_requests_never_mixes_state() -> None:
    """Each answer is exactly what one of the two scenarios gives, never a crash or a mix."""
    stop = threading.Event()
    seen: list[tuple[int, str | None]] = []
    with MockServer(rate_limit=None) as mock:
        other = mock.headers(tenant="other")

        def traffic() -> None:
            while not stop.is_set():
                response = call(mock, "POST", CLIENTS, {"name": "A"}, headers=other)
                seen.append((response.status_code, response.headers.get("X-Mock-Injected")))

        workers = [threading.Thread(target=traffic) for _ in range(4)]
        for worker in workers:
            worker.start()
        for number in range(60):
            name = "server-down" if number % 2 else "flaky"
            mock.control("PUT", "/scenario", {"name": name, "tenant": "other"})
        stop.set()
        for worker in workers:
            worker.join()
        assert mock.control("GET", "/scenario")["tenants"] == {"other": "server-down"}
        mock.control("PUT", "/scenario", {"name": None, "tenant": "other"})
        stored = call(mock, "GET", f"{CLIENTS}?per_page=1", headers=other).json()["meta"]
    allowed = {(201, None), (500, "flaky#1"), (500, "server-down#1")}
    assert set(seen) <= allowed and len(seen) > 20
    assert stored["total"] == 12 + seen.count((201, None))  # injected answers stored nothing


def test_start_with_a_broken_or_unknown_scenario_is_a_config_error(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    (folder / "broken.json").write_text("{")
    with pytest.raises(ConfigError, match=r"broken\.json: not valid JSON"):
        MockServer(scenarios=folder, scenario="broken")
    with pytest.raises(ConfigError, match=r"no scenario named 'nope' \(available: default\)"):
        MockServer(scenarios=folder, scenario="nope")
    shutil.rmtree(folder)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, [{"field": "name", "message": "Missing data for required field."}]),
        ({"name": None}, [{"field": "name", "message": "A null name needs a tenant."}]),
        ({"name": 5}, [{"field": "name", "message": "Not a valid string."}]),
        (
            {"name": "flaky", "tenant": ""},
            [{"field": "tenant", "message": "Shorter than minimum length 1."}],
        ),
        ({"name": "flaky", "mode": "x"}, [{"field": "mode", "message": "Unknown field."}]),
    ],
)
def test_bad_scenario_switch_bodies_are_validation_errors(
    mock: MockServer, body: dict, details: list
) -> None:
    response = call(mock, "PUT", "/__mock/scenario", body, headers={})
    assert_error(response, 400, "VALIDATION_ERROR", "Invalid parameters.", details)
    assert mock.control("GET", "/scenario")["name"] == "default"
