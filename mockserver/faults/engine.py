"""The fault engine: the scenario catalog (hot-reloaded), what is active, and decisions.

Plain Python (no Flask). Counters live in an Activation, so switching a scenario (or a
reset) starts its every/times/after counters and seeded random sequences afresh.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from ..errors import (
    PAGE_CODE_BY_STATUS,
    PAGE_CODES,
    BadRequest,
    ConfigError,
    NotFound,
    read_json_file,
)
from .rules import InjectError, Outcome, RequestView, Scenario, build_rule
from .schema import ScenarioSchema, first_error

log = logging.getLogger("mockserver.scenarios")

DEFAULT = Scenario("default", "Faithful: nothing injected.", (), {"rules": []})
RELOAD_CHECK_SECONDS = 0.5
_SCHEMA = ScenarioSchema()


def load_scenario(path: Path) -> Scenario:
    """Parse and check one file; any problem is one ConfigError line naming file and field."""
    raw = read_json_file(path, "scenario")
    try:
        spec = _SCHEMA.load(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {first_error(exc.messages)}") from None
    rules = tuple(build_rule(number, rule) for number, rule in enumerate(spec["rules"], 1))
    return Scenario(path.stem, spec["description"], rules, raw)


@dataclass(frozen=True)
class Decision:
    label: str  # for X-Mock-Injected: "<scenario>#<rule>"
    delay_s: float
    outcome: Outcome | None


class Activation:
    """One scenario switched on, with its own counters and random sequences."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._lock = threading.Lock()
        self._counts = [0] * len(scenario.rules)
        self._rngs = [random.Random(rule.seed) for rule in scenario.rules]

    def decide(self, request: RequestView) -> Decision | None:
        for index, rule in enumerate(self.scenario.rules):
            if not rule.match.matches(request):
                continue
            with self._lock:
                self._counts[index] += 1
                rng = self._rngs[index]
                if not rule.trigger.fires(self._counts[index], rng):
                    continue
                delay = rng.randint(*rule.delay_ms) / 1000 if rule.delay_ms else 0.0
            return Decision(f"{self.scenario.name}#{rule.number}", delay, rule.outcome)
        return None


