"""Performance at season scale (issue #16): the kiosk on a season's database, and a night's pull.

    .venv/bin/python bench/bench_season.py [--scale 1.0] [--requests 300] [--kiosks 2000] [--hanging 40]

Builds the season database once with ``flask --app kiosk simulate --season``
(real registrations, vouchers, luggage, tallies and trips, written in bulk by
``kiosk.simulate.bulk`` with the use cases' rules, ~2 minutes for the whole
season; kept under build/season-SCALE/ and reused by later runs; --scale 0.25
builds a quarter of it), copies it, and serves the kiosk app from the copy
with waitress (4 threads) in a child process. A separate bare Flask "hello"
app is served by a second child process with the same waitress settings, and
every row is measured against it in the same run.

The kiosk's clock is set inside the season (2027-03-10 10:00 in Leshan, the
season's last day, while 春风行动 runs), so quotas, campaigns and the day's
count cells are the season's own.

Then the central office pulls 2,000 kiosks served by one child process (the
signed pages of bench_sync.py), of which ``--hanging`` accept the connection
and never answer, twice: the first pull and a re-pull with nothing new.
"""

import argparse
import http.client
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import ServedApp  # noqa: E402
from bench.harness import cookies_of  # noqa: E402
from bench.harness import percentile  # noqa: E402
from bench.harness import time_requests  # noqa: E402
from bench.season_server import SEASON_NOW  # noqa: E402,F401
from bench.season_server import set_clock  # noqa: E402

PIN = "2468"
THREADS = 4
# What the kiosk image's unit (nuantu-app.service) sets for the app, given to both apps here.
IMAGE_ENV = {"MALLOC_ARENA_MAX": "2"}
CONFIG = {"WTF_CSRF_ENABLED": False, "PRINTER_URL": "virtual://", "PRINTER_WORKER": True}


# --- the season database ------------------------------------------------------------------


def season_dir(scale):
    return ROOT / "build" / f"season-{scale:g}"


def ensure_season(scale):
    """Return the season's instance folder, building it first if no finished one is there."""
    folder = season_dir(scale)
    done = folder / "season.done"
    if done.exists():
        print(f"season database: reusing {folder} ({done.read_text().strip()})", file=sys.stderr)
        return folder / "instance"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {**os.environ, "KIOSK_INSTANCE_PATH": str(folder / "instance"), "KIOSK_PRINTER_URL": "virtual://"}
    command = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "kiosk", "simulate", "--season", "--scale", str(scale)]
    print(f"season database: building with {' '.join(command[1:])} (minutes; progress below)", file=sys.stderr)
    started = time.monotonic()
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    done.write_text(f"built in {time.monotonic() - started:.0f} s")
    return folder / "instance"


def copy_instance(source, workdir):
    """Copy the season's instance (secrets and an online backup of the database) into workdir."""
    target = Path(workdir) / "instance"
    target.mkdir(parents=True)
    shutil.copy2(source / "secrets.json", target / "secrets.json")
    if (source / "pii-keys").is_dir():  # the weeks' keys: without them no fingerprint of the season is recognised
        shutil.copytree(source / "pii-keys", target / "pii-keys")
    with sqlite3.connect(source / "kiosk.sqlite3") as src, sqlite3.connect(target / "kiosk.sqlite3") as dst:
        src.backup(dst)
    return target


def season_size(instance):
    with sqlite3.connect(instance / "kiosk.sqlite3") as db:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("registration", "voucher", "luggagedeposit", "tally", "countcell", "printjob")}


