"""The TinyDB file: a TinyDB Storage that writes atomically and reads line by line.

TinyDB's own JSONStorage rewrites the file in place (a kill mid-write leaves JSON that
does not load) and holds the whole file twice in memory while parsing it. This storage
writes a temp file, fsyncs it and renames it over the old one; it writes one document per
line, so that reading can go line by line: documents stay as their JSON bytes and the
peak memory of a start with 100,000 clients is the data, not the data three times.
Any valid TinyDB file (one written by plain TinyDB, or edited by hand) still loads,
through the slower whole-file path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from ..errors import ConfigError
from .journal import fsync_dir

_TABLE_LINE = re.compile(rb'^("(?:[^"\\]|\\.)*"): \{$')
_DOC_LINE = re.compile(rb'^"([0-9]+)": (\{.*\}),?$')
Documents = dict[str, dict[str, bytes]]  # table -> doc id -> the document's JSON


_ENCODER = json.JSONEncoder(separators=(",", ":"))  # one encoder, not one per call


def encode(value: Any) -> bytes:
    return _ENCODER.encode(value).encode()


class AtomicJSONStorage(Storage):
    """A TinyDB storage; usable as `TinyDB(path, storage=AtomicJSONStorage)`."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def _invalid(self, problem: str) -> ConfigError:
        return ConfigError(
            f"{self.path}: {problem}; repair the DB file, move it away, or start with "
            "--fresh to replace it with the fixtures"
        )

    def read(self) -> dict[str, dict[str, Any]] | None:
        """TinyDB's interface: the whole database as dicts (None when empty)."""
        tables: dict[str, dict[str, Any]] = {}
        for table, doc_id, raw in self.documents():
            tables.setdefault(table, {})[doc_id] = json.loads(raw)
        return tables or None

    def documents(self) -> Iterator[tuple[str, str, bytes]]:
        """Yield (table, doc id, document JSON) without holding the file in memory twice."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read the DB file ({exc.strerror})") from None
        with handle:
            lines = iter(handle)
            first = next(lines, b"").strip()
            if first != b"{":
                yield from self._whole_file(first + handle.read())
                return
            parsed = list(self._by_line(lines))
        if parsed and parsed[-1] is None:  # not our layout: read it as any JSON
            yield from self._whole_file(self.path.read_bytes())
            return
        yield from parsed  # type: ignore[misc]

    def _by_line(self, lines: Iterator[bytes]) -> Iterator[tuple[str, str, bytes] | None]:
        table = None
        for line in lines:
            line = line.rstrip(b"\r\n")
            if table is None:
                match = _TABLE_LINE.match(line)
                if match:
                    table = json.loads(match.group(1))
                elif line != b"}":
                    yield None
                    return
                continue
            if line in (b"}", b"},"):
                table = None
                continue
            match = _DOC_LINE.match(line)
            if not match:
                yield None
                return
            yield table, match.group(1).decode(), match.group(2)

    def _whole_file(self, text: bytes) -> Iterator[tuple[str, str, bytes]]:
        if not text.strip():
            return
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise self._invalid(f"the DB file is not valid JSON ({exc})") from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise self._invalid("not a TinyDB database (expected tables of documents)")
        for table, docs in data.items():
            for doc_id, doc in docs.items():
                yield table, doc_id, encode(doc)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """TinyDB's interface: replace the whole database."""
        self.write_documents(
            {table: {str(k): encode(v) for k, v in docs.items()} for table, docs in data.items()}
        )

    def write_documents(self, tables: Documents) -> None:
        """Replace the file with these tables of already-encoded documents, atomically."""
        temp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        with temp.open("wb") as handle:
            handle.write(b"{")
            for number, (table, docs) in enumerate(tables.items()):
                handle.write(b"%s\n%s: {" % (b"," if number else b"", encode(table)))
                separator = b"\n"
                for doc_id, raw in docs.items():
                    handle.write(b'%s"%s": %s' % (separator, doc_id.encode(), raw))
                    separator = b",\n"
                handle.write(b"\n}")
            handle.write(b"\n}\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)
        fsync_dir(self.path.parent)

    def remove_stray_temp_files(self) -> None:
        """A crash mid-write leaves a temp file; it was never the DB, so it goes."""
        for stray in self.path.parent.glob(f".{self.path.name}.tmp-*"):
            stray.unlink(missing_ok=True)
