"""Server time of the home screen and the status-bar htmx partial versus a bare
Flask "hello" app (bench/hello_app.py, its own process, same waitress settings), over loopback.

    .venv/bin/python bench/bench_home.py [--requests N]
"""

import argparse
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


def build_app(workdir):
    def build():
        from kiosk import create_app

        return create_app({"INSTANCE_PATH": str(Path(workdir) / "instance")})

    return build


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        served, hello = ServedApp(build_app(workdir)), ServedHello()
        try:
            routes = [
                ("bare Flask hello (separate app)", hello.port, hello.path, {}),
                ("home screen (full page)", served.port, "/", {}),
                ("status bar (htmx partial)", served.port, "/statusbar", {"HX-Request": "true"}),
            ]
            for _name, port, path, headers in routes:  # warm-up: imports, template compile
                time_requests(port, "GET", path, 50, headers)
            rows, baseline = [], None
            for name, port, path, headers in routes:
                latencies, size = time_requests(port, "GET", path, args.requests, headers)
                baseline = baseline or percentile(latencies, 50)
                rows.append(summarise(name, latencies, size, baseline))
        finally:
            served.close()
            hello.close()
    print(f"{args.requests} sequential keep-alive requests per route; {platform.python_version()}, "
          f"{platform.machine()}, waitress 4 threads, SQLite WAL")
    print_table(rows)


if __name__ == "__main__":
    main()
