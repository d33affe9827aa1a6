"""The office's reports at scale: dashboard and spreadsheets for many stations over a month.

    .venv/bin/python bench/bench_reports.py [--stations 200] [--days 30] [--postgres]

Fills an office database directly with the cells N stations would send over
D days (registrations by direction, home county and destination; packs with
a stock level every day; luggage; tallies), spread over Sichuan's counties,
then times, with Flask's test client in this process, a signed-in province
user's and county user's dashboard (the whole page: report, 30-day trend and
register), the XLSX (every sheet) and the CSV, beside a bare Flask app
returning a small page the same way.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

POSTGRES_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
END = datetime.date(2027, 2, 12)
PASSWORD = "correct horse battery"


def fill(stations, days):
    """Insert stations, one history each, and their cells; return the county of the first station."""
    from kiosk import counts
    from kiosk import regions
    from kiosk.central.models import Cell
    from kiosk.central.models import History
    from kiosk.central.models import Station
    from kiosk.central.models import database

    counties = [c.code for p in regions.prefectures("510000") for c in regions.counties(p.code)]
    rows = []
    with database.atomic():
        for n in range(stations):
            county = counties[(n * 7) % len(counties)]
            station = Station.create(code=f"st-{n:04d}", name=f"服务站{n:04d}", county_code=county)
            history = History.create(kiosk_id=f"k{n:06d}", station=station)
            seq = 0
            for d in range(days):
                day = END - datetime.timedelta(days=d)
                cells = [("packs.on_hand", {"pack": "warm"}, 500 - d), ("vouchers.redeemed", {"pack": "warm"}, 20 + n % 9),
                         ("luggage.checked_in", {}, 5 + d % 4), ("tallies", {"service": "guidance"}, 30 + d % 11)]
                for k in range(12):
                    home = counties[(n + k) % len(counties)]
                    cells.append(("registrations", {"direction": "home", "county": home}, 1 + (n + d + k) % 6))
                    cells.append(("registrations", {"direction": "work", "county": home, "destination": "440000"}, 1 + k % 3))
                for metric, dims, value in cells:
                    seq += 1
                    rows.append({"history": history.id, "station": station.id, "day": day, "metric": metric,
                                 "dims": counts.encode_dims(dims), "value": value, "seq": seq})
        for start in range(0, len(rows), 5000):
            Cell.insert_many(rows[start:start + 5000]).execute()
    return len(rows), Station.get(Station.code == "st-0000").county_code


def timed(client, path, n):
    times = []
    size = 0
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        size = len(body)
    return times, size


def line(name, times, size):
    times = sorted(times)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(f"  {name:<44} median {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms   {size / 1024:8.0f} KiB")


def sign_in(app, name):
    client = app.test_client()
    response = client.post("/sign-in", data={"name": name, "password": PASSWORD})
    assert response.status_code == 303, response.status_code
    return client


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    from flask import Flask

    from kiosk.central import create_app
    from kiosk.central import users
    from kiosk.central.models import database
    from kiosk.central.models import refresh_statistics

    workdir = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    url = f"sqlite:///{workdir / 'central.sqlite3'}"
    schema = None
    if args.postgres:
        import psycopg

        schema = f"bench_reports_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        app = create_app({"INSTANCE_PATH": str(workdir / "central"), "DATABASE_URL": url, "WTF_CSRF_ENABLED": False})
        with app.app_context(), database.connection_context():
            started = time.perf_counter()
            cells, county = fill(args.stations, args.days)
            refresh_statistics()  # as `pull` and `import` do after they load cells
            filled = time.perf_counter() - started
            users.add("province", PASSWORD, role="viewer", scope="510000")
            users.add("county", PASSWORD, role="viewer", scope=county)
        print(f"{'PostgreSQL' if args.postgres else 'SQLite'}: {args.stations} stations × {args.days} days = {cells:,} cells"
              f" (filled in {filled:.1f} s)")
        bare = Flask("bare")
        bare.add_url_rule("/", "index", lambda: "<p>hello</p>" * 50)
        line("bare Flask, small page", *timed(bare.test_client(), "/", args.repeat * 4))
        period = f"from={(END - datetime.timedelta(days=args.days - 1)).isoformat()}&to={END.isoformat()}"
        week = f"from={(END - datetime.timedelta(days=6)).isoformat()}&to={END.isoformat()}"
        province, county_user = sign_in(app, "province"), sign_in(app, "county")
        line("dashboard, province user, 7 days (+30-day trend)", *timed(province, f"/?{week}", args.repeat))
        line(f"dashboard, province user, {args.days} days", *timed(province, f"/?{period}", args.repeat))
        line(f"dashboard, county user, {args.days} days", *timed(county_user, f"/?{period}", args.repeat))
        line(f"XLSX, province, {args.days} days (6 sheets)", *timed(province, f"/export.xlsx?{period}", max(2, args.repeat // 2)))
        line(f"CSV, province, {args.days} days", *timed(province, f"/export.csv?{period}", args.repeat))
        line("one-page summary, province, 7 days", *timed(province, f"/summary?{week}", args.repeat))
    finally:
        if schema:
            import psycopg

            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

if __name__ == "__main__":
    main()
