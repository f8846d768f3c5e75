"""Step 4 of the contract: 10 requests per minute per endpoint per (tenant, API key).

flask-limiter keeps the counters (its in-memory storage and fixed-window strategy, whose
window starts at the first counted request). The check itself is called by the pipeline
at step 4 rather than from flask-limiter's own hooks, so that the order of checks stays
in one place, and the headers are written here: flask-limiter's Retry-After truncates to
0 during the last second of a window, and the contract wants at least 1.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from dataclasses import dataclass

from flask import Flask
from flask_limiter import Limiter
from limits import RateLimitItem, parse

from .errors import RateLimited

_UNITS = {"second": "sec", "minute": "min", "hour": "hour", "day": "day", "month": "month"}


@functools.lru_cache(maxsize=4096)
def _bucket(tenant: str, api_key: str) -> str:
    """The counter's key: a hash, since the API key is a secret and must not sit in the
    limiter's storage in plain text (cached: the same few pairs come again and again)."""
    return hashlib.sha256(f"{tenant}\0{api_key}".encode()).hexdigest()[:32]


def parse_spec(spec: str) -> RateLimitItem | None:
    """Parse `10/minute`, `100 per hour` or `off`; raise ValueError for anything else."""
    if spec.strip().lower() == "off":
        return None
    return parse(spec)


@dataclass(frozen=True)
class Window:
    """Where one bucket stands after a request was counted."""

    limit: int
    remaining: int
    reset_at: float  # Unix time the window ends

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


class RateLimits:
    """The per-app rate limiter; `spec` None means no limit (load tests, demos)."""

    def __init__(self, spec: str | None) -> None:
        self.item = parse_spec(spec) if spec else None
        self._limiter = Limiter(
            key_func=lambda: "",  # unused: buckets are keyed in `hit`
            storage_uri="memory://",
            strategy="fixed-window",
            headers_enabled=False,
        )

    def init_app(self, app: Flask) -> None:
        # flask-limiter registers its per-request hooks only for a limiter not yet listed
        # in app.extensions["limiter"]; listing it first keeps its storage and strategy
        # (what `hit` uses) without hooks that would find nothing to do on every request.
        app.extensions.setdefault("limiter", set()).add(self._limiter)
        self._limiter.init_app(app)

    @property
    def amount(self) -> int | None:
        return self.item.amount if self.item else None

    def describe(self) -> str:
        if self.item is None:
            return "off"
        unit = _UNITS.get(self.item.GRANULARITY.name, self.item.GRANULARITY.name)
        per = f"{self.item.multiples} {unit}" if self.item.multiples > 1 else unit
        return f"{self.item.amount} req/{per}"

    def hit(self, endpoint: str, tenant: str, api_key: str) -> Window | None:
        """Count one request; raise RateLimited (with its headers) when over the limit."""
        if self.item is None:
            return None
        bucket = _bucket(tenant, api_key)
        strategy = self._limiter.limiter
        allowed = strategy.hit(self.item, bucket, endpoint)
        reset_at, remaining = strategy.get_window_stats(self.item, bucket, endpoint)
        window = Window(self.item.amount, remaining, reset_at)
        if not allowed:
            retry_after = max(1, math.ceil(reset_at - time.time()))
            headers = window.headers() | {"Retry-After": str(retry_after)}
            raise RateLimited(f"Exceeded {self.describe()}.", headers=headers)
        return window

    def reset(self) -> None:
        """Clear every bucket (the control API's reset)."""
        self._limiter.reset()
