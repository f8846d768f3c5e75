"""The clients store: the only package that touches TinyDB (see `clients.py` for the design)."""

from .clients import ClientStore, public_view

__all__ = ["ClientStore", "public_view"]
