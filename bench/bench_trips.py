"""Return-to-work trips over HTTP: a worker's booking (seat tickets queued for the printer) and the
escort's boarding scan and head-count refresh, versus a bare Flask "hello" app (bench/hello_app.py,
its own process, same waitress settings), over loopback.

    .venv/bin/python bench/bench_trips.py [--requests N]

Each booking is a new phone number on the keypad page: the number checked and fingerprinted, a
BEGIN IMMEDIATE write transaction (seat numbers under the write lock, booking, seat, count cell,
the print job with its ESC/POS bytes and signed QR) committed with synchronous=FULL, then the
303 to the booked page. Each scan boards another seat by its typed code and returns the boarding
panel with the head count and the missing list (a trip of 2,000 seats, most still missing).
"""

import argparse
import datetime
import platform
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_vouchers import build_app  # noqa: E402  (the kiosk app, served)
from bench.bench_vouchers import open_app  # noqa: E402  (CSRF off, virtual printer)
from bench.bench_vouchers import sign_in  # noqa: E402
from bench.harness import ServedApp  # noqa: E402
from bench.harness import ServedHello  # noqa: E402
from bench.harness import percentile  # noqa: E402
from bench.harness import print_table  # noqa: E402
from bench.harness import summarise  # noqa: E402
from bench.harness import time_requests  # noqa: E402

PIN = "2468"  # the volunteer's PIN that bench_vouchers.sign_in sends
SEATS = 2000


def prepare(workdir):
    """A bus of 2,000 seats leaving tomorrow, and a volunteer for the boarding page."""
    from kiosk import clock
    from kiosk import trips
    from kiosk import volunteers
    from kiosk.models import database

    app = open_app(workdir)
    with app.app_context(), database.connection_context():
        departs = clock.local_time() + datetime.timedelta(days=1)
        trip = trips.define(trips.check_spec("train", "440300", "乐山站", departs, SEATS, "李强", "13800000000"))
        volunteer_id = volunteers.add("王芳", PIN).id
    return trip.id, volunteer_id


def seat_codes(workdir, trip_id):
    from kiosk import trips
    from kiosk.models import database

    with open_app(workdir).app_context(), database.connection_context():
        return [s.code for s in trips.Seat.select().where(trips.Seat.trip == trip_id).order_by(trips.Seat.number)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    n = args.requests
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with tempfile.TemporaryDirectory() as workdir:
        trip_id, volunteer_id = prepare(workdir)
        served, hello = ServedApp(build_app(workdir)), ServedHello()
        try:
            port = served.port

            def booking(i):
                return urlencode({"kind": "phone", "number": f"139{i:08d}", "seats": 1, "token": f"{i:032x}"})

            time_requests(hello.port, "GET", hello.path, 50)  # warm-up
            rows = []
            latencies, size = time_requests(hello.port, "GET", hello.path, n * 2)
            baseline = percentile(latencies, 50)
            rows.append(summarise("bare Flask hello (separate app)", latencies, size, baseline))
            latencies, size = time_requests(port, "POST", f"/trips/{trip_id}/who", n, form, booking)
            rows.append(summarise("book 1 seat (phone on keypad) → committed + 303", latencies, size, baseline))
            latencies, size = time_requests(port, "GET", f"/trips/{trip_id}", n)
            rows.append(summarise("booking screen (seats left)", latencies, size, baseline))

            codes = seat_codes(workdir, trip_id)
            desk = {**form, "HX-Request": "true", "Cookie": sign_in(port, volunteer_id)}
            scan = lambda i: urlencode({"code": codes[i]})  # noqa: E731
            latencies, size = time_requests(port, "POST", f"/volunteer/trips/{trip_id}/board", n, desk, scan)
            rows.append(summarise("escort scan → boarded + panel", latencies, size, baseline))
            latencies, size = time_requests(port, "GET", f"/volunteer/trips/{trip_id}/board/count", n, desk)
            rows.append(summarise("head count refresh (every 5 s)", latencies, size, baseline))
        finally:
            served.close()
            hello.close()
    print(f"{n} sequential keep-alive requests per route (hello: {2 * n}); {platform.python_version()}, "
          f"{platform.machine()}, waitress 4 threads, SQLite WAL synchronous=FULL, {SEATS}-seat trip")
    print_table(rows)


if __name__ == "__main__":
    main()
