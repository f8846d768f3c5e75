"""One configuration object, filled from defaults, then environment, then command line.

Each option is one row of `OPTIONS`: its flag, its environment variable, its parser and
its help, so that `--help`, the environment and the README cannot disagree.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from .errors import ConfigError
from .ratelimit import parse_spec

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    """Everything a mock instance needs; the defaults are the real API's behaviour."""

    host: str = "127.0.0.1"
    port: int = 8080
    db: Path = REPO_ROOT / ".mock-data" / "clients.json"
    fixtures: Path = REPO_ROOT / "fixtures"
    scenarios: Path = REPO_ROOT / "scenarios"
    scenario: str = "default"
    fresh: bool = False
    deterministic_ids: bool = False
    worker_id: int = 1
    threads: int = 16
    log_level: str = "INFO"
    rate_limit: str | None = "10/minute"
    jwt_secret: str | None = None  # None: the secret in fixtures/auth.json
    accept_unverified_jwt: bool = False
    durable: bool = True
    seed_fixtures: bool = True


def _int_in(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(f"must be {low}..{high}")
        return value

    return parse


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("must be true or false")


def _rate(text: str) -> str | None:
    return None if parse_spec(text) is None else text


def _level(text: str) -> str:
    if text.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return text.upper()


class Option(NamedTuple):
    field: str
    flag: str
    env: str
    parse: Callable[[str], Any]
    help: str
    switch: bool | None = None  # for a bare flag: the value it sets


OPTIONS: tuple[Option, ...] = (
    Option("host", "--host", "MOCK_HOST", str, "interface to listen on"),
    Option("port", "--port", "MOCK_PORT", _int_in(0, 65535), "port; 0 picks a free one"),
    Option("db", "--db", "MOCK_DB", Path, "TinyDB JSON file (journal beside it)"),
    Option("fixtures", "--fixtures", "MOCK_FIXTURES", Path, "folder of clients.json, auth.json"),
    Option("scenarios", "--scenarios", "MOCK_SCENARIOS", Path, "folder of scenario files"),
    Option("scenario", "--scenario", "MOCK_SCENARIO", str, "scenario active at start"),
    Option("fresh", "--fresh", "MOCK_FRESH", _bool, "wipe the DB, load the fixtures", True),
    Option(
        "deterministic_ids",
        "--deterministic-ids",
        "MOCK_DETERMINISTIC_IDS",
        _bool,
        "same ids and timestamps on every run (virtual clock from 2026-01-01)",
        True,
    ),
    Option("worker_id", "--worker-id", "MOCK_WORKER_ID", _int_in(0, 1023), "snowflake worker"),
    Option("threads", "--threads", "MOCK_THREADS", _int_in(1, 256), "waitress worker threads"),
    Option("log_level", "--log-level", "MOCK_LOG_LEVEL", _level, "DEBUG, INFO, WARNING, ERROR"),
    Option("rate_limit", "--rate-limit", "MOCK_RATE_LIMIT", _rate, "e.g. 100/minute, or off"),
    Option("jwt_secret", "--jwt-secret", "MOCK_JWT_SECRET", str, "HS256 secret for JWTs"),
    Option(
        "accept_unverified_jwt",
        "--accept-unverified-jwt",
        "MOCK_ACCEPT_UNVERIFIED_JWT",
        _bool,
        "trust JWT claims without checking the signature (unsafe; warns)",
        True,
    ),
    Option(
        "durable",
        "--no-fsync",
        "MOCK_FSYNC",
        _bool,
        "acknowledge writes before they reach the disk (faster, loses writes on a crash)",
        False,
    ),
)

DEFAULTS = Config()


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.env not in environ:
            continue
        try:
            values[option.field] = option.parse(environ[option.env])
        except ValueError as exc:
            raise ConfigError(f"{option.env}={environ[option.env]!r}: {exc}") from None
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Local mock of the Clients API. Every flag has an environment variable.",
    )
    for option in OPTIONS:
        default = getattr(DEFAULTS, option.field)
        text = f"{option.help} [env {option.env}; default {default}]"
        if option.switch is not None:
            parser.add_argument(
                option.flag,
                dest=option.field,
                action="store_const",
                const=option.switch,
                help=text,
            )
        else:
            parser.add_argument(option.flag, dest=option.field, metavar="VALUE", help=text)
    return parser


def load_config(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """Defaults, then environment, then command line; a bad value is one ConfigError line."""
    values = _from_env(os.environ if environ is None else environ)
    args = vars(build_parser().parse_args(argv))
    for option in OPTIONS:
        given = args.get(option.field)
        if given is None:
            continue
        if option.switch is not None:
            values[option.field] = given
            continue
        try:
            values[option.field] = option.parse(given)
        except ValueError as exc:
            raise ConfigError(f"{option.flag} {given!r}: {exc}") from None
    known = {f.name for f in fields(Config)}
    return replace(DEFAULTS, **{k: v for k, v in values.items() if k in known})
