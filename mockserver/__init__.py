"""mockserver: a faithful, fast, fault-injecting local mock of the Clients REST API."""

from .app import close_app, create_app
from .config import Config

__all__ = ["Config", "close_app", "create_app"]
__version__ = "0.1.0"
