"""Nothing acknowledged is lost: concurrency, kill -9, journal replay, interrupted compaction."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tinydb import TinyDB
from tinydb.table import Document

from mockserver.config import load_config
from mockserver.errors import ConfigError, NotFound
from mockserver.ids import SnowflakeGenerator
from mockserver.model import FIELD_NAMES
from mockserver.store import ClientStore
from mockserver.store import journal as journal_module
from mockserver.store.clients import new_doc
from mockserver.store.journal import Journal, read_entries

HERE = Path(__file__).parent
NOW = "2026-01-01T00:00:00.000Z"


def new_client(store: ClientStore, ids: SnowflakeGenerator, tenant: str = "demo", **fields) -> int:
    client_id = ids.next_id()
    store.create(tenant, client_id, {"name": "A", **fields}, now=NOW, created=NOW)
    return client_id


def crash(store: ClientStore) -> None:
    """Leave the store as a kill -9 would: no compaction, the journal as it is."""
    store._stopping = True
    store._wake.set()
    store._compactor.join()
    store._journal.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path, compact_every=300)  # compactions run during the writes

    def work(worker: int) -> list[int]:
        made = []
        for n in range(250):
            client_id = new_client(store, ids, tenant=f"t{worker % 3}", notes=str(n))
            store.update(f"t{worker % 3}", str(client_id), {"phone": f"{worker}-{n}"}, now=NOW)
            made.append(client_id)
        return made

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = [i for batch in pool.map(work, range(8)) for i in batch]
    store.close()
    reopened = ClientStore(path)
    assert len(reopened) == 2000
    for client_id in made:
        tenant = reopened._records[client_id][0]
        assert reopened.get(tenant, str(client_id))["phone"] is not None
    pages, total = reopened.page("t0", 1, 100)
    assert total == sum(1 for tenant, _ in reopened._records.values() if tenant == "t0")
    assert [int(c["id"]) for c in pages] == sorted(int(c["id"]) for c in pages)
    reopened.close()


def test_plain_tinydb_opens_the_compacted_file(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path)
    client_id = new_client(store, ids, email="a@b.c")
    store.close()
    with TinyDB(path) as db:
        assert db.table("clients").get(doc_id=client_id)["email"] == "a@b.c"


def test_journal_is_replayed_after_a_crash(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path)
    first = new_client(store, ids)
    store.compact()
    second = new_client(store, ids)
    store.update("demo", str(first), {"name": "changed"}, now=NOW)
    crash(store)  # the last two writes live only in the journal
    reopened = ClientStore(path)
    assert reopened.get("demo", str(first))["name"] == "changed"
    assert reopened.get("demo", str(second))["name"] == "A"
    reopened.close()


def test_a_torn_last_journal_line_is_ignored(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path)
    kept = new_client(store, ids)
    crash(store)
    with open(str(path) + ".journal", "ab") as journal:
        journal.write(b'{"seq": 99, "id": "12345", "doc": {"tena')  # crash mid-append
    reopened = ClientStore(path)
    assert reopened.get("demo", str(kept))["name"] == "A" and len(reopened) == 1
    reopened.close()


def test_a_damaged_journal_line_is_a_clear_error(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path)
    new_client(store, ids)
    crash(store)
    journal = Path(str(path) + ".journal")
    journal.write_bytes(b"garbage\n" + journal.read_bytes())
    with pytest.raises(ConfigError, match=r"db\.json\.journal: line 1 is not valid JSON"):
        ClientStore(path)


def test_compaction_interrupted_after_rotation_loses_nothing(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path)
    a = new_client(store, ids)
    # Crash after the journal was rotated to .old but before the snapshot replaced the file.
    store._journal.rotate(store._old_journal_path)
    b = new_client(store, ids)
    crash(store)
    (tmp_path / f".{path.name}.tmp-99999").write_text('{"clients": {"1": {')  # half snapshot
    reopened = ClientStore(path)
    assert {a, b} <= set(reopened._records) and len(reopened) == 2
    assert not reopened._old_journal_path.exists()  # the compaction was finished at start
    assert not list(tmp_path.glob(".db.json.tmp-*"))  # stray temp file removed
    reopened.close()
    final = ClientStore(path)
    assert len(final) == 2
    final.close()


def test_compaction_interrupted_after_the_snapshot_replays_nothing_twice(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path)
    a = new_client(store, ids)
    store.update("demo", str(a), {"notes": "v2"}, now=NOW)
    old_journal = Path(str(path) + ".journal").read_bytes()
    store.compact()  # snapshot written ...
    Path(str(path) + ".journal.old").write_bytes(old_journal)  # ... but .old not yet removed
    store.update("demo", str(a), {"notes": "v3"}, now=NOW)
    crash(store)
    reopened = ClientStore(path)
    assert reopened.get("demo", str(a))["notes"] == "v3"
    reopened.close()


def test_broken_db_file_is_a_clear_error_and_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    path.write_text('{"clients": {"1": ')
    with pytest.raises(ConfigError, match=r"db\.json: the DB file is not valid JSON .*--fresh"):
        ClientStore(path)
    assert path.read_text() == '{"clients": {"1": '


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1, 2]", "not a TinyDB database"),
        (
            '{"clients": {"abc": {"tenant": "d", "created_at": "x", "updated_at": "x"}}}',
            "'abc' is not a client id",
        ),
        ('{"clients": {"5": {"name": "no tenant"}}}', "client 5 lacks tenant"),
    ],
)
def test_db_file_with_wrong_shape_is_a_clear_error(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "db.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=problem):
        ClientStore(path)


def test_update_of_another_tenants_client_is_not_found_and_changes_nothing(tmp_path: Path) -> None:
    store, ids = ClientStore(tmp_path / "db.json"), SnowflakeGenerator()
    client_id = new_client(store, ids, tenant="demo")
    with pytest.raises(NotFound):
        store.update("other", str(client_id), {"name": "hijack"}, now=NOW)
    assert store.get("demo", str(client_id))["name"] == "A"
    store.close()


def _run_writer_and_kill(db: Path, compact_every: int, seconds: float) -> list[int]:
    writer = subprocess.Popen(
        [sys.executable, str(HERE / "store_writer.py"), str(db), str(compact_every)],
        stdout=subprocess.PIPE,
        env=os.environ | {"PYTHONPATH": str(HERE.parent)},
    )
    time.sleep(seconds)
    writer.send_signal(signal.SIGKILL)
    output, _ = writer.communicate()
    # Only complete lines were acknowledged; a torn last line was not.
    return [int(line) for line in output.decode().split("\n")[:-1]]


@pytest.mark.parametrize("compact_every", [40, 1_000_000])
def test_kill_9_during_writes_and_compactions_loses_no_acknowledged_write(
    tmp_path: Path, compact_every: int
) -> None:
    db = tmp_path / "db.json"
    acknowledged: list[int] = []
    for round_number in range(4):
        acknowledged += _run_writer_and_kill(db, compact_every, 0.6 + 0.15 * round_number)
        store = ClientStore(db)  # must load, whatever instant the kill hit
        for client_id in acknowledged:
            assert store.get("demo", str(client_id))["notes"] == "updated"
        crash(store)
    assert len(acknowledged) > 100, "the writer should have written for a while"
    if compact_every < 1000:  # compactions ran: the TinyDB file itself is whole JSON
        assert "clients" in json.loads(db.read_text())


def test_a_file_written_by_plain_tinydb_loads(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    doc = {"tenant": "demo", "name": "From TinyDB", "created_at": NOW, "updated_at": NOW}
    with TinyDB(path) as db:  # TinyDB's own JSONStorage: everything on one line
        db.table("clients").insert(Document(doc, doc_id=685640214290370560))
    store = ClientStore(path)
    assert store.get("demo", "685640214290370560")["name"] == "From TinyDB"
    store.close()


def test_a_pretty_printed_hand_edit_loads(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    doc = {"tenant": "demo", "name": "Edited", "created_at": NOW, "updated_at": NOW}
    path.write_text(json.dumps({"clients": {"12345": doc}}, indent=4))
    store = ClientStore(path)
    assert store.get("demo", "12345")["name"] == "Edited"
    store.close()


def test_a_damaged_document_line_names_the_client(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path)
    client_id = new_client(store, ids)
    store.close()
    text = path.read_text().replace('"tenant":"demo"', '"tenant":"demo" oops')
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"db\.json: client {client_id} is not valid JSON"):
        ClientStore(path)


@pytest.mark.parametrize("broken", [None, 4500])
def test_a_file_of_several_load_batches_loads_whole_or_names_the_bad_client(
    tmp_path: Path, broken: int | None
) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    made = [(ids.next_id(), f"t{n % 3}") for n in range(5000)]  # 3 batches, the last partial
    store = ClientStore(path)
    store.replace_all(
        (client_id, new_doc(client_id, tenant, {"name": str(n)}, NOW, NOW))
        for n, (client_id, tenant) in enumerate(made)
    )
    store.close()
    if broken is not None:
        lines = path.read_text().split("\n")
        bad = next(i for i, line in enumerate(lines) if f'"{made[broken][0]}"' in line)
        lines[bad] = lines[bad].replace('"name":', '"name" ', 1)
        path.write_text("\n".join(lines))
        with pytest.raises(ConfigError, match=rf"client {made[broken][0]} is not valid JSON"):
            ClientStore(path)
        return
    reopened = ClientStore(path)
    assert len(reopened) == 5000
    assert reopened.get("t1", str(made[4999][0]))["name"] == "4999"
    assert reopened.page("t0", 1, 1)[1] == 1667
    reopened.close()


def test_the_stored_record_has_id_tenant_every_field_and_timestamps(tmp_path: Path) -> None:
    path, ids = tmp_path / "db.json", SnowflakeGenerator()
    store = ClientStore(path)
    client_id = new_client(store, ids, email="a@b.c")
    store.update("demo", str(client_id), {"email": None}, now="2026-01-02T00:00:00.000Z")
    store.close()
    with TinyDB(path) as db:
        stored = db.table("clients").get(doc_id=client_id)
    assert list(stored) == ["id", "tenant", *FIELD_NAMES, "created_at", "updated_at"]
    assert stored["id"] == str(client_id) and stored["tenant"] == "demo"
    assert stored["email"] is None and stored["name"] == "A"
    assert stored["updated_at"] == "2026-01-02T00:00:00.000Z"


def test_one_commit_writes_every_pending_line_in_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.journal")
    tickets = [journal.append(b'{"seq":%d}\n' % n) for n in (1, 2, 3)]
    assert (tmp_path / "j.journal").read_bytes() == b""  # nothing acknowledged yet
    journal.commit(tickets[0])
    assert (tmp_path / "j.journal").read_bytes() == b'{"seq":1}\n{"seq":2}\n{"seq":3}\n'
    journal.commit(tickets[2])  # already covered: no second write
    journal.append(b'{"seq":4}\n')
    journal.close()  # a clean close writes what is pending
    assert [e["seq"] for e in read_entries(tmp_path / "j.journal")] == [1, 2, 3, 4]


def test_concurrent_commits_keep_append_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.journal")
    lock = threading.Lock()  # stands for the store's lock, under which appends happen
    seq = iter(range(1, 10**6))

    def write(_: int) -> None:
        for _ in range(200):
            with lock:
                ticket = journal.append(b'{"seq":%d}\n' % next(seq))
            journal.commit(ticket)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    journal.close()
    assert [e["seq"] for e in read_entries(tmp_path / "j.journal")] == list(range(1, 1601))


@pytest.mark.parametrize(("args", "synced"), [([], True), (["--no-fsync"], False)])
def test_the_journal_syncs_each_group_unless_no_fsync(
    tmp_path: Path, args: list[str], synced: bool
) -> None:
    config = load_config(["--db", str(tmp_path / "db.json"), *args], environ={})
    store = ClientStore(config.db, durable=config.durable)
    try:
        flags = fcntl.fcntl(store._journal._fd, fcntl.F_GETFL)
        assert bool(flags & os.O_DSYNC) is synced  # the write returns once on disk
    finally:
        store.close()


class _DiskFullOnce:
    """`os` as the journal sees it, except that one write lands half a group, then the
    disk is full."""

    def __init__(self) -> None:
        self.calls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def write(self, fd: int, data: memoryview) -> int:
        self.calls += 1
        if self.calls == 1:
            return os.write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_refused_journal_write_leaves_no_torn_line_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.journal"
    journal = Journal(path)
    journal.commit(journal.append(b'{"seq":1}\n'))
    second = journal.append(b'{"seq":2,"pad":"%s"}\n' % (b"x" * 100))
    monkeypatch.setattr(journal_module, "os", _DiskFullOnce())
    with pytest.raises(OSError, match="No space left"):
        journal.commit(second)
    assert path.read_bytes() == b'{"seq":1}\n'  # the half line was cut off again
    monkeypatch.undo()
    journal.commit(second)  # room again: the line that failed is written now
    journal.close()
    assert [e["seq"] for e in read_entries(path)] == [1, 2]
