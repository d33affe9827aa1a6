"""The voucher tap alone, on the season database: CPU and SQL statements per tap in process, then
p50/p99 of 8 clients tapping at once over waitress (issue #16's "p99 with 8 concurrent clients").

    .venv/bin/python bench/bench_tap.py [--scale 0.03] [--taps 300] [--per-client 60] [--rounds 2]

Builds or reuses the season database like bench_season.py (``--scale`` of it), copies it for each
part, and taps 领取 for the no-ID pack with a fresh request token each time (every tap issues a
voucher and queues its ticket). To compare two commits, run it from each checkout, one after the
other: the machine's load moves both.
"""

import argparse
import os
import secrets
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_season import Served  # noqa: E402
from bench.bench_season import concurrent  # noqa: E402
from bench.bench_season import copy_instance  # noqa: E402
from bench.bench_season import ensure_season  # noqa: E402
from bench.bench_season import fmt  # noqa: E402
from bench.bench_season import prepare  # noqa: E402
from bench.harness import time_requests  # noqa: E402

FORM = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}


def in_process(instance, offer, taps):
    """Return (CPU ms per tap, wall ms per tap, statements per tap) through the Flask test client."""
    from bench.season_server import set_clock
    from kiosk import create_app
    from kiosk.models import database

    set_clock()
    app = create_app({"INSTANCE_PATH": str(instance), "WTF_CSRF_ENABLED": False, "PRINTER_URL": "virtual://",
                      "PRINTER_WORKER": False, "NO_ID_MIN_SECONDS": 0, "NO_ID_PER_HOUR": 0})
    client = app.test_client(use_cookies=False)  # a new visit each tap, as the benchmark's HTTP client
    sent = [0]
    original = database.obj.execute_sql

    def counting(*args, **kwargs):
        sent[0] += 1
        return original(*args, **kwargs)

    database.obj.execute_sql = counting
    try:
        for _ in range(30):  # warm-up: templates, the day's first write
            client.post("/packs/issue", data={"offer": offer, "token": secrets.token_hex(16)}, headers=FORM)
        sent[0] = 0
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(taps):
            response = client.post("/packs/issue", data={"offer": offer, "token": secrets.token_hex(16)}, headers=FORM)
            assert response.status_code == 200, response.status_code
        return ((time.process_time() - cpu) * 1000 / taps, (time.perf_counter() - wall) * 1000 / taps, sent[0] / taps)
    finally:
        database.obj.execute_sql = original


def summarise_trace(path):
    """Print the write turns recorded by season_server.trace_writes: waits, holds, commits, checkpoints."""
    import json

    from bench.harness import percentile

    turns = [json.loads(line) for line in open(path)]
    if not turns:
        return
    worker = [t for t in turns if t["thread"] == "print-worker"]
    slow = [t for t in turns if t["hold"] > 50]
    checkpoints = [t for t in turns if t["checkpoint"]]

    def spread(values):
        return f"{percentile(values, 50):.1f} / {percentile(values, 99):.1f} / {max(values):.1f}"

    print(f"write turns: {len(turns)} ({len(worker)} the print worker's); WAL frames per turn p50 "
          f"{percentile([t['frames'] for t in turns], 50)}")
    print(f"  wait for the turn p50 / p99 / max ms: {spread([t['wait'] for t in turns])}")
    print(f"  hold it: {spread([t['hold'] for t in turns])}; of it COMMIT {spread([t['commit'] for t in turns])}")
    print(f"  turns held > 50 ms: {len(slow)}, of them with a checkpoint: {sum(t['checkpoint'] for t in slow)}, "
          f"the print worker's: {sum(t['thread'] == 'print-worker' for t in slow)}")
    if checkpoints:
        print(f"  checkpoints inside a turn: {len(checkpoints)}, held p50 / max ms "
              f"{percentile([t['hold'] for t in checkpoints], 50):.1f} / {max(t['hold'] for t in checkpoints):.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.03)
    parser.add_argument("--taps", type=int, default=300)
    parser.add_argument("--per-client", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--trace", default=None,
                        help="write the served kiosk's write turns (queue wait, hold, commit ms) to this file")
    parser.add_argument("--checkpoint-aside", action="store_true",
                        help="experiment: the served kiosk checkpoints the WAL in a thread, never inside a commit")
    parser.add_argument("--no-print-worker", action="store_true",
                        help="the served kiosk queues tickets but sends none: what the print worker's turns cost")
    args = parser.parse_args()
    if args.trace and os.path.exists(args.trace):
        os.remove(args.trace)
    source = ensure_season(args.scale)
    with tempfile.TemporaryDirectory() as workdir:
        instance = copy_instance(source, Path(workdir) / "served")
        _app, ids = prepare(instance)
        env = {"KIOSK_INSTANCE_PATH": str(instance), **({"KIOSK_BENCH_TRACE": args.trace} if args.trace else {}),
               **({"KIOSK_BENCH_CHECKPOINT_ASIDE": "1"} if args.checkpoint_aside else {}),
               **({"KIOSK_BENCH_NO_WORKER": "1"} if args.no_print_worker else {})}
        kiosk = Served("bench.season_server:create", env, call=True)
        offer = ids["offers"]["warm"]
        rounds = []
        try:
            tap = lambda _i: urlencode({"offer": offer, "token": secrets.token_hex(16)})  # noqa: E731
            time_requests(kiosk.port, "POST", "/packs/issue", 30, FORM, tap)
            for _ in range(args.rounds):
                latencies = concurrent(8, kiosk.port, "POST", "/packs/issue", args.per_client, FORM, tap)
                rounds.append(f"{fmt(latencies)} ({len(concurrent.failures)} clients stopped by an error)")
        finally:
            kiosk.close()
        with sqlite3.connect(instance / "kiosk.sqlite3") as served:
            jobs = dict(served.execute("SELECT state, COUNT(*) FROM printjob GROUP BY state").fetchall())
        own = copy_instance(source, Path(workdir) / "own")
        _app, own_ids = prepare(own)
        cpu, wall, statements = in_process(own, own_ids["offers"]["warm"], args.taps)
    print(f"season scale {args.scale:g}; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"in process, {args.taps} taps: CPU {cpu:.2f} ms/tap, wall {wall:.2f} ms/tap, {statements:.0f} SQL statements/tap")
    print(f"8 concurrent clients × {args.per_client} taps over waitress (4 threads), p50 / p99 ms: " + "; ".join(rounds))
    print("print jobs when the kiosk stopped: " + ", ".join(f"{n} {state}" for state, n in sorted(jobs.items())))
    if args.trace:
        summarise_trace(args.trace)


if __name__ == "__main__":
    main()