class Catalog:
    """Every scenario file in a folder; re-read when a file changes, checked at most
    twice a second (a stat of the folder, never a file read per request)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._scenarios: dict[str, Scenario] = {"default": DEFAULT}
        self._stamps: dict[Path, tuple[int, int]] = {}
        self.errors: dict[str, str] = {}
        self._checked = 0.0
        self._loaded_once = False  # first scan: errors are reported by the engine

    def refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < RELOAD_CHECK_SECONDS:
            return
        with self._lock:
            self._checked = now
            try:
                paths = {p: p.stat() for p in self.folder.glob("*.json")}
            except OSError:
                paths = {}
            stamps = {p: (s.st_mtime_ns, s.st_size) for p, s in paths.items()}
            for path in set(self._stamps) - set(stamps):
                self._scenarios.pop(path.stem, None)
                self.errors.pop(path.stem, None)
            for path, stamp in stamps.items():
                if self._stamps.get(path) != stamp:
                    self._load(path)
            self._stamps = stamps
            self._scenarios.setdefault("default", DEFAULT)
            self._loaded_once = True

    def _load(self, path: Path) -> None:
        try:
            scenario = load_scenario(path)
        except ConfigError as exc:
            self.errors[path.stem] = str(exc)
            if self._loaded_once:
                known = path.stem in self._scenarios
                log.error("%s (%s)", exc, "keeping the last good version" if known else "skipped")
            return
        self.errors.pop(path.stem, None)
        if path.stem in self._scenarios and self._loaded_once:
            log.info("scenario %s reloaded from %s", path.stem, path)
        self._scenarios[path.stem] = scenario

    def get(self, name: str) -> Scenario | None:
        return self._scenarios.get(name)

    def all(self) -> list[Scenario]:
        return [self._scenarios[name] for name in sorted(self._scenarios)]

    def unknown(self, name: str) -> NotFound:
        available = ", ".join(sorted(self._scenarios))
        return NotFound(
            f"No scenario named {name!r}. Available: {available}.",
            details=[{"field": "name", "message": f"Available: {available}."}],
        )


class FaultEngine:
    """What is active (globally, per tenant, per request header) and what it decides."""

    def __init__(self, folder: Path, start: str) -> None:
        self.catalog = Catalog(folder)
        self.catalog.refresh(force=True)
        scenario = self.catalog.get(start)
        if scenario is None:
            raise ConfigError(
                self.catalog.errors.get(start)
                or f"{folder}: no scenario named {start!r} "
                f"(available: {', '.join(s.name for s in self.catalog.all())})"
            )
        for name, message in self.catalog.errors.items():
            log.error("%s (scenario %s skipped)", message, name)
        self._lock = threading.Lock()
        self._global = Activation(scenario)
        self._tenants: dict[str, Activation] = {}
        self._by_header: dict[str, Activation] = {}

    def _fresh(self, activation: Activation) -> Activation:
        """The activation, rebuilt when its file changed since (new rules, new counters)."""
        current = self.catalog.get(activation.scenario.name)
        if current is None or current is activation.scenario:
            return activation
        return Activation(current)

    def switch(self, name: str, tenant: str | None = None) -> Scenario:
        self.catalog.refresh(force=True)
        scenario = self.catalog.get(name)
        if scenario is None:
            raise self.catalog.unknown(name)
        with self._lock:
            if tenant is None:
                self._global = Activation(scenario)
            else:
                self._tenants[tenant] = Activation(scenario)
        log.info("scenario switched to %s%s", name, f" for tenant {tenant}" if tenant else "")
        return scenario

    def clear_tenant(self, tenant: str) -> None:
        with self._lock:
            self._tenants.pop(tenant, None)

    def reset_counters(self) -> None:
        with self._lock:
            self._global = Activation(self._global.scenario)
            self._tenants = {t: Activation(a.scenario) for t, a in self._tenants.items()}
            self._by_header = {}

    def active(self, tenant: str | None = None) -> dict[str, Any]:
        """What is active: globally, or for one tenant (its own switch, else the global)."""
        activation = self._tenants.get(tenant, self._global) if tenant else self._global
        scenario = activation.scenario
        return {
            "name": scenario.name,
            "description": scenario.description,
            "tenants": {t: a.scenario.name for t, a in sorted(self._tenants.items())},
        }

    def forced(self, value: str) -> Decision:
        """The per-request `X-Mock-Response: CODE` override; a code name in any case, or
        its HTTP status (400 means BAD_REQUEST)."""
        code = PAGE_CODE_BY_STATUS.get(value, value.upper())
        if code not in PAGE_CODES:
            raise BadRequest(
                f"X-Mock-Response must be one of {', '.join(PAGE_CODES)}.",
                details=[{"field": "X-Mock-Response", "message": "Unknown error code."}],
            )
        return Decision(f"X-Mock-Response#{code}", 0.0, InjectError(code))

    def decide(self, request: RequestView, by_name: str | None = None) -> Decision | None:
        """Return the first rule that matches and fires, or None for normal behaviour."""
        self.catalog.refresh()
        with self._lock:
            if by_name is not None:
                activation = self._by_header.get(by_name)
                if activation is None:
                    scenario = self.catalog.get(by_name)
                    if scenario is None:
                        raise self.catalog.unknown(by_name)
                    activation = self._by_header[by_name] = Activation(scenario)
                activation = self._by_header[by_name] = self._fresh(activation)
            elif request.tenant in self._tenants:
                tenant = str(request.tenant)
                activation = self._tenants[tenant] = self._fresh(self._tenants[tenant])
            else:
                activation = self._global = self._fresh(self._global)
        return activation.decide(request)
