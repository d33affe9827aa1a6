"""Central office at scale: pulling 2,000 kiosks over loopback, and importing 1M cells.

    .venv/bin/python bench/bench_sync.py [--kiosks 2000] [--cells-per-kiosk 60]
                                         [--import-cells 1000000] [--no-postgres]

Part 1 serves every kiosk from ONE child process (waitress, 4 threads): a
WSGI app that answers ``/k/<n>/sync/cells`` with a signed page in the real
format (``kiosk.sync``) for kiosk n, from cells made up at start. The office
pulls them all with ``kiosk.central.pull.pull_all`` (the code behind
``flask --app kiosk.central pull``), then pulls again when nothing changed.

Part 2 writes signed bundles holding 1M cells in total and imports them with
``kiosk.central.pull.import_bundle`` (the code behind ``import FILE``) into
SQLite and, when one is reachable, PostgreSQL; then imports one bundle again.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ServedApp  # noqa: E402

POSTGRES_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
START = datetime.date(2027, 1, 1)
COUNTIES = ["511102", "511111", "511112", "511123", "511124", "511126", "511129", "511181"]
DESTINATIONS = ["440300", "440100", "441900", "350100", "330600", "510100"]


def token(n):
    return f"bench-token-{n:05d}-0123456789abcdef"


def made_up_cells(count, days=1):
    """Plausible cells: registrations by direction/county/destination, packs, luggage, tallies."""
    cells = []
    per_day = max(1, count // days)
    for d in range(days):
        day = (START + datetime.timedelta(days=d)).isoformat()
        shapes = [("vouchers.issued", {"pack": "warm"}), ("vouchers.redeemed", {"pack": "warm"}),
                  ("luggage.checked_in", {}), ("luggage.claimed", {})]
        shapes += [("tallies", {"service": s}) for s in ("guidance", "tea_water", "medicine", "care", "transport_info")]
        for direction in ("home", "work"):
            for county in COUNTIES:
                for destination in DESTINATIONS:
                    shapes.append(("registrations", {"direction": direction, "county": county, "destination": destination}))
        for metric, dims in shapes[: min(per_day, count - len(cells))]:
            cells.append({"day": day, "metric": metric, "dims": dims, "value": 1 + len(cells) % 7, "seq": len(cells) + 1})
    return cells


def batch(n, since, upto, cells):
    from kiosk import sync

    body = {
        "format": sync.FORMAT,
        "kiosk": uuid.UUID(int=n + 1).hex,
        "key": sync.key_id(token(n)),
        "station": {"code": f"bench-{n:04d}", "name": f"测试站{n}", "county": COUNTIES[n % len(COUNTIES)]},
        "since": since,
        "next": upto,
        "head": len(cells),
        "more": upto < len(cells),
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "cells": cells[since:upto],
    }
    return sync.sign(body, token(n))


def fleet_app(kiosks, cells_per_kiosk):
    """A WSGI app answering for many kiosk ids at once (built in the server process)."""

    def build():
        import logging

        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # a busy queue is the point here
        cells = made_up_cells(cells_per_kiosk)

        def app(environ, start_response):
            parts = environ["PATH_INFO"].strip("/").split("/")  # k/<n>/sync/cells
            n = int(parts[1])
            if environ.get("HTTP_AUTHORIZATION") != f"Bearer {token(n)}":
                start_response("401 Unauthorized", [("Content-Type", "application/json")])
                return [b"{}"]
            query = dict(p.split("=") for p in environ.get("QUERY_STRING", "").split("&") if p)
            since, limit = int(query.get("since", 0)), int(query.get("limit", 500))
            upto = min(len(cells), since + limit) if since < len(cells) else since
            body = json.dumps(batch(n, since, upto, cells), ensure_ascii=False).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                      ("Cache-Control", "no-store")])
            return [body]

        return app

    return build


def central(workdir, url):
    from kiosk.central import create_app

    return create_app({"INSTANCE_PATH": str(Path(workdir) / "central"), "DATABASE_URL": url})


def databases(workdir, want_postgres, tag):
    """Yield (name, url) for a fresh SQLite file and, if reachable, a fresh PostgreSQL schema."""
    yield "SQLite", f"sqlite:///{Path(workdir) / f'central-{tag}.sqlite3'}"
    if not want_postgres:
        return
    try:
        import psycopg

        schema = f"bench_{os.getpid()}"
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as error:  # the benchmark still reports SQLite
        print(f"PostgreSQL skipped: {error}")
        return
    try:
        yield "PostgreSQL", f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        from kiosk.central.models import database

        if not database.is_closed():
            database.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_pull(workdir, url, port, args):
    from kiosk.central import pull
    from kiosk.central import registry
    from kiosk.central.models import Cell
    from kiosk.central.models import Kiosk
    from kiosk.central.models import database
    from kiosk.central.models import write_transaction

    app = central(workdir, url)
    with app.app_context(), database.connection_context():
        from kiosk import sync

        with write_transaction():
            Kiosk.delete().execute()
            rows = [
                {"name": f"kiosk-{n:04d}", "url": f"http://127.0.0.1:{port}/k/{n}", "token": token(n),
                 "key_id": sync.key_id(token(n))}
                for n in range(args.kiosks)
            ]
            for start in range(0, len(rows), 500):
                Kiosk.insert_many(rows[start : start + 500]).execute()
        kiosks = registry.pullable()
        results = []
        for label in ("first pull", "no-change re-pull"):
            started = time.perf_counter()
            summary = pull.pull_all(kiosks, concurrency=args.concurrency, page_size=1000, timeout=30)
            seconds = time.perf_counter() - started
            assert not summary.failed, summary.failed[0].message()
            results.append((label, seconds, summary.cells, summary.changed))
        assert Cell.select().count() == args.kiosks * args.cells_per_kiosk
    return results


def write_bundles(workdir, total, per_bundle):
    paths = []
    cells = made_up_cells(per_bundle, days=max(1, per_bundle // 100))
    for n in range(total // per_bundle):
        path = Path(workdir) / f"bundle-{n:03d}.json"
        path.write_text(json.dumps(batch(10_000 + n, 0, len(cells), cells), ensure_ascii=False))
        paths.append(path)
    return paths


def bench_import(workdir, url, paths):
    from kiosk.central import pull
    from kiosk.central import registry
    from kiosk.central.models import Cell
    from kiosk.central.models import database

    app = central(workdir, url)
    with app.app_context(), database.connection_context():
        for n in range(len(paths)):
            registry.register(f"usb-{n:03d}", "-", token(10_000 + n))
        started = time.perf_counter()
        cells = 0
        for path in paths:
            _kiosk, received = pull.import_bundle(path)
            cells += received.changed
        seconds = time.perf_counter() - started
        again = time.perf_counter()
        _kiosk, repeat = pull.import_bundle(paths[0])
        repeat_seconds = time.perf_counter() - again
        assert repeat.changed == 0 and Cell.select().count() == cells
    return seconds, cells, repeat_seconds, repeat.cells


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=2000)
    parser.add_argument("--cells-per-kiosk", type=int, default=60, help="a busy station's day")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--import-cells", type=int, default=1_000_000)
    parser.add_argument("--cells-per-bundle", type=int, default=10_000, help="100 days × 100 cells")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as workdir:
        served = ServedApp(fleet_app(args.kiosks, args.cells_per_kiosk))
        try:
            print(f"\n{args.kiosks} kiosks × {args.cells_per_kiosk} cells, one fleet server process, "
                  f"{args.concurrency} pull threads, page size 1000")
            print("| database | pull | wall s | kiosks/s | cells received | cells changed |")
            print("|---|---|---:|---:|---:|---:|")
            for name, url in databases(workdir, not args.no_postgres, "pull"):
                for label, seconds, cells, changed in bench_pull(workdir, url, served.port, args):
                    print(f"| {name} | {label} | {seconds:.1f} | {args.kiosks / seconds:.0f} | {cells} | {changed} |",
                          flush=True)
        finally:
            served.close()
        started = time.perf_counter()
        paths = write_bundles(workdir, args.import_cells, args.cells_per_bundle)
        print(f"\nwrote {len(paths)} signed bundles of {args.cells_per_bundle} cells "
              f"in {time.perf_counter() - started:.1f} s")
        print("| database | import | wall s | cells/s | re-import one bundle s (changed 0) |")
        print("|---|---|---:|---:|---:|")
        for name, url in databases(workdir, not args.no_postgres, "import"):
            seconds, cells, repeat, _ = bench_import(workdir, url, paths)
            print(f"| {name} | {cells:,} cells | {seconds:.1f} | {cells / seconds:,.0f} | {repeat:.2f} |", flush=True)


if __name__ == "__main__":
    main()
