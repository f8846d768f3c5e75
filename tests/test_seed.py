"""`python -m mockserver.seed`: realistic, varied clients the mock then starts from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import CLIENTS, call

from mockserver.ids import id_millis, wall_clock_ms
from mockserver.seed import seed
from mockserver.store import ClientStore
from mockserver.testing import MockServer


def test_seed_adds_varied_valid_clients_over_the_tenants(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    assert seed(db, 500, ["demo", "other"]) == 500
    store = ClientStore(db)
    docs = store.all_docs()
    store.close()
    assert {doc["tenant"] for _, doc in docs} == {"demo", "other"}
    assert len({doc["name"] for _, doc in docs}) == 500
    filled = {frozenset(k for k, v in doc.items() if v is not None) for _, doc in docs}
    assert len(filled) > 5  # which fields are set varies from client to client
    ids = [client_id for client_id, _ in docs]
    assert ids == sorted(ids) and max(id_millis(i) for i in ids) < wall_clock_ms()


def test_the_mock_starts_from_a_seeded_db_and_serves_it(tmp_path: Path) -> None:
    db = tmp_path / "db.json"
    seed(db, 300, ["demo", "other"])
    with MockServer(db=db) as mock:
        listed = call(mock, "GET", f"{CLIENTS}?per_page=100").json()
        assert listed["meta"]["total"] == 150  # seeded DB is not empty: no fixtures added
        client_id = listed["data"][0]["id"]
        assert call(mock, "GET", f"{CLIENTS}/{client_id}").status_code == 200
        created = call(mock, "POST", CLIENTS, {"name": "New"}).json()["data"]["id"]
        assert int(created) > int(listed["data"][-1]["id"])


def test_seed_command_line(tmp_path: Path) -> None:
    db = tmp_path / "cli.json"
    result = subprocess.run(
        [sys.executable, "-m", "mockserver.seed", "--db", str(db), "--count", "200"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{db}: added 200 clients, 200 in all")
    bad = subprocess.run(
        [sys.executable, "-m", "mockserver.seed", "--db", str(db), "--count", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--count must be 0 or more" in bad.stderr
