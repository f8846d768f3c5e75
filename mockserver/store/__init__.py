"""The clients store: the only package that touches TinyDB (see `clients.py` for the design)."""

from .clients import ClientStore, new_doc, public_view

__all__ = ["ClientStore", "new_doc", "public_view"]
