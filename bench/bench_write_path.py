"""Mixed writers on one kiosk database: p50/p99 of each write, before and after the write-path decision.

Eight threads of one process (as waitress's eight threads on a kiosk) write
at once, each a mix of the kiosk's real use cases on a real SQLite file (WAL,
synchronous=FULL): a registration confirm, a voucher issue, a tally tap and a
volunteer's PIN sign-in (scrypt, then its short write). The same workload runs
three ways in one process:

* bare sqlite3: eight threads inserting one row per commit, same pragmas (the floor);
* before: peewee's plain SqliteDatabase, DEFERRED transactions except where a
  domain asked for IMMEDIATE, every thread left to SQLite's busy handler;
* after: kiosk.database.SerialWriteDatabase, every transaction BEGIN IMMEDIATE
  behind one first-come-first-served writer queue.

    .venv/bin/python bench/bench_write_path.py [--ops N] [--threads T]
"""

import argparse
import datetime
import platform
import secrets
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import percentile  # noqa: E402

PIN = "2468"
KINDS = ("registration confirm", "voucher issue", "tally tap", "PIN sign-in")


def build(workdir, serial):
    from peewee import SqliteDatabase

    from kiosk import clock
    from kiosk import create_app
    from kiosk import database as kiosk_database
    from kiosk import volunteers
    from kiosk import vouchers
    from kiosk.models import database

    app = create_app({"INSTANCE_PATH": str(Path(workdir) / "instance"), "PRINTER_URL": "virtual://",
                      "DATABASE_URL": f"sqlite:///{Path(workdir) / 'kiosk.sqlite3'}"})
    if not serial:  # the write path as it was: peewee's own SQLite, busy handler only
        database.initialize(SqliteDatabase(str(Path(workdir) / "kiosk.sqlite3"), pragmas=kiosk_database.SQLITE_PRAGMAS,
                                           timeout=kiosk_database.WRITE_TIMEOUT))
    with app.app_context(), database.connection_context():
        vouchers.define_pack("warm", "暖心小礼包", "矿泉水、口罩", no_id_needed=True)
        vouchers.stock_in("warm", 100000, "benchmark")
        campaign = vouchers.add_campaign("春风行动", clock.local_day(), clock.local_day() + datetime.timedelta(days=1))
        offer_id = vouchers.offer(campaign.id, "warm", "campaign").id
        volunteer_id = volunteers.add("王芳", PIN).id
    return app, offer_id, volunteer_id


def writer(app, offer_id, volunteer_id, ops, index, results, errors, start_line):
    from kiosk import registration
    from kiosk import tallies
    from kiosk import volunteers
    from kiosk import vouchers
    from kiosk.models import database

    county = str(app.config["STATION_COUNTY"])
    with app.app_context(), database.connection_context():
        start_line.wait()
        for n in range(ops):
            kind = KINDS[(index + n) % len(KINDS)]
            began = time.perf_counter()
            try:
                if kind == "registration confirm":
                    draft = registration.choose_home(registration.start("home"), county, county)
                    registration.register(draft)
                elif kind == "voucher issue":
                    vouchers.issue(offer_id, secrets.token_hex(16))
                elif kind == "tally tap":
                    tallies.tap("tea_water", volunteer_id)
                else:
                    volunteers.sign_in(volunteer_id, PIN)
            except Exception as error:  # "database is locked" is what the before-case shows
                errors.append(f"{kind}: {type(error).__name__}: {error}")
                continue
            results.setdefault(kind, []).append((time.perf_counter() - began) * 1000)


def run(serial, threads, ops):
    with tempfile.TemporaryDirectory() as workdir:
        app, offer_id, volunteer_id = build(workdir, serial)
        results, errors, start_line = {}, [], threading.Barrier(threads)
        workers = [threading.Thread(target=writer, args=(app, offer_id, volunteer_id, ops, i, results, errors, start_line))
                   for i in range(threads)]
        began = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return results, errors, time.perf_counter() - began


def bare(threads, ops):
    """Eight threads inserting one row per commit with the kiosk's pragmas: the floor."""
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "bare.sqlite3"
        setup = sqlite3.connect(path)
        setup.execute("PRAGMA journal_mode=wal")
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        setup.close()
        latencies, start_line = [], threading.Barrier(threads)

        def insert():
            conn = sqlite3.connect(path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA synchronous=FULL")
            start_line.wait()
            for _ in range(ops):
                began = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO t (v) VALUES (?)", (secrets.token_hex(8),))
                conn.execute("COMMIT")
                latencies.append((time.perf_counter() - began) * 1000)
            conn.close()

        workers = [threading.Thread(target=insert) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return latencies


def row(name, latencies, failed=0):
    if not latencies:
        return f"{name:<34} {'-':>8} {'-':>8} {'-':>8} {failed:>7}"
    return (f"{name:<34} {percentile(latencies, 50):>8.1f} {percentile(latencies, 99):>8.1f} "
            f"{max(latencies):>8.1f} {failed:>7}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=60, help="writes per thread")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print(f"{args.threads} threads × {args.ops} writes; {platform.python_version()}, {platform.machine()}, "
          f"SQLite {sqlite3.sqlite_version} WAL synchronous=FULL; milliseconds")
    print(f"{'':<34} {'p50':>8} {'p99':>8} {'max':>8} {'failed':>7}")
    print(row("bare sqlite3 insert (floor)", bare(args.threads, args.ops)))
    for label, serial in (("before", False), ("after", True)):
        results, errors, wall = run(serial, args.threads, args.ops)
        every = [ms for kind in KINDS for ms in results.get(kind, [])]
        print(f"-- {label}: {len(every)} writes in {wall:.1f} s, {len(errors)} failed")
        for kind in KINDS:
            failed = sum(1 for e in errors if e.startswith(kind))
            print(row(f"  {kind}", results.get(kind, []), failed))
        print(row("  all writes", every, len(errors)))
        for message in sorted(set(e.split(": ", 1)[1] for e in errors))[:3]:
            print(f"     e.g. {message}")


if __name__ == "__main__":
    main()
