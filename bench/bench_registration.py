"""Server time per registration step and bytes per htmx swap (target: ≤ 4 kB).

Serves the kiosk with waitress in a child process (bench/harness.py) and walks complete 返岗 registrations with every optional
detail over one keep-alive loopback connection, carrying the session cookie
and CSRF token as the browser does. Each confirm is a real write (SQLite WAL, synchronous=FULL).

    .venv/bin/python bench/bench_registration.py [--flows N]
"""

import argparse
import http.client
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ServedApp  # noqa: E402
from bench.harness import percentile  # noqa: E402

SWAP_BUDGET = 4 * 1024
HTMX = {"HX-Request": "true"}

# (label, method, path, form) — one complete registration with every optional detail.
FLOW = [
    ("start page (full page, not a swap)", "GET", "/register", None),
    ("direction → prefecture", "POST", "/register/direction", {"direction": "work"}),
    ("prefecture → county", "POST", "/register/prefecture", {"code": "510100"}),
    ("county → destination", "POST", "/register/county", {"code": "510116"}),
    ("destination → summary", "POST", "/register/destination", {"code": "440000"}),
    ("summary → city", "GET", "/register/step/city", None),
    ("city → summary", "POST", "/register/city", {"code": "440300"}),
    ("intention → summary", "POST", "/register/intention", {"intention": "skills"}),
    ("party → summary", "POST", "/register/party", {"children": "1", "elderly": "1"}),
    ("summary → privacy notice", "GET", "/register/step/consent?then=phone", None),
    ("consent → phone keypad", "POST", "/register/consent", {"answer": "yes", "then": "phone"}),
    ("phone → summary", "POST", "/register/phone", {"number": "13800138000"}),
    ("summary → ID keypad", "GET", "/register/step/id_number", None),
    ("ID number → summary", "POST", "/register/id-number", {"number": "11010519491231002X"}),
    ("confirm → done (database write)", "POST", "/register/confirm", "token"),
]


def build_app(workdir):
    def build():
        from kiosk import create_app

        return create_app({"INSTANCE_PATH": str(Path(workdir) / "instance")})

    return build


class Browser:
    """One keep-alive connection that keeps the session cookie, like the kiosk's Chromium."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.cookie = ""
        self.csrf = ""

    def request(self, method, path, form):
        headers = dict(HTMX) if path != "/register" else {}
        body = None
        if self.cookie:
            headers["Cookie"] = self.cookie
        if form is not None:
            headers["X-CSRFToken"] = self.csrf  # as kiosk.js adds to every htmx request
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {payload[:300]!r}")
        meta = re.search(rb'<meta name="csrf-token" content="([^"]+)"', payload)
        self.csrf = meta.group(1).decode() if meta else self.csrf
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return elapsed, payload


def walk(browser, timings, sizes):
    token = None
    for label, method, path, form in FLOW:
        if form == "token":
            form = {"token": token}
        elapsed, payload = browser.request(method, path, form)
        found = re.search(rb'name="token" value="(\w+)"', payload)
        token = found.group(1).decode() if found else token
        timings[label].append(elapsed)
        sizes[label] = len(payload)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        served = ServedApp(build_app(workdir))
        try:
            browser = Browser(served.port)
            timings = {label: [] for label, *_ in FLOW}
            sizes = {}
            for _ in range(20):  # warm-up: imports, template compilation
                walk(browser, {label: [] for label, *_ in FLOW}, {})
            for _ in range(args.flows):
                walk(browser, timings, sizes)
        finally:
            served.close()
    print(f"{args.flows} complete registrations, one keep-alive connection; Python {platform.python_version()}, "
          f"{platform.machine()}, waitress 4 threads, SQLite WAL synchronous=FULL")
    print("| step | p50 ms | p99 ms | mean ms | bytes | ≤ 4 kB |")
    print("|---|---:|---:|---:|---:|:---:|")
    for label, *_ in FLOW:
        values = timings[label]
        swap = not label.startswith("start page")
        within = ("yes" if sizes[label] <= SWAP_BUDGET else "**no**") if swap else "–"
        print(f"| {label} | {percentile(values, 50):.2f} | {percentile(values, 99):.2f} | "
              f"{statistics.mean(values):.2f} | {sizes[label]} | {within} |")
    total = [sum(step) for step in zip(*timings.values())]
    print(f"\nWhole registration (all {len(FLOW)} requests): p50 {percentile(total, 50):.1f} ms, "
          f"p99 {percentile(total, 99):.1f} ms of server + loopback time.")


if __name__ == "__main__":
    main()
