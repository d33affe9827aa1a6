"""Shared benchmark plumbing: serve an app in a child process, time requests on loopback."""

import http.client
import multiprocessing
import statistics
import time


def _serve(build_app, port_queue):
    from waitress.server import create_server

    app = build_app()
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    port_queue.put(server.effective_port)
    server.run()


class ServedApp:
    """A kiosk app served by waitress in a child process, so the client does not share its GIL."""

    def __init__(self, build_app):
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        self.process = ctx.Process(target=_serve, args=(build_app, queue), daemon=True)
        self.process.start()
        self.port = queue.get(timeout=30)

    def close(self):
        self.process.terminate()
        self.process.join(timeout=5)


def _hello_app():
    from bench.hello_app import app

    return app


class ServedHello(ServedApp):
    """The bare Flask app (bench/hello_app.py) every row is compared with: a separate app, not a route
    inside the kiosk's, served by its own child process with the same waitress settings. Its route is "/"."""

    path = "/"

    def __init__(self):
        super().__init__(_hello_app)


def time_requests(port, method, path, n, headers=None, body=None):
    """Send n requests over one keep-alive connection; return (latencies in ms, bytes of the last body).

    ``path`` and ``body`` may be functions of the request's index, for
    requests that must differ (a fresh idempotency token, another code).
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies = []
    size = 0
    for i in range(n):
        this_path = path(i) if callable(path) else path
        this_body = body(i) if callable(body) else body
        start = time.perf_counter()
        conn.request(method, this_path, body=this_body, headers=headers or {})
        response = conn.getresponse()
        payload = response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status >= 400:
            raise RuntimeError(f"{method} {this_path}: HTTP {response.status}")
        size = len(payload)
    conn.close()
    return latencies, size


def cookies_of(response):
    """Return every cookie a response sets as one Cookie header value ("a=1; b=2").

    A volunteer's sign-in sets the session and the device cookie (the PIN lock's).
    """
    return "; ".join(header.split(";", 1)[0] for header in response.msg.get_all("Set-Cookie") or ())


def percentile(values, pct):
    """Return the pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def summarise(name, latencies, size, baseline_p50=None):
    """Return one table row: p50, p99, mean, bytes and ratio of p50 to the baseline."""
    p50 = percentile(latencies, 50)
    ratio = f"{p50 / baseline_p50:.1f}×" if baseline_p50 else "1.0×"
    return (name, f"{p50:.2f}", f"{percentile(latencies, 99):.2f}", f"{statistics.mean(latencies):.2f}", str(size), ratio)


def timed(fn, n):
    """Call fn() n times in this process; return latencies in ms."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def latency_row(name, latencies, last=None):
    """Return one table row: p50, p99, mean, then ``last`` (a size; by default how many calls)."""
    return (name, f"{percentile(latencies, 50):.2f}", f"{percentile(latencies, 99):.2f}",
            f"{statistics.mean(latencies):.2f}", str(len(latencies) if last is None else last))


def print_table(rows, header=("route", "p50 ms", "p99 ms", "mean ms", "bytes", "p50 vs hello")):
    """Print rows as a Markdown table, ready to paste into BENCHMARKS.md."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
