"""The performance benchmark: the mock against the ceiling of its stack, in one run.

    python bench/run.py [--duration 8] [--rounds 3] [--records 100000] [--threads 16]

Starts, on loopback, a bare WSGI callable on waitress (the ceiling: `waitress.serve(app)`
as it comes, 4 threads; also shown with the mock's thread count), a minimal Flask
route, and the mock (auth, validation, a raised rate limit, the journal with fsync), with
an empty store and with --records clients stored; drives each with wrk (16 connections)
and prints req/s, p50/p99, start-up and peak RSS, with the ratios the performance issue
sets as targets. Nothing here asserts: it prints, and people compare.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from mockserver.model import PAGE_CREATE_EXAMPLE as PAGE_BODY  # noqa: E402

PY = sys.executable
HEADERS = {
    "Authorization": "Bearer dev-token",
    "X-API-Key": "dev-api-key",
    "tenant": "demo",
    "Content-Type": "application/json",
}
UPDATE_BODY = {
    "email": "new-info@regionaldist.com",
    "phone": "+59821005555",
    "notes": "Updated primary contact",
}
DEMO_ID = "685640214290370560"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing it with apt-get", flush=True)
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        try:
            subprocess.run(step, check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f"bench: could not install wrk ({exc}); install it (Debian: wrk) and rerun")
    return shutil.which("wrk") or sys.exit("bench: wrk is still not on PATH after apt-get")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            sys.exit(f"server exited early: {process.args}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.002)
    sys.exit(f"server did not answer within {timeout} s: {process.args}")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


def lua_script(method: str, body: dict | None) -> str:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in HEADERS.items()]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
    return "\n".join(lines) + "\n"


def run_wrk(wrk: str, url: str, method: str, body: dict | None, duration: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(method, body))
    try:
        out = subprocess.run(
            [wrk, "-t1", "-c16", f"-d{duration}s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": _latency(out, "50%"),
        "p99": _latency(out, "99%"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def _latency(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def start(args: list[str], health: str) -> tuple[subprocess.Popen, float]:
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return process, wait_until_up(health, process)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(60)


def bench_ceiling(wrk: str, duration: int, threads: int, flavour: list[str]) -> dict:
    port = free_port()
    process, startup = start(
        [PY, str(HERE / "ceiling.py"), str(port), str(threads), *flavour],
        f"http://127.0.0.1:{port}/__mock/health",
    )
    try:
        result = run_wrk(
            wrk, f"http://127.0.0.1:{port}/apidev/v1/clients", "POST", PAGE_BODY, duration
        )
    finally:
        stop(process)
    return result | {"startup": startup}


def mock_command(port: int, db: Path, threads: int) -> list[str]:
    return [
        PY,
        "run_mock.py",
        "--port",
        str(port),
        "--db",
        str(db),
        "--threads",
        str(threads),
        "--rate-limit",
        "100000000/minute",
        "--log-level",
        "WARNING",
    ]


def bench_mock(wrk: str, duration: int, threads: int, db: Path) -> dict:
    port = free_port()
    process, startup = start(
        mock_command(port, db, threads), f"http://127.0.0.1:{port}/__mock/health"
    )
    base = f"http://127.0.0.1:{port}/apidev/v1/clients"
    try:
        results = {
            "create": run_wrk(wrk, base, "POST", PAGE_BODY, duration),
            "update": run_wrk(wrk, f"{base}/{DEMO_ID}", "PUT", UPDATE_BODY, duration),
            "get": run_wrk(wrk, f"{base}/{DEMO_ID}", "GET", None, duration),
        }
        rss = peak_rss_mib(process.pid)
    finally:
        stop(process)
    return {"endpoints": results, "startup": startup, "rss": rss}


def startup_median(command: list[str], port: int, times: int) -> float:
    """CLI launch to first answer, the median of `times` launches."""
    samples = []
    for _ in range(times):
        process, startup = start(command, f"http://127.0.0.1:{port}/__mock/health")
        stop(process)
        samples.append(startup)
    return statistics.median(samples)


def in_process_start() -> float:
    """App factory + waitress on port 0 to first answer, as the pytest fixture does it
    (imports done beforehand, as they are in a test session); the median of 5."""
    from mockserver.testing import MockServer

    times = []
    for _ in range(5):
        started = time.perf_counter()
        mock = MockServer().start()
        urllib.request.urlopen(mock.url + "/__mock/health", timeout=5).read()
        times.append(time.perf_counter() - started)
        mock.stop()
    return statistics.median(times)


def seeded_db(folder: Path, records: int) -> Path:
    db = folder / f"seeded-{records}.json"
    # Fixtures first (so the benchmark's update/get id exists), then the bulk.
    process, _ = start(
        [PY, "run_mock.py", "--port", str(port := free_port()), "--db", str(db)],
        f"http://127.0.0.1:{port}/__mock/health",
    )
    stop(process)
    started = time.perf_counter()
    subprocess.run(
        [PY, "-m", "mockserver.seed", "--db", str(db), "--count", str(records)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    print(f"seeded {records} clients in {time.perf_counter() - started:.1f} s", flush=True)
    return db


def one_round(wrk: str, args: argparse.Namespace, folder: Path, seeded: Path) -> dict:
    """Every server once, back to back, each on a fresh copy of its store."""
    for stale in folder.glob("round*"):
        stale.unlink()
    big = folder / "round-big.json"
    shutil.copyfile(seeded, big)
    return {
        "ceiling": bench_ceiling(wrk, args.duration, 4, []),  # waitress's default
        "ceiling_wide": bench_ceiling(wrk, args.duration, args.threads, []),
        "flask": bench_ceiling(wrk, args.duration, 4, ["flask"]),
        "empty": bench_mock(wrk, args.duration, args.threads, folder / "round-empty.json"),
        "big": bench_mock(wrk, args.duration, args.threads, big),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians are shown")
    parser.add_argument("--records", type=int, default=100_000, help="clients for the big run")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads of the mock")
    args = parser.parse_args()
    wrk = ensure_wrk()
    # Start-up is measured as users see it from the second run on: with bytecode caches
    # (compileall writes them even where PYTHONDONTWRITEBYTECODE is set, as on CI).
    subprocess.run(
        [PY, "-m", "compileall", "-q", "mockserver", "bench", "run_mock.py"], cwd=ROOT, check=True
    )
    folder = Path(tempfile.mkdtemp(prefix="mockbench-"))
    try:
        print(f"machine: {os.cpu_count()} cores, {platform_line()}", flush=True)
        seeded = seeded_db(folder, args.records)
        rounds = []
        for number in range(1, args.rounds + 1):
            print(f"round {number} of {args.rounds}", flush=True)
            rounds.append(one_round(wrk, args, folder, seeded))
        report(rounds, args.records, args.threads)
        report_startup(folder, seeded, args.records, args.threads)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def platform_line() -> str:
    import platform

    return f"Python {platform.python_version()}, {platform.platform()}"


def _flatten(one: dict) -> dict[str, dict]:
    """One round's results by row key: ceiling, ceiling_wide, flask, empty.create, ..."""
    rows = {name: one[name] for name in ("ceiling", "ceiling_wide", "flask")}
    for store in ("empty", "big"):
        for endpoint, result in one[store]["endpoints"].items():
            rows[f"{store}.{endpoint}"] = result
    return rows


