"""pytest fixtures, registered through the `pytest11` entry point.

- `mockserver`: one mock for the whole session (temp DB, port 0).
- `mock`: the same mock, reset to the fixtures (data and rate limits) before each test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .testing import MockServer


@pytest.fixture(scope="session")
def mockserver() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture
def mock(mockserver: MockServer) -> MockServer:
    mockserver.reset()
    return mockserver
