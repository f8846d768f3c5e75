"""Snowflake ids: layout, uniqueness under threads, clock going back, deterministic mode."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import CLIENTS, call

from mockserver.ids import (
    DETERMINISTIC_START_MS,
    EPOCH_MS,
    SnowflakeGenerator,
    id_millis,
    iso_millis,
    parse_id,
)
from mockserver.testing import MockServer

FIRST_DETERMINISTIC = ((DETERMINISTIC_START_MS - EPOCH_MS) << 22) | (1 << 12)


def test_layout_is_ms_worker_sequence() -> None:
    generator = SnowflakeGenerator(worker_id=5)
    client_id = generator.next_id()
    assert (client_id >> 12) & 0x3FF == 5
    assert abs(id_millis(client_id) - generator.now_ms()) < 5_000
    assert 18 <= len(str(client_id)) <= 19


def test_unique_and_increasing_across_threads() -> None:
    generator = SnowflakeGenerator()
    with ThreadPoolExecutor(max_workers=8) as pool:
        batches = list(pool.map(lambda _: [generator.next_id() for _ in range(5000)], range(8)))
    every = [i for batch in batches for i in batch]
    assert len(set(every)) == 40_000
    assert all(batch == sorted(batch) for batch in batches)


def test_clock_moving_back_never_repeats_an_id() -> None:
    generator = SnowflakeGenerator()
    times = iter([10_000_000_000_000, 10_000_000_000_000, 9_000_000_000_000, 9_000_000_000_001])
    generator._clock = lambda: next(times)
    ids = [generator.next_id() for _ in range(4)]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_sequence_overflow_borrows_the_next_millisecond() -> None:
    generator = SnowflakeGenerator()
    generator._clock = lambda: EPOCH_MS + 1000
    ids = [generator.next_id() for _ in range(4097)]
    assert len(set(ids)) == 4097 and ids == sorted(ids)
    assert id_millis(ids[-1]) == EPOCH_MS + 1001


def test_observe_puts_a_floor_under_new_ids() -> None:
    generator = SnowflakeGenerator()
    future = SnowflakeGenerator().next_id() + (10_000 << 22)  # ten seconds ahead
    generator.observe(future)
    assert generator.next_id() > future


def test_deterministic_mode_starts_2026_and_moves_one_ms_per_id() -> None:
    generator = SnowflakeGenerator(deterministic=True)
    ids = [generator.next_id() for _ in range(3)]
    assert ids == [FIRST_DETERMINISTIC + (n << 22) for n in range(3)]
    assert iso_millis(id_millis(ids[0])) == "2026-01-01T00:00:00.000Z"
    generator.restart()
    assert generator.next_id() == FIRST_DETERMINISTIC


def test_parse_id_accepts_only_canonical_positive_63_bit_integers() -> None:
    assert parse_id("1") == 1 and parse_id("9223372036854775807") == 2**63 - 1
    for bad in ["0", "01", "-1", "+1", "1.0", " 1", "9223372036854775808", "", "1" * 20]:
        assert parse_id(bad) is None


def test_deterministic_server_gives_the_same_ids_on_every_run_and_reset() -> None:
    def three_ids(mock: MockServer) -> list[str]:
        return [call(mock, "POST", CLIENTS, {"name": "A"}).json()["data"]["id"] for _ in range(3)]

    with MockServer(deterministic_ids=True) as first:
        run_one = three_ids(first)
        first.reset()
        assert three_ids(first) == run_one
        created = call(first, "GET", f"{CLIENTS}/{run_one[0]}").json()["data"]["created_at"]
    with MockServer(deterministic_ids=True) as second:
        assert three_ids(second) == run_one
    assert run_one[0] == str(FIRST_DETERMINISTIC)
    assert created == "2026-01-01T00:00:00.000Z"


def test_ids_are_strings_and_increase_over_http(mock: MockServer) -> None:
    ids = [call(mock, "POST", CLIENTS, {"name": "A"}).json()["data"]["id"] for _ in range(5)]
    assert all(isinstance(i, str) for i in ids)
    assert [int(i) for i in ids] == sorted(int(i) for i in ids) and len(set(ids)) == 5


def test_a_restarted_mock_stays_above_every_id_it_ever_stored(tmp_path) -> None:
    """Even when the clock is behind the stored ids (it moved back), and after a reset."""
    from mockserver.store import ClientStore

    db = tmp_path / "db.json"
    with MockServer(db=db) as first:
        first.reset()
    store = ClientStore(db)
    future = SnowflakeGenerator().next_id() + (3_600_000 << 22)  # an hour ahead of the clock
    store.create("demo", future, {"name": "From the future"}, now="x", created="x")
    store.close()
    with MockServer(db=db) as second:
        second.reset()  # the fixtures come back, the high-water mark stays
        new_id = call(second, "POST", CLIENTS, {"name": "A"}).json()["data"]["id"]
        assert int(new_id) > future