def _ratios(flats: list[dict], top: str, bottom: str, field: str = "rps") -> list[float]:
    """The ratio top/bottom of one field, taken within each round."""
    return [flat[top][field] / flat[bottom][field] for flat in flats]


def report(rounds: list[dict], records: int, threads: int) -> None:
    """Medians over the rounds; every ratio is taken within a round, then its median."""
    flats = [_flatten(one) for one in rounds]
    print()
    print(f"medians of {len(rounds)} rounds; ratios are per round, to that round's ceiling")
    print(
        f"{'server / endpoint':<34}{'req/s':>9}{'x ceiling':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'non-2xx':>9}"
    )
    labels = {
        "ceiling": "bare WSGI on waitress (ceiling)",
        "ceiling_wide": f"bare WSGI, {threads} threads",
        "flask": "minimal Flask route",
    }
    for store, label in (("empty", "empty store"), ("big", f"{records:,} stored")):
        for endpoint in ("create", "update", "get"):
            labels[f"{store}.{endpoint}"] = f"mock {endpoint}, {label}"
    for key, label in labels.items():
        median = {
            f: statistics.median(flat[key][f] for flat in flats) for f in ("rps", "p50", "p99")
        }
        print(
            f"{label:<34}{median['rps']:>9.0f}"
            f"{statistics.median(_ratios(flats, key, 'ceiling')):>10.3f}"
            f"{median['p50']:>9.2f}{median['p99']:>9.2f}"
            f"{sum(flat[key]['errors'] for flat in flats):>9}"
        )
    print()
    checks = [
        ("create / ceiling (>= 0.25)", _ratios(flats, "empty.create", "ceiling")),
        ("update / ceiling (>= 0.25)", _ratios(flats, "empty.update", "ceiling")),
        ("get / ceiling (>= 0.25)", _ratios(flats, "empty.get", "ceiling")),
        (
            f"create at {records:,} / create empty (>= 0.8)",
            _ratios(flats, "big.create", "empty.create"),
        ),
        (
            f"p99 at {records:,} / p99 empty (<= 1.5)",
            _ratios(flats, "big.create", "empty.create", "p99"),
        ),
        ("create p99 / ceiling p99 (<= 4)", _ratios(flats, "empty.create", "ceiling", "p99")),
        (
            f"create / ceiling with {threads} threads",
            _ratios(flats, "empty.create", "ceiling_wide"),
        ),
    ]
    for label, values in checks:
        spread = f"  ({min(values):.2f} to {max(values):.2f})" if len(values) > 1 else ""
        print(f"{label:<48}{statistics.median(values):>8.2f}{spread}")
    rss = {
        store: statistics.median(one[store]["rss"] for one in rounds) for store in ("empty", "big")
    }
    print(
        f"{'peak RSS, empty / ' + f'{records:,}':<48}{rss['empty']:>6.0f} / "
        f"{rss['big']:.0f} MiB (<= 250 at {records:,})"
    )


