"""Helper process for the crash tests: writes through the store, prints each acknowledged id.

Run as `python store_writer.py DB COMPACT_EVERY`; the test kills it with SIGKILL mid-way.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from mockserver.ids import SnowflakeGenerator
from mockserver.store import ClientStore


def main() -> None:
    store = ClientStore(Path(sys.argv[1]), compact_every=int(sys.argv[2]))
    ids = SnowflakeGenerator()
    ids.observe(store.high_water)
    out_lock = threading.Lock()

    def writer(number: int) -> None:
        while True:
            client_id = ids.next_id()
            store.create(
                "demo",
                client_id,
                {"name": f"w{number}", "notes": "x" * 200},
                now="2026-01-01T00:00:00.000Z",
                created="2026-01-01T00:00:00.000Z",
            )
            store.update(
                "demo", str(client_id), {"notes": "updated"}, now="2026-01-01T00:00:00.001Z"
            )
            with out_lock:  # acknowledged: both writes returned, so both are on disk
                sys.stdout.write(f"{client_id}\n")
                sys.stdout.flush()

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
