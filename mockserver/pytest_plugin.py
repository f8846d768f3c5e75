"""pytest fixtures, registered through the `pytest11` entry point.

- `mockserver`: one mock for the whole session (temp DB, port 0).
- `mock`: the same mock, reset to the fixtures (data and rate limits) before each test.

pytest imports this module in every session of an environment that has mockserver
installed; the mock itself is imported only when a test first asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .testing import MockServer


@pytest.fixture(scope="session")
def mockserver() -> Iterator[MockServer]:
    from .testing import MockServer

    with MockServer() as server:
        yield server


@pytest.fixture
def mock(mockserver: MockServer) -> MockServer:
    mockserver.reset()
    return mockserver