# --- the apps -----------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """An app served by ``waitress-serve`` in a fresh process, whose CPU time and memory we can read.

    A fresh interpreter (not a fork of this one), so its memory is its own.
    """

    def __init__(self, target, env=None, call=False, log=None):
        self.port = free_port()
        env = {**IMAGE_ENV, **(env or {})}
        command = [str(ROOT / ".venv" / "bin" / "waitress-serve"), "--host=127.0.0.1", f"--port={self.port}",
                   f"--threads={THREADS}"] + (["--call"] if call else []) + [target]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                                        stdout=subprocess.DEVNULL,
                                        stderr=open(log, "w") if log else subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{target} did not start")

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def concurrent(clients, port, method, path, n, headers=None, body=None):
    """``clients`` threads, n requests each over their own connection; return all latencies."""
    results = [None] * clients
    failures = []

    def one(k):
        try:
            results[k] = time_requests(port, method, path, n, headers, body)[0]
        except RuntimeError as error:  # an HTTP error answer: counted and reported, not hidden
            failures.append(str(error))
            results[k] = []

    threads = [threading.Thread(target=one, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    concurrent.failures = failures
    return [x for r in results for x in r]


def cpu_per_request(served, run, n):
    before = served.cpu_seconds()
    latencies, size = run()
    return latencies, size, (served.cpu_seconds() - before) * 1000 / n


# --- preparing the season's "today" ---------------------------------------------------------


def prepare(instance):
    """A volunteer, plenty of stock, a registered worker; return ids and the sessions' cookies."""
    set_clock()
    from kiosk import create_app
    from kiosk import registration
    from kiosk import volunteers
    from kiosk import vouchers
    from kiosk.models import database
    from kiosk.views.packs import VISIT_KEY  # noqa: F401  (the session keys the app reads)
    from kiosk.views.register import DONE_KEY

    app = create_app({"INSTANCE_PATH": str(instance), **CONFIG, "PRINTER_WORKER": False})
    with app.app_context(), database.connection_context():
        volunteer = volunteers.add("基准志愿者", PIN)
        for key in ("warm", "return"):
            vouchers.stock_in(key, 50_000, "benchmark")
        offers = {item.pack_type.key: item.id for item in vouchers.offers_today()}
        draft = registration.choose_prefecture(registration.start("work"), "511100")
        draft = registration.choose_home(draft, "511123", "511102")
        draft = registration.choose_destination(draft, "440000")
        draft = registration.answer_consent(draft, "yes")
        draft = registration.add_phone(draft, "13987654321", app.config["PII_KEY"])
        token = registration.register(draft).token
    serializer = app.session_interface.get_signing_serializer(app)
    registered = serializer.dumps({DONE_KEY: token})
    database.obj.close_all() if hasattr(database.obj, "close_all") else None
    return app, {"volunteer": volunteer.id, "offers": offers, "registered_cookie": f"session={registered}"}


def sign_in(port, volunteer_id):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/volunteer/sign-in", body=urlencode({"volunteer_id": volunteer_id, "pin": PIN}),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return cookies_of(response)


def statements(app, cookie, path, headers=None):
    """Return (SQL statements, new connections) the app runs for one GET, counted in-process."""
    from kiosk.models import database

    import peewee

    sent, connects = [], []
    db = database.obj
    original_sql, original_connect = db.execute_sql, peewee.SqliteDatabase._connect
    db.execute_sql = lambda sql, params=None, *a, **k: sent.append(sql) or original_sql(sql, params, *a, **k)
    # A new SQLite connection (and its pragmas); the pool hands out the ones it has without this.
    peewee.SqliteDatabase._connect = lambda self: connects.append(1) or original_connect(self)
    try:
        client = app.test_client()
        if cookie:
            for one in cookie.split("; "):
                client.set_cookie(*one.split("=", 1))
        client.get(path, headers=headers).close()  # warm: the pooled connection is opened here
        sent.clear()
        connects.clear()
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
        response.close()
    finally:
        db.execute_sql, peewee.SqliteDatabase._connect = original_sql, original_connect
    return len(sent), len(connects)


def issue_in_process(app, offer_id, n):
    """The write alone: vouchers.issue with its print job, until committed (BEGIN IMMEDIATE … COMMIT)."""
    import secrets

    from kiosk import vouchers
    from kiosk.models import database
    from kiosk.views.packs import print_voucher

    out = []
    with app.test_request_context(), database.connection_context():
        for _ in range(n):
            token = secrets.token_hex(16)
            start = time.perf_counter()
            vouchers.issue(offer_id, token, printer=print_voucher)
            out.append((time.perf_counter() - start) * 1000)
    return out


# --- the pull -----------------------------------------------------------------------------


