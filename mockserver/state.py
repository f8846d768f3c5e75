"""The per-app state under `app.extensions["mockserver"]`: two apps share nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app

from .auth import Credentials, load_credentials
from .config import Config
from .faults.engine import FaultEngine
from .fixtures import load_clients
from .ids import SnowflakeGenerator
from .ratelimit import RateLimits
from .requestlog import RequestLog
from .store import ClientStore

log = logging.getLogger("mockserver")


@dataclass
class MockState:
    config: Config
    store: ClientStore
    ids: SnowflakeGenerator
    credentials: Credentials
    rate_limits: RateLimits
    faults: FaultEngine
    requests: RequestLog
    fixture_clients: list[tuple[int, dict[str, Any]]]

    @classmethod
    def build(cls, config: Config) -> MockState:
        """Load credentials and fixtures, open the store; bad files raise ConfigError."""
        credentials = load_credentials(
            config.fixtures / "auth.json", config.jwt_secret, config.accept_unverified_jwt
        )
        fixture_clients = load_clients(config.fixtures) if config.seed_fixtures else []
        faults = FaultEngine(config.scenarios, config.scenario)
        rate_limits = RateLimits(config.rate_limit)
        if config.fresh:
            for suffix in ("", ".journal", ".journal.old"):
                config.db.with_name(config.db.name + suffix).unlink(missing_ok=True)
        store = ClientStore(config.db, durable=config.durable)
        if len(store) == 0 and fixture_clients:
            store.replace_all(fixture_clients)
        ids = SnowflakeGenerator(config.worker_id, config.deterministic_ids)
        ids.observe(store.high_water)
        return cls(
            config, store, ids, credentials, rate_limits, faults, RequestLog(), fixture_clients
        )

    def reset(self) -> None:
        """Back to the fixtures: data, rate-limit and scenario counters, deterministic ids,
        the request log. The active scenarios stay active."""
        self.store.replace_all(self.fixture_clients)
        self.rate_limits.reset()
        self.faults.reset_counters()
        self.requests.clear()
        self.ids.restart()
        if self.ids.deterministic:
            self.ids.observe(max((cid for cid, _ in self.fixture_clients), default=0))
        else:
            self.ids.observe(self.store.high_water)

    def close(self) -> None:
        self.rate_limits.close()
        self.store.close()


def current_state() -> MockState:
    state: MockState = current_app.extensions["mockserver"]
    return state
