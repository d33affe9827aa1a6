"""Help at the kiosk: the job list and a night's content delivery on a kiosk holding N postings,
versus a bare Flask "hello" app (bench/hello_app.py, its own process, same waitress settings); and the crypto behind them, in process.

    .venv/bin/python bench/bench_help.py [--postings 500] [--requests 300]
"""

import argparse
import datetime
import json
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ServedApp  # noqa: E402
from bench.harness import ServedHello  # noqa: E402
from bench.harness import percentile  # noqa: E402
from bench.harness import print_table  # noqa: E402
from bench.harness import summarise  # noqa: E402
from bench.harness import time_requests  # noqa: E402
from bench.harness import timed  # noqa: E402

TOKEN = "bench-help-token-0123456789abcdef"
SECTORS = ("construction", "factory", "services", "transport")


def postings(key, n, today):
    from kiosk.sync import content_wire

    items = [content_wire.sign(content_wire.make("clock", "clock", 1, {"level": "province", "code": "510000"},
                                                 {"office_day": today.isoformat()}, today), key)]
    for i in range(n):
        body = {"employer": f"乐山市第{i}建筑劳务有限公司", "title": "钢筋工", "place": "乐山市市中区",
                "place_code": "511102" if i % 3 else "440306", "sector": SECTORS[i % 4], "pay_min": 6000 + i,
                "pay_max": 9000 + i, "contact": "0833-2123456", "skills": "有经验优先"}
        items.append(content_wire.sign(content_wire.make("job", f"job-{i}", 1, {"level": "city", "code": "511100"},
                                                         body, today, today + datetime.timedelta(days=30)), key))
    return content_wire.delivery(items)


def build_app(workdir, public, delivery):
    def build():
        from kiosk import create_app
        from kiosk import help as help_domain
        from kiosk import stations
        from kiosk.models import database

        app = create_app({"INSTANCE_PATH": str(Path(workdir) / "instance"), "OFFICE_PUBLIC_KEY": public,
                          "SYNC_TOKEN": TOKEN, "PRINTER_WORKER": False})
        with app.app_context(), database.connection_context():
            help_domain.receive_delivery(delivery, stations.current())
        return app

    return build


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    from kiosk import keys
    from kiosk.sync import content_wire
    from kiosk.sync import sealed_wire

    key = keys.generate()
    public = keys.public_text(key)
    today = datetime.date.today()
    delivery = postings(key, args.postings, today)
    body = json.dumps(delivery, ensure_ascii=False).encode()
    tip = {"number": "T270120-ABCDE", "station": "leshan-kyzx", "station_name": "乐山客运中心站", "day": "2027-01-20",
           "province": "440000", "city": "440300", "sector": "construction", "amount": "20k_50k", "duration": "3_6m",
           "workers": "2_5", "phone": keys.seal(b"13812345678", public), "employer": "某某劳务公司"}
    sealed = sealed_wire.seal(tip, public)
    one = delivery["items"][1]
    crypto = [
        ("sign one posting (office)", timed(lambda: content_wire.sign({k: v for k, v in one.items()
                                                                       if k not in ("key", "signature")}, key), 2000)),
        ("check + verify one posting (kiosk)", timed(lambda: content_wire.verify(content_wire.check(one), public), 2000)),
        ("seal one tip (kiosk)", timed(lambda: sealed_wire.seal(tip, public), 2000)),
        ("open one tip (office)", timed(lambda: sealed_wire.open_sealed(sealed, key), 2000)),
    ]
    with tempfile.TemporaryDirectory() as workdir:
        served, hello = ServedApp(build_app(workdir, public, delivery)), ServedHello()
        try:
            auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
            kp = served.port
            routes = [
                ("bare Flask hello (separate app)", hello.port, "GET", hello.path, {}, None, args.requests),
                (f"job list, {args.postings} postings held", kp, "GET", "/help/jobs", {}, None, args.requests),
                ("one posting (counted as viewed)", kp, "GET", "/help/jobs/job-7", {}, None, args.requests),
                (f"night's delivery again ({args.postings} items, all held)", kp, "POST", "/sync/content", auth, body,
                 20),
                ("sealed tips batch (none waiting)", kp, "GET", "/sync/tips", auth, None, args.requests),
            ]
            for _name, port, method, path, headers, data, _n in routes:
                time_requests(port, method, path, 5, headers, data)
            rows, baseline = [], None
            for name, port, method, path, headers, data, n in routes:
                latencies, size = time_requests(port, method, path, n, headers, data)
                baseline = baseline or percentile(latencies, 50)
                rows.append(summarise(name, latencies, size, baseline))
        finally:
            served.close()
            hello.close()
    print(f"{args.postings} postings held; sequential keep-alive requests; {platform.python_version()}, "
          f"{platform.machine()}, waitress 4 threads, SQLite WAL; delivery body {len(body)} bytes")
    print_table(rows)
    print()
    print_table([summarise(name, latencies, 0) for name, latencies in crypto])


if __name__ == "__main__":
    main()