class Hanging:
    """Kiosks that accept the connection and never answer (a wedged app, a half-dead link)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(1024)
        self.port = self.socket.getsockname()[1]
        self.held = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.running = False
        self.socket.close()
        for conn in self.held:
            conn.close()


def bench_pull(workdir, kiosks, hanging, cells_per_kiosk=60):
    from bench.bench_sync import fleet_app
    from bench.bench_sync import token
    from kiosk import sync
    from kiosk.central import create_app
    from kiosk.central import pull
    from kiosk.central import registry
    from kiosk.central.models import Kiosk
    from kiosk.central.models import database
    from kiosk.central.models import write_transaction

    fleet = ServedApp(fleet_app(kiosks, cells_per_kiosk))  # bench_sync's fleet, forked, waitress 4 threads
    dead = Hanging()
    rows = []
    try:
        app = create_app({"INSTANCE_PATH": str(Path(workdir) / "central"),
                          "DATABASE_URL": f"sqlite:///{Path(workdir) / 'central.sqlite3'}"})
        with app.app_context(), database.connection_context():
            stuck = set(range(0, kiosks, max(1, kiosks // hanging))[:hanging]) if hanging else set()
            with write_transaction():
                batch = [{"name": f"kiosk-{n:04d}",
                          "url": (f"http://127.0.0.1:{dead.port}/k/{n}" if n in stuck
                                  else f"http://127.0.0.1:{fleet.port}/k/{n}"),
                          "token": token(n), "key_id": sync.key_id(token(n))} for n in range(kiosks)]
                for start in range(0, len(batch), 500):
                    Kiosk.insert_many(batch[start:start + 500]).execute()
            limits = pull.Limits.from_config(app.config)
            for label in ("first pull", "re-pull, nothing new"):
                listed = registry.pullable()  # read afresh each night, as `flask pull` does
                started = time.perf_counter()
                summary = pull.pull_all(listed, concurrency=app.config["PULL_CONCURRENCY"], page_size=1000,
                                        limits=limits)
                seconds = time.perf_counter() - started
                failed = sorted(o.name for o in summary.failed)
                assert len(failed) == len(stuck), failed[:5]
                rows.append((label, seconds, len(failed), summary.cells))
            concurrency = app.config["PULL_CONCURRENCY"]
    finally:
        dead.close()
        fleet.close()
    return rows, limits, concurrency


# --- the run ------------------------------------------------------------------------------


def fmt(values):
    return f"{percentile(values, 50):.1f} / {percentile(values, 99):.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the season preset (1 = ~200k registrations)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kiosks", type=int, default=2000)
    parser.add_argument("--hanging", type=int, default=40)
    parser.add_argument("--no-pull", action="store_true")
    args = parser.parse_args()
    n = args.requests
    source = ensure_season(args.scale)
    form = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as workdir:
        instance = copy_instance(source, workdir)
        size = season_size(instance)
        app, ids = prepare(instance)
        log = ROOT / "build" / "bench-kiosk.log"  # the kiosk server's own log, for any error it answered
        kiosk = Served("bench.season_server:create", {"KIOSK_INSTANCE_PATH": str(instance)}, call=True, log=log)
        hello = Served("bench.hello_app:app")
        try:
            import secrets

            kp, hp = kiosk.port, hello.port

            def tap(_i):
                return urlencode({"offer": ids["offers"]["warm"], "token": secrets.token_hex(16)})

            time_requests(hp, "GET", "/", 50)
            time_requests(kp, "POST", "/packs/issue", 30, form, tap)  # warm-up: templates, QR, the daily forgetting
            hello_lat, _, hello_cpu = cpu_per_request(hello, lambda: time_requests(hp, "GET", "/", n), n)
            base = percentile(hello_lat, 50)
            rows.append(("bare Flask hello (separate app, same waitress)", fmt(hello_lat), f"{hello_cpu:.2f}", "5",
                         "1.0×"))

            lat, size_swap, cpu = cpu_per_request(
                kiosk, lambda: time_requests(kp, "POST", "/packs/issue", n, form, tap), n)
            rows.append(("tap 领取 → voucher + print job committed", fmt(lat), f"{cpu:.2f}", str(size_swap),
                         f"{percentile(lat, 50) / base:.1f}× p50, "
                         + (f"{cpu / hello_cpu:.1f}× CPU" if hello_cpu else "CPU n/a")))
            hello_conc = concurrent(args.clients, hp, "GET", "/", n // 2)
            lat = concurrent(args.clients, kp, "POST", "/packs/issue", n // 2, form, tap)
            failed = len(concurrent.failures)
            note = f"; {failed} of {args.clients} clients stopped by an HTTP error" if failed else ""
            rows.append((f"same, {args.clients} concurrent clients (hello: {fmt(hello_conc)}){note}", fmt(lat), "–", "–",
                         f"{percentile(lat, 99) / percentile(hello_conc, 99):.1f}× p99"))
            notes.extend(concurrent.failures)
            floor = Served("bench.hello_write_app:app", {"HELLO_WRITE_DB": str(Path(workdir) / "floor.sqlite3")})
            try:
                time_requests(floor.port, "POST", "/", 20)
                floor_conc = concurrent(args.clients, floor.port, "POST", "/", n // 2)
            finally:
                floor.close()
            rows.append((f"floor: bare Flask committing one SQLite row (WAL, FULL), {args.clients} concurrent clients",
                         fmt(floor_conc), "–", "2", f"kiosk tap p99 {percentile(lat, 99) / percentile(floor_conc, 99):.1f}× this"))

            visit = {**form, "Cookie": ids["registered_cookie"]}
            body = http.client.HTTPConnection("127.0.0.1", kp, timeout=30)
            body.request("POST", "/packs/issue", body=urlencode({"offer": ids["offers"]["return"],
                                                                 "token": secrets.token_hex(16)}), headers=visit)
            answer = body.getresponse()
            swap = answer.read().decode()
            visit["Cookie"] = answer.getheader("Set-Cookie").split(";", 1)[0]
            body.close()
            picture = swap.split('<img src="', 1)[1].split('"', 1)[0]
            lat, png = time_requests(kp, "GET", picture, 1, {"Cookie": visit["Cookie"]})
            lat2, _ = time_requests(kp, "GET", picture, n, {"Cookie": visit["Cookie"]})
            rows.append(("ticket picture: first request (drawn) / later (kept)", f"{lat[0]:.1f} / "
                         f"{percentile(lat2, 50):.1f}", "–", str(png), f"{percentile(lat2, 50) / base:.1f}×"))

            lat, chooser = time_requests(kp, "GET", "/packs/", n, {"HX-Request": "true", "Cookie": visit["Cookie"]})
            rows.append(("pack chooser, registered worker (quota checks)", fmt(lat), "–", str(chooser),
                         f"{percentile(lat, 50) / base:.1f}×"))

            console = {"Cookie": sign_in(kp, ids["volunteer"])}
            lat, page = time_requests(kp, "GET", "/volunteer/", n, console)
            rows.append(("console home", fmt(lat), "–", str(page), f"{percentile(lat, 50) / base:.1f}×"))
            lat, page = time_requests(kp, "GET", "/statusbar", n, {"HX-Request": "true"})
            rows.append(("status bar (every screen, every 30 s)", fmt(lat), "–", str(page),
                         f"{percentile(lat, 50) / base:.1f}×"))
            lat, page = time_requests(kp, "GET", "/static/kiosk.css", n)
            rows.append(("static file /static/kiosk.css", fmt(lat), "–", str(page),
                         f"{percentile(lat, 50) / base:.1f}×"))
            rss = (kiosk.rss_mb(), hello.rss_mb())
        finally:
            kiosk.close()
            hello.close()

        write = issue_in_process(app, ids["offers"]["warm"], n)
        rows.append(("voucher write (issue + print job, BEGIN IMMEDIATE … COMMIT), in-process", fmt(write), "–", "–",
                     "–"))
        counted = {
            "console home": statements(app, console["Cookie"], "/volunteer/"),
            "status bar": statements(app, None, "/statusbar", {"HX-Request": "true"}),
            "static file": statements(app, None, "/static/kiosk.css"),
            "pack chooser (registered)": statements(app, visit["Cookie"], "/packs/", {"HX-Request": "true"}),
        }
        pull_rows, limits, concurrency = ([], None, 0) if args.no_pull else bench_pull(workdir, args.kiosks,
                                                                                       args.hanging)

    print(f"Season database (scale {args.scale:g}): " + ", ".join(f"{v:,} {k}" for k, v in size.items()))
    print(f"{n} requests per row ({args.clients} clients × {n // 2} for the concurrent row); Python "
          f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"waitress {THREADS} threads for both apps; SQLite WAL synchronous=FULL\n")
    print("| what | p50 / p99 ms | server CPU ms/request | bytes | vs hello |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\n| page | SQL statements | new connections |")
    print("|---|---:|---:|")
    for page, (count, connects) in counted.items():
        print(f"| {page} | {count} | {connects} |")
    for note in notes:
        print(f"\nconcurrent client stopped: {note}")
    print(f"\nRSS after the mix above: kiosk {rss[0]:.1f} MB, bare Flask hello {rss[1]:.1f} MB")
    if pull_rows:
        print(f"\nCentral pull of {args.kiosks} kiosks (one process serving them), {args.hanging} of them hanging "
              f"(connection accepted, no answer); connect {limits.connect:g} s, read {limits.read:g} s, "
              f"{limits.attempts} tries, back-off {limits.backoff:g} s, {concurrency} "
              f"at once, {limits.db} database connections; SQLite\n")
        print("| pull | wall s | failed (listed) | cells received |")
        print("|---|---:|---:|---:|")
        for label, seconds, failed, cells in pull_rows:
            print(f"| {label} | {seconds:.1f} | {failed} | {cells:,} |")


if __name__ == "__main__":
    main()