def report_startup(folder: Path, seeded: Path, records: int, threads: int) -> None:
    """CLI start-up to first answer, medians of 5 launches (3 for the big store)."""
    port = free_port()
    ceiling = startup_median([PY, str(HERE / "ceiling.py"), str(port), "4"], port, 5)
    flask = startup_median([PY, str(HERE / "ceiling.py"), str(port), "4", "flask"], port, 5)
    empty_db = folder / "startup-empty.json"
    empty = startup_median(mock_command(port, empty_db, threads), port, 5)
    big = startup_median(mock_command(port, seeded, threads), port, 3)
    print(f"{'start-up / ceiling start-up (<= 2.5)':<48}{empty / ceiling:>8.2f}")
    print(f"{'start-up / minimal Flask start-up':<48}{empty / flask:>8.2f}")
    print(f"{'minimal Flask start-up / ceiling (any Flask app)':<48}{flask / ceiling:>8.2f}")
    print(
        f"{'start-up, ceiling / Flask / empty / ' + f'{records:,}':<48}"
        f"{ceiling * 1000:>6.0f} / {flask * 1000:.0f} / {empty * 1000:.0f} / "
        f"{big * 1000:.0f} ms (<= 1000 at {records:,})"
    )
    print(
        f"{'in-process start to first answer (< 100 ms)':<48}{in_process_start() * 1000:>6.0f} ms"
    )


if __name__ == "__main__":
    main()
