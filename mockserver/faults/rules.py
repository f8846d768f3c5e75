"""A scenario compiled for speed: rules of a match, a trigger and small effect objects.

Each trigger and each effect is one small class, so a new kind is one class, not a new
branch in a long function.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol


class RequestView(NamedTuple):
    """What a rule may look at, taken before any check runs."""

    method: str
    path: str
    headers: Any  # werkzeug Headers: case-insensitive .get
    tenant: str | None
    body: Callable[[], Any]  # parsed JSON body or None, read only when a rule asks


def _path_pattern(template: str) -> re.Pattern[str]:
    """`/apidev/v1/clients/{id}` → a regex where each `{name}` is one path segment."""
    parts = re.split(r"(\{[^/{}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


@dataclass(frozen=True)
class Match:
    methods: frozenset[str] | None = None
    path: re.Pattern[str] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    tenant: str | None = None
    body: tuple[tuple[str, Any], ...] = ()
    body_has: tuple[str, ...] = ()

    @classmethod
    def build(cls, spec: dict[str, Any]) -> Match:
        path = None
        if "path" in spec:
            path = _path_pattern(spec["path"])
        elif "path_regex" in spec:
            path = re.compile(spec["path_regex"])
        return cls(
            frozenset(spec["method"]) if "method" in spec else None,
            path,
            tuple(spec.get("headers", {}).items()),
            spec.get("tenant"),
            tuple(spec.get("body", {}).items()),
            tuple(spec.get("body_has", ())),
        )

    def matches(self, request: RequestView) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return False
        if self.path is not None and not self.path.fullmatch(request.path):
            return False
        if any(request.headers.get(name) != value for name, value in self.headers):
            return False
        if self.tenant is not None and request.tenant != self.tenant:
            return False
        if self.body or self.body_has:
            body = request.body()
            if not isinstance(body, dict):
                return False
            if any(name not in body for name in self.body_has):
                return False
            if any(body.get(name, _ABSENT) != value for name, value in self.body):
                return False
        return True


_ABSENT = object()


class Trigger(Protocol):
    def fires(self, count: int, rng: random.Random) -> bool:
        """Decide for the `count`-th matching request (1-based)."""


@dataclass(frozen=True)
class Always:
    def fires(self, count: int, rng: random.Random) -> bool:
        return True


@dataclass(frozen=True)
class Times:
    n: int

    def fires(self, count: int, rng: random.Random) -> bool:
        return count <= self.n


@dataclass(frozen=True)
class After:
    n: int

    def fires(self, count: int, rng: random.Random) -> bool:
        return count > self.n


@dataclass(frozen=True)
class Every:
    n: int

    def fires(self, count: int, rng: random.Random) -> bool:
        return count % self.n == 0


@dataclass(frozen=True)
class Chance:
    p: float

    def fires(self, count: int, rng: random.Random) -> bool:
        return rng.random() < self.p


def build_trigger(spec: dict[str, Any]) -> Trigger:
    if "times" in spec:
        return Times(spec["times"])
    if "after" in spec:
        return After(spec["after"])
    if "every" in spec:
        return Every(spec["every"])
    if "probability" in spec:
        return Chance(spec["probability"])
    return Always()


@dataclass(frozen=True)
class InjectError:
    """Answer with one of the page's error codes, in the real envelope."""

    code: str
    message: str | None = None
    details: tuple[dict[str, str], ...] = ()
    retry_after: int = 60
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CustomResponse:
    """Answer with any status, body and headers."""

    status: int
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Fault:
    """Break the connection: `close` without answering, or `truncate` the body."""

    kind: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


Outcome = InjectError | CustomResponse | Fault


@dataclass(frozen=True)
class Rule:
    number: int  # 1-based, as shown in X-Mock-Injected
    match: Match
    trigger: Trigger
    delay_ms: tuple[int, int] | None
    outcome: Outcome | None  # None: delay only, then the normal answer
    seed: int | None


def build_outcome(spec: dict[str, Any]) -> Outcome | None:
    headers = tuple(spec.get("headers", {}).items())
    if "fault" in spec:
        return Fault(spec["fault"], spec.get("status", 200), headers)
    if "error" in spec:
        return InjectError(
            spec["error"],
            spec.get("message"),
            tuple(spec.get("details", ())),
            spec.get("retry_after", 60),
            headers,
        )
    if "status" in spec:
        return CustomResponse(spec["status"], spec.get("body"), headers)
    return None


def build_rule(number: int, spec: dict[str, Any]) -> Rule:
    respond = spec["respond"]
    return Rule(
        number,
        Match.build(spec["match"]),
        build_trigger(spec["when"]),
        respond.get("delay_ms"),
        build_outcome(respond),
        spec["when"].get("seed"),
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    rules: tuple[Rule, ...]
    source: dict[str, Any] = field(compare=False)
