"""The clients store: the only module that touches TinyDB.

Design (why it is not `table.insert` per request): TinyDB rewrites its whole table on
every write, which is O(n) and not crash-safe. Here the clients live in memory (a dict
by id plus an id-ordered index per tenant), every write is appended to an fsynced journal
(`journal.py`) before it is acknowledged, and the journal is folded into the TinyDB JSON
file by an atomic replace in the background (compaction) and at shutdown. At start-up the
TinyDB file is read through TinyDB's storage layer and the journal replayed on top.

Files, for a DB path `clients.json`:
- `clients.json`: a TinyDB database (tables `clients`, doc id = client id, and `_meta`);
  open it with plain `TinyDB("clients.json")` to inspect it.
- `clients.json.journal`: writes since the last compaction, one JSON line each.
- `clients.json.journal.old`: only while a compaction runs (or after a crash during one).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from bisect import insort
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from .errors import ConfigError, NotFound
from .ids import parse_id
from .journal import Journal, fsync_dir, read_entries
from .model import FIELD_NAMES

log = logging.getLogger("mockserver.store")

CLIENTS_TABLE, META_TABLE = "clients", "_meta"
Doc = dict[str, Any]


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically (temp file, fsync, rename).

    TinyDB's own JSONStorage rewrites the file in place, so a kill mid-write leaves JSON
    that does not load. Documents are written one per line so the file stays readable.
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read the DB file ({exc.strerror})") from None
        if not text.strip():
            return None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ConfigError(
                f"{self.path}: the DB file is not valid JSON ({exc}); repair it, move it "
                "away, or start with --fresh to replace it with the fixtures"
            ) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise ConfigError(f"{self.path}: not a TinyDB database (expected tables of documents)")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        temp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        with temp.open("w", encoding="utf-8") as handle:
            handle.write("{")
            for number, (table, docs) in enumerate(data.items()):
                handle.write(f"{',' if number else ''}\n{json.dumps(table)}: {{")
                # One dumps per document keeps the GIL free for requests between them.
                for index, (doc_id, doc) in enumerate(docs.items()):
                    handle.write(f"{',' if index else ''}\n{json.dumps(str(doc_id))}: ")
                    handle.write(json.dumps(doc, separators=(",", ":")))
                handle.write("\n}")
            handle.write("\n}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)
        fsync_dir(self.path.parent)


def public_view(client_id: int, doc: Doc) -> Doc:
    """Return the API representation: id, every field (null when unset), timestamps."""
    view: Doc = {"id": str(client_id)}
    for name in FIELD_NAMES:
        view[name] = doc.get(name)
    view["created_at"] = doc["created_at"]
    view["updated_at"] = doc["updated_at"]
    return view


class ClientStore:
    """Tenant-scoped clients in memory, journaled to disk, compacted into TinyDB's file."""

    def __init__(self, path: Path, durable: bool = True, compact_every: int = 50_000) -> None:
        self.path = path
        self._journal_path = path.with_name(path.name + ".journal")
        self._old_journal_path = path.with_name(path.name + ".journal.old")
        self._compact_every = compact_every
        self._lock = threading.Lock()  # guards memory state and journal order
        self._compact_lock = threading.RLock()  # one compaction at a time
        self._docs: dict[int, Doc] = {}
        self._by_tenant: dict[str, list[int]] = {}
        self._seq = 0  # last journal sequence number applied
        self.high_water = 0  # largest id ever stored here, kept across resets
        path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stray_temp_files()
        self._db = TinyDB(str(path), storage=AtomicJSONStorage)
        self._load()
        self._journal = Journal(self._journal_path, durable)
        self._journal.lines = self._pending_lines
        if self._old_journal_path.exists():
            self.compact()  # a compaction was interrupted: finish it before serving
        self._wake = threading.Event()
        self._stopping = False
        self._compactor = threading.Thread(target=self._compact_loop, daemon=True)
        self._compactor.start()

    # -- loading -------------------------------------------------------------------

    def _remove_stray_temp_files(self) -> None:
        for stray in self.path.parent.glob(f".{self.path.name}.tmp-*"):
            stray.unlink(missing_ok=True)

    def _load(self) -> None:
        data = self._db.storage.read() or {}
        meta = data.get(META_TABLE, {}).get("1", {})
        self._seq = meta.get("journal_seq", 0) if isinstance(meta, dict) else 0
        self.high_water = int(meta.get("high_water", 0)) if isinstance(meta, dict) else 0
        for key, doc in data.get(CLIENTS_TABLE, {}).items():
            self._docs[self._checked_id(key)] = self._checked_doc(doc, key)
        self._pending_lines = 0  # entries of the current journal not yet in the file
        for journal in (self._old_journal_path, self._journal_path):
            for entry in read_entries(journal):
                self._pending_lines += journal == self._journal_path
                if entry["seq"] > self._seq:
                    client_id = self._checked_id(entry.get("id"), journal)
                    self._docs[client_id] = self._checked_doc(entry.get("doc"), client_id, journal)
                    self._seq = entry["seq"]
        self._rebuild_index()

    def _checked_id(self, key: Any, source: Path | None = None) -> int:
        client_id = parse_id(key) if isinstance(key, str) else None
        if client_id is None:
            raise ConfigError(f"{source or self.path}: {key!r} is not a client id")
        return client_id

    def _checked_doc(self, doc: Any, key: Any, source: Path | None = None) -> Doc:
        if not (
            isinstance(doc, dict)
            and isinstance(doc.get("tenant"), str)
            and isinstance(doc.get("created_at"), str)
            and isinstance(doc.get("updated_at"), str)
        ):
            raise ConfigError(
                f"{source or self.path}: client {key} lacks tenant, created_at or updated_at"
            )
        return doc

    def _rebuild_index(self) -> None:
        self._by_tenant = {}
        for client_id in sorted(self._docs):
            self._by_tenant.setdefault(self._docs[client_id]["tenant"], []).append(client_id)
        self.high_water = max(self.high_water, max(self._docs, default=0))

    # -- reads ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._docs)

    def get(self, tenant: str, client_id_text: str) -> Doc:
        """Return one client of this tenant; another tenant's id is simply not found."""
        client_id = parse_id(client_id_text)
        doc = self._docs.get(client_id) if client_id is not None else None
        if doc is None or doc["tenant"] != tenant:
            raise NotFound()
        return public_view(client_id, doc)  # type: ignore[arg-type]

    def page(self, tenant: str, page: int, per_page: int) -> tuple[list[Doc], int]:
        """Return one page of the tenant's clients in id order, and the tenant's total."""
        with self._lock:
            ids = self._by_tenant.get(tenant, [])
            chosen = ids[(page - 1) * per_page : page * per_page]
            total = len(ids)
            docs = [(client_id, self._docs[client_id]) for client_id in chosen]
        return [public_view(client_id, doc) for client_id, doc in docs], total

    # -- writes --------------------------------------------------------------------

    def create(self, tenant: str, client_id: int, fields: Doc, now: str, created: str) -> Doc:
        """Store a new client; return it once it is on disk."""
        doc: Doc = {"tenant": tenant}
        doc.update((name, value) for name, value in fields.items() if value is not None)
        doc["created_at"], doc["updated_at"] = created, now
        with self._lock:
            if client_id in self._docs:
                raise RuntimeError(f"id {client_id} handed out twice")
            self._docs[client_id] = doc
            insort(self._by_tenant.setdefault(tenant, []), client_id)
            self.high_water = max(self.high_water, client_id)
            ticket = self._append(client_id, doc)
        self._after_write(ticket)
        return public_view(client_id, doc)

    def update(self, tenant: str, client_id_text: str, fields: Doc, now: str) -> Doc:
        """Change only the given fields (None clears one); return the client once on disk."""
        client_id = parse_id(client_id_text)
        with self._lock:
            old = self._docs.get(client_id) if client_id is not None else None
            if old is None or old["tenant"] != tenant:
                raise NotFound()
            doc = dict(old)  # copy: readers and compaction may hold the old one
            for name, value in fields.items():
                if value is None:
                    doc.pop(name, None)
                else:
                    doc[name] = value
            doc["updated_at"] = now
            self._docs[client_id] = doc  # type: ignore[index]
            ticket = self._append(client_id, doc)  # type: ignore[arg-type]
        self._after_write(ticket)
        return public_view(client_id, doc)  # type: ignore[arg-type]

    def _append(self, client_id: int, doc: Doc) -> int:
        self._seq += 1
        return self._journal.append({"seq": self._seq, "id": str(client_id), "doc": doc})

    def _after_write(self, ticket: int) -> None:
        self._journal.commit(ticket)
        if self._journal.lines >= self._compact_every:
            self._wake.set()

    def replace_all(self, docs: Iterable[tuple[int, Doc]]) -> None:
        """Replace every client (fixtures, reset, seeding) and write the file at once."""
        with self._compact_lock:
            with self._lock:
                self._docs = {client_id: doc for client_id, doc in docs}
                self._rebuild_index()
            self.compact()

    def all_docs(self) -> list[tuple[int, Doc]]:
        with self._lock:
            return list(self._docs.items())

    # -- compaction and shutdown ---------------------------------------------------

    def compact(self) -> None:
        """Fold the journal into the TinyDB file; a crash at any point loses nothing."""
        with self._compact_lock:
            with self._lock:
                docs = dict(self._docs)  # docs are replaced on write, never mutated
                meta = {"journal_seq": self._seq, "high_water": str(self.high_water)}
                if not self._old_journal_path.exists():
                    self._journal.rotate(self._old_journal_path)
                # else: an earlier compaction failed after rotating; .old still holds
                # its entries and this snapshot covers everything in both files.
            self._db.storage.write({CLIENTS_TABLE: docs, META_TABLE: {"1": meta}})
            self._old_journal_path.unlink(missing_ok=True)
            fsync_dir(self.path.parent)

    def _compact_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                self.compact()
            except OSError:
                log.exception("compaction failed; the journal keeps every write")

    def close(self) -> None:
        """Stop the compactor, fold the journal into the file, release it."""
        self._stopping = True
        self._wake.set()
        self._compactor.join()
        if self._journal.lines or self._old_journal_path.exists():
            self.compact()
        self._journal.close()
        self._db.close()
