"""`python run_mock.py` / `mockserver`: parse the config, serve until Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .app import close_app, create_app
from .config import Config, load_config
from .errors import ConfigError
from .logs import log_off_the_request_threads
from .server import ServerThread

log = logging.getLogger("mockserver")


def _stop_on_signals(server: ServerThread) -> None:
    """Ctrl-C and SIGTERM stop the server; installed before the 'listening' line."""

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("stopping (signal %d)", signum)
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config = load_config(argv)
    except ConfigError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    listener = log_off_the_request_threads(config.log_level)
    try:
        return _serve(config)
    finally:
        listener.stop()  # writes every queued line before the process ends


def _serve(config: Config) -> int:
    try:
        app = create_app(config)
    except ConfigError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    try:
        server = ServerThread(app, config.host, config.port, config.threads)
    except OSError as exc:
        print(
            f"mockserver: cannot listen on {config.host}:{config.port}: {exc.strerror}",
            file=sys.stderr,
        )
        close_app(app)
        return 2
    _stop_on_signals(server)
    state = app.extensions["mockserver"]
    if config.accept_unverified_jwt:
        log.warning("!" * 72)
        log.warning("--accept-unverified-jwt is ON: JWT signatures are NOT checked.")
        log.warning("Anyone can forge any permission. Never expose this mock to a network.")
        log.warning("!" * 72)
    log.info(
        "mockserver listening on %s (db %s, %d clients, rate limit %s, ids %s, scenario %s)",
        server.url,
        config.db,
        len(state.store),
        state.rate_limits.describe(),
        "deterministic" if config.deterministic_ids else "snowflake",
        state.faults.active()["name"],
    )

    server.serve_forever()
    close_app(app)
    log.info("stopped; journal folded into %s", config.db)
    return 0
