"""mockserver: a faithful, fast, fault-injecting local mock of the Clients REST API.

The public names are imported on first use (PEP 562): pytest loads this package's plugin
in every session of an environment that has it installed, and importing the app (Flask,
marshmallow, flask-limiter) there would cost each such session ~150 ms, mock or not.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import close_app, create_app
    from .config import Config

__all__ = ["Config", "close_app", "create_app"]
__version__ = "0.1.0"

_HOMES = {"create_app": ".app", "close_app": ".app", "Config": ".config"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name], __name__), name)
