"""Gift-pack vouchers over HTTP: a tap on 领取 until the voucher (and its print job) is
committed and the voucher screen returned, the desk's scan and hand-out, versus a bare
Flask "hello" app (bench/hello_app.py, its own process, same waitress settings), over loopback.

    .venv/bin/python bench/bench_vouchers.py [--requests N]

Every tap carries a fresh request token, so each one is a real issue: a BEGIN
IMMEDIATE write transaction (stock reserved, voucher, count cell, and the
print job with its ESC/POS bytes) committed with synchronous=FULL, then the
voucher partial with the job's PNG preview.
"""

import argparse
import http.client
import platform
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ServedApp  # noqa: E402
from bench.harness import ServedHello  # noqa: E402
from bench.harness import cookies_of  # noqa: E402
from bench.harness import percentile  # noqa: E402
from bench.harness import print_table  # noqa: E402
from bench.harness import summarise  # noqa: E402
from bench.harness import time_requests  # noqa: E402

PIN = "2468"
# CSRF is off here: the benchmark client keeps no cookie jar for tokens, and
# the check is a constant-time compare either way. The virtual printer takes
# the jobs (the print worker runs, as on a kiosk) without writing preview
# files for each one.
# The no-ID limits are off: the taps are anonymous and back to back, what those limits refuse.
CONFIG = {"WTF_CSRF_ENABLED": False, "PRINTER_URL": "virtual://", "NO_ID_MIN_SECONDS": 0, "NO_ID_PER_HOUR": 0}


def open_app(workdir):
    from kiosk import create_app

    return create_app({"INSTANCE_PATH": str(Path(workdir) / "instance"), **CONFIG})


def prepare(workdir, stock):
    """Set up a pack with plenty of stock, a campaign running today and a volunteer."""
    from kiosk import clock
    from kiosk import volunteers
    from kiosk import vouchers
    from kiosk.models import database

    app = open_app(workdir)
    with app.app_context(), database.connection_context():
        vouchers.define_pack("warm", "暖心小礼包", "矿泉水、口罩、面包、纸巾、苹果", no_id_needed=True)
        vouchers.stock_in("warm", stock, "benchmark")
        campaign = vouchers.add_campaign("春风行动", clock.local_day(), clock.local_day())
        offer_id = vouchers.offer(campaign.id, "warm", "campaign").id
        volunteer_id = volunteers.add("王芳", PIN).id
    return offer_id, volunteer_id


def issued_codes(workdir):
    """Return the codes of every voucher still waiting to be handed out."""
    from kiosk.models import database
    from kiosk.vouchers import Voucher

    with open_app(workdir).app_context(), database.connection_context():
        return [v.code for v in Voucher.select(Voucher.code).where(Voucher.state == "issued").order_by(Voucher.id)]


def time_issue_in_process(workdir, offer_id, n):
    """Time the issue use case alone: the write transaction with its print job, until committed."""
    import time

    from kiosk import vouchers
    from kiosk.models import database
    from kiosk.views.packs import print_voucher

    latencies = []
    with open_app(workdir).test_request_context(), database.connection_context():
        for _ in range(n):
            token = secrets.token_hex(16)
            start = time.perf_counter()
            vouchers.issue(offer_id, token, printer=print_voucher)
            latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def build_app(workdir):
    def build():
        return open_app(workdir)

    return build


def sign_in(port, volunteer_id):
    """Sign the volunteer in once and return the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    form = urlencode({"volunteer_id": volunteer_id, "pin": PIN})
    conn.request("POST", "/volunteer/sign-in", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookie = cookies_of(response)
    conn.close()
    return cookie


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    n = args.requests
    form = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
    with tempfile.TemporaryDirectory() as workdir:
        offer_id, volunteer_id = prepare(workdir, stock=4 * n + 200)
        served, hello = ServedApp(build_app(workdir)), ServedHello()
        try:
            port = served.port

            def tap(_i):
                return urlencode({"offer": offer_id, "token": secrets.token_hex(16)})

            same_token = urlencode({"offer": offer_id, "token": secrets.token_hex(16)})
            time_requests(hello.port, "GET", hello.path, 50)  # warm-up: imports, templates, QR
            time_requests(port, "POST", "/packs/issue", 50, form, tap)
            rows = []
            latencies, size = time_requests(hello.port, "GET", hello.path, n * 2)
            baseline = percentile(latencies, 50)
            rows.append(summarise("bare Flask hello (separate app)", latencies, size, baseline))
            latencies, size = time_requests(port, "POST", "/packs/issue", n, form, tap)
            rows.append(summarise("tap 领取 → voucher committed + screen", latencies, size, baseline))
            latencies = time_issue_in_process(workdir, offer_id, n)
            rows.append(summarise("↳ of which: issue + print job committed (in-process)", latencies, "-", baseline))
            latencies, size = time_requests(port, "POST", "/packs/issue", n, form, same_token)
            rows.append(summarise("double tap (same token, no new voucher)", latencies, size, baseline))

            codes = issued_codes(workdir)
            desk = {**form, "Cookie": sign_in(port, volunteer_id)}
            scanned = urlencode({"code": codes[0]})
            latencies, size = time_requests(port, "POST", "/volunteer/packs/scan", n, desk, scanned)
            rows.append(summarise("desk scan → voucher card", latencies, size, baseline))
            latencies, size = time_requests(port, "POST", lambda i: f"/volunteer/packs/{codes[i]}/redeem", n, desk)
            rows.append(summarise("desk confirm → redeemed + counts", latencies, size, baseline))
        finally:
            served.close()
            hello.close()
    print(f"{n} sequential keep-alive requests per route (hello: {2 * n}); {platform.python_version()}, "
          f"{platform.machine()}, waitress 4 threads, SQLite WAL synchronous=FULL")
    print_table(rows)


if __name__ == "__main__":
    main()
