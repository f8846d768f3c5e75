"""The entry point as a user runs it: a real process, its log, its exit codes."""

from __future__ import annotations

import http.client
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from mockserver.config import OPTIONS, REPO_ROOT
from mockserver.logs import BoundedQueueHandler

RUN = [sys.executable, str(REPO_ROOT / "run_mock.py")]
DEV = {
    "Authorization": "Bearer dev-token",
    "X-API-Key": "dev-api-key",
    "tenant": "demo",
    "Content-Type": "application/json",
}
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@contextmanager
def running(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Start run_mock.py; yield its URL and its log lines so far (the list keeps filling)."""
    process = subprocess.Popen(
        [*RUN, "--port", "0", *args],
        stderr=subprocess.STDOUT,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | (env or {}),
    )
    lines: list[str] = []
    found = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if LISTENING.search(line):
                found.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        assert found.wait(20), "".join(lines)
        url = next(m.group(1) for line in lines if (m := LISTENING.search(line)))
        yield url, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        code = process.wait(20)
        reader.join(5)
        assert process.stdout is not None
        process.stdout.close()
        assert code == 0, "".join(lines)


def post(url: str, body: dict, headers: dict[str, str] = DEV) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "/apidev/v1/clients", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def run_to_exit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*RUN, *args], capture_output=True, text=True, timeout=30, env=os.environ | (env or {})
    )


def test_port_zero_serves_logs_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    with running("--db", str(db)) as (url, lines):
        status, payload = post(url, {"name": "Regional Distributors"})
        assert status == 201 and payload["success"] is True
        time.sleep(0.2)
        access = re.compile(
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO mockserver\.access: 127\.0\.0\.1 "
            r"POST /apidev/v1/clients 201 [\d.]+ms tenant=demo subject=dev request_id=\w+\n"
        )
        assert any(access.fullmatch(line) for line in lines), "".join(lines)
    assert lines[-1].endswith(f" INFO mockserver: stopped; journal folded into {db}\n")
    with open(db) as handle:
        stored = json.load(handle)["clients"]
    assert payload["data"]["id"] in stored and len(stored) == 37


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    with running("--db", str(tmp_path / "db.json")) as (url, lines):
        post(url, {"name": "A"})
        post(url, {"name": "A"}, DEV | {"Authorization": "Bearer expired-token"})
        post(url, {"name": "A"}, DEV | {"X-API-Key": "wrong-key-value"})
    log = "".join(lines)
    for secret in ("dev-token", "dev-api-key", "expired-token", "wrong-key-value", "mock-secret"):
        assert secret not in log
    journal = (tmp_path / "db.json").read_text()
    assert "dev-token" not in journal and "dev-api-key" not in journal


def test_env_vars_configure_the_server(tmp_path: Path) -> None:
    env = {
        "MOCK_DB": str(tmp_path / "env.json"),
        "MOCK_RATE_LIMIT": "off",
        "MOCK_DETERMINISTIC_IDS": "true",
    }
    with running(env=env) as (url, lines):
        statuses = [post(url, {"name": "A"})[0] for _ in range(12)]
        assert statuses == [201] * 12
        assert any("rate limit off" in line and "deterministic" in line for line in lines)
    assert (tmp_path / "env.json").exists()


def test_fresh_restores_the_fixtures(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    with running("--db", str(db)) as (url, _):
        post(url, {"name": "A"})
    with running("--db", str(db)) as (url, lines):
        assert any("37 clients" in line for line in lines)
    with running("--db", str(db), "--fresh") as (url, lines):
        assert any("36 clients" in line for line in lines)


def test_start_up_log_names_the_active_scenario(tmp_path: Path) -> None:
    with running("--db", str(tmp_path / "db.json"), "--scenario", "flaky") as (url, lines):
        assert any("scenario flaky" in line for line in lines)
        statuses = [post(url, {"name": "A"})[0] for _ in range(3)]
        assert statuses == [201, 201, 500]


def test_broken_start_scenario_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "oops.json").write_text(
        '{"description": "x", "rules": [{"when": '
        '{"probability": 2}, "respond": {"error": "FORBIDDEN"}}]}'
    )
    result = run_to_exit(
        "--port",
        "0",
        "--db",
        str(tmp_path / "db.json"),
        "--scenarios",
        str(tmp_path),
        "--scenario",
        "oops",
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr == (
        f"mockserver: {tmp_path / 'oops.json'}: rules[0].when.probability: "
        "Must be greater than or equal to 0 and less than or equal to 1.\n"
    )
    unknown = run_to_exit("--port", "0", "--db", str(tmp_path / "db.json"), "--scenario", "nah")
    assert unknown.returncode == 2 and "no scenario named 'nah'" in unknown.stderr


def test_unverified_jwt_mode_warns_loudly_at_start(tmp_path: Path) -> None:
    with running("--db", str(tmp_path / "db.json"), "--accept-unverified-jwt") as (_, lines):
        warnings = [line for line in lines if "WARNING" in line]
        assert any("JWT signatures are NOT checked" in line for line in warnings)


def test_help_lists_every_flag_and_env_var() -> None:
    result = run_to_exit("--help")
    assert result.returncode == 0
    for option in OPTIONS:
        assert option.flag in result.stdout and option.env in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "abc"], {}, "mockserver: --port 'abc': invalid literal for int()"),
        (["--port", "70000"], {}, "mockserver: --port '70000': must be 0..65535"),
        ([], {"MOCK_THREADS": "0"}, "mockserver: MOCK_THREADS='0': must be 1..256"),
        (
            ["--rate-limit", "lots"],
            {},
            "mockserver: --rate-limit 'lots': couldn't parse rate limit",
        ),
        (["--log-level", "LOUD"], {}, "mockserver: --log-level 'LOUD': must be DEBUG"),
    ],
)
def test_bad_settings_are_one_line(args: list[str], env: dict, message: str) -> None:
    result = run_to_exit(*args, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_broken_db_file_is_one_line_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "broken.json"
    db.write_text("{not json")
    result = run_to_exit("--port", "0", "--db", str(db))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"mockserver: {db}: the DB file is not valid JSON")
    assert "--fresh" in result.stderr
    assert db.read_text() == "{not json"  # never silently overwritten


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("auth.json", "{", "auth.json: not valid JSON"),
        (
            "auth.json",
            '{"api_keys": "dev-api-key", "jwt_secret": "s"}',
            "auth.json: api_keys must be a list of strings",
        ),
        (
            "auth.json",
            '{"tokens": {"t": {"permisions": []}}, "jwt_secret": "s"}',
            "auth.json: tokens.t has unknown key 'permisions'",
        ),
        (
            "clients.json",
            '{"clients": [{"id": "5", "tenant": "demo", "created_at": "x", '
            '"updated_at": "x", "name": 7}]}',
            "clients.json: record 0: field 'name': Not a valid string.",
        ),
        ("clients.json", '{"clients": [{"id": "x"}]}', "clients.json: record 0: 'id' must be"),
    ],
)
def test_bad_fixture_files_are_one_line_naming_them(
    tmp_path: Path, name: str, content: str, problem: str
) -> None:
    for fixture in ("auth.json", "clients.json"):
        (tmp_path / fixture).write_text((REPO_ROOT / "fixtures" / fixture).read_text())
    (tmp_path / name).write_text(content)
    result = run_to_exit(
        "--port", "0", "--fixtures", str(tmp_path), "--db", str(tmp_path / "db.json")
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert problem in result.stderr and "Traceback" not in result.stderr


def test_busy_port_is_one_line(tmp_path: Path) -> None:
    with running("--db", str(tmp_path / "a.json")) as (url, _):
        port = url.rsplit(":", 1)[1]
        result = run_to_exit("--port", port, "--db", str(tmp_path / "b.json"))
        assert result.returncode == 2
        assert result.stderr.startswith(f"mockserver: cannot listen on 127.0.0.1:{port}")


def test_kill_9_of_the_server_loses_no_acknowledged_create(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    process = subprocess.Popen(
        [*RUN, "--port", "0", "--db", str(db), "--rate-limit", "off"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    url = None
    while url is None:
        match = LISTENING.search(process.stderr.readline())
        url = match.group(1) if match else None
    acknowledged: list[str] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                status, payload = post(url, {"name": "crash test"})
            except (OSError, http.client.HTTPException):  # killed mid-answer: never acknowledged
                return
            if status == 201:
                acknowledged.append(payload["data"]["id"])

    workers = [threading.Thread(target=client) for _ in range(4)]
    for worker in workers:
        worker.start()
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    stop.set()
    for worker in workers:
        worker.join()
    assert len(acknowledged) > 20
    with running("--db", str(db)) as (url, _):
        # Spot-check over HTTP: 10 ids spread over the run (the rate limit allows 10).
        for client_id in acknowledged[:: max(1, len(acknowledged) // 9)][:10]:
            request = urllib.request.Request(f"{url}/apidev/v1/clients/{client_id}", headers=DEV)
            with urllib.request.urlopen(request, timeout=10) as response:
                assert json.loads(response.read())["data"]["name"] == "crash test"
    with open(db) as handle:
        stored = json.load(handle)["clients"]
    assert set(acknowledged) <= set(stored)


def test_a_stderr_nobody_reads_does_not_stall_the_server(tmp_path: Path) -> None:
    """Access lines go through a bounded queue: once the pipe is full, lines are dropped
    rather than requests blocked on writing them."""
    process = subprocess.Popen(
        [*RUN, "--port", "0", "--db", str(tmp_path / "db.json"), "--rate-limit", "off"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        url = None
        while url is None:
            match = LISTENING.search(process.stderr.readline())
            url = match.group(1) if match else None
        # ~150 bytes an access line: 2,000 of them overflow a 64 KiB pipe several times.
        with requests.Session() as session:
            for _ in range(2000):
                response = session.get(f"{url}/apidev/v1/clients/1", headers=DEV, timeout=10)
                assert response.status_code == 404
                assert response.json()["error"]["code"] == "NOT_FOUND"
    finally:
        process.kill()
        process.wait()
        process.stderr.close()


def test_the_log_queue_drops_records_when_full() -> None:
    records: queue.Queue[logging.LogRecord] = queue.Queue(maxsize=2)
    handler = BoundedQueueHandler(records)
    for n in range(5):
        handler.emit(logging.LogRecord("t", logging.INFO, __file__, 1, f"line {n}", None, None))
    assert records.qsize() == 2


def test_the_pytest_plugin_imports_nothing_heavy_until_a_test_asks_for_a_mock() -> None:
    """pytest loads the plugin in every session of an environment that has mockserver."""
    code = (
        "import sys, mockserver.pytest_plugin\n"
        "print(sorted({'flask', 'marshmallow', 'waitress'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.stdout.strip() == "[]", result.stderr
