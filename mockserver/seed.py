"""`python -m mockserver.seed --db PATH --count N`: add N realistic clients to a DB file.

For load tests and demos with a large store. Clients are spread over the fixture tenants,
with ids from the past year (so the mock's new ids stay above them), written through the
store so the file is an ordinary mock DB.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .ids import EPOCH_MS, MAX_SEQUENCE, compose_id, iso_millis, wall_clock_ms
from .store import ClientStore, new_doc

_FIRST = [
    "Distribuidora",
    "Almacén",
    "Farmacia",
    "Ferretería",
    "Panadería",
    "Estudio",
    "Transportes",
    "Óptica",
    "Clínica",
    "Bodega",
    "Imprenta",
    "Café",
    "Librería",
    "Taller",
]
_SECOND = [
    "del Sur",
    "Central",
    "La Esquina",
    "del Puerto",
    "Norte",
    "Rambla",
    "Sol",
    "Los Cerros",
    "Horizonte",
    "Pocitos",
    "Carrasco",
    "Cordón",
    "Malvín",
    "Prado",
]
_STREETS = [
    "Bvar. Artigas",
    "Av. 18 de Julio",
    "Av. Italia",
    "Calle Sarandí",
    "Av. Brasil",
    "Bvar. España",
    "Av. Rivera",
    "Calle Colonia",
    "Av. Agraciada",
    "Rambla Wilson",
]
_STATUSES = ["active", "active", "active", "inactive", "prospect", "blocked"]


def fake_client(rng: random.Random, number: int) -> dict[str, Any]:
    """One plausible client body; about a third of the optional fields are left unset."""
    name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {number}"
    slug = name.lower().replace(" ", "")[:20]
    client: dict[str, Any] = {"name": name, "status": rng.choice(_STATUSES)}
    if rng.random() < 0.7:
        client |= {
            "business_name": f"{name} S.A.",
            "tax_id": f"21{rng.randrange(10**10)}",
            "document_type": 2,
        }
        client["document"] = client["tax_id"]
    if rng.random() < 0.8:
        client["external_code"] = f"ERP-{rng.randrange(100_000)}"
    if rng.random() < 0.85:
        client |= {"email": f"info@{slug}.example", "phone": f"+598 2{rng.randrange(10**7):07d}"}
    if rng.random() < 0.5:
        client["mobile"] = f"+598 9{rng.randrange(10**7):07d}"
    if rng.random() < 0.3:
        client["notes"] = rng.choice(["Pays at 30 days.", "Visit monthly.", "Mornings only."])
    if rng.random() < 0.9:
        client |= {
            "street": rng.choice(_STREETS),
            "door_number": str(rng.randrange(100, 4000)),
            "zip_code": str(rng.randrange(11000, 11900)),
            "country_id": "1",
            "department_id": "10",
            "latitude": round(-34.9 + rng.uniform(-0.1, 0.1), 6),
            "longitude": round(-56.16 + rng.uniform(-0.2, 0.2), 6),
        }
    return client


def seed(db: Path, count: int, tenants: Sequence[str], seed_value: int = 1) -> int:
    """Add `count` clients to the DB file; return how many it then holds."""
    rng = random.Random(seed_value)
    store = ClientStore(db)
    try:
        docs = store.all_docs()
        # Ids from a year ago up to a day ago, strictly increasing, below every new id.
        start_ms = wall_clock_ms() - 365 * 86_400_000 - EPOCH_MS
        step = max(1, (364 * 86_400_000) // max(count, 1))
        for number in range(count):
            ms = start_ms + number * step
            client_id = compose_id(ms, 1, number & MAX_SEQUENCE)
            stamp = iso_millis(ms + EPOCH_MS)
            tenant = tenants[number % len(tenants)]
            docs.append(
                (client_id, new_doc(client_id, tenant, fake_client(rng, number), stamp, stamp))
            )
        store.replace_all(docs)
        return len(store)
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockserver.seed", description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="DB file to add clients to")
    parser.add_argument("--count", type=int, required=True, help="how many clients to add")
    parser.add_argument("--tenants", default="demo,other", help="comma-separated tenants")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same data each run)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be 0 or more")
    started = time.perf_counter()
    try:
        total = seed(args.db, args.count, [t for t in args.tenants.split(",") if t], args.seed)
    except ConfigError as exc:
        print(f"mockserver.seed: {exc}", file=sys.stderr)
        return 2
    print(
        f"{args.db}: added {args.count} clients, {total} in all "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
