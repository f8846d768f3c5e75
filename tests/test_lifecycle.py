"""Start and stop without sleeps or leftovers, also with keep-alive clients connected."""

from __future__ import annotations

import http.client
import json
import threading

import pytest

from mockserver.testing import MockServer


def _thread_names() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_many_start_stop_cycles_leave_no_thread_or_socket_behind() -> None:
    before = threading.active_count()
    for _ in range(15):
        mock = MockServer().start()
        keep_alive = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
        keep_alive.request("GET", "/__mock/health")
        assert keep_alive.getresponse().read()  # connection stays open
        mock.stop()
        keep_alive.close()
        with pytest.raises(OSError):
            http.client.HTTPConnection("127.0.0.1", mock.port, timeout=2).connect()
    assert threading.active_count() <= before, _thread_names()  # every thread joined


def test_two_mocks_in_one_process_share_nothing() -> None:
    with MockServer(rate_limit="2/minute") as first, MockServer() as second:
        headers = first.headers() | {"Content-Type": "application/json"}
        for mock, limit in ((first, "2"), (second, "10")):
            connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
            connection.request("POST", "/apidev/v1/clients", body=b'{"name": "A"}', headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 201 and response.getheader("X-RateLimit-Limit") == limit
            connection.close()
        assert len(first.state.store) == 37 and len(second.state.store) == 37
        assert first.state.store is not second.state.store


def test_an_empty_store_without_fixtures() -> None:
    with MockServer(seed_fixtures=False) as mock:
        connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=5)
        connection.request("GET", "/__mock/health")
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["data"]["clients"] == 0
        connection.close()
