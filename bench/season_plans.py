"""Every statement of the hot pages on the season database: its query plan and its time.

    .venv/bin/python bench/season_plans.py [--scale 1]

Copies the season database of bench_season.py, then in process records each statement of the
console home, the pack chooser of a registered worker, the status bar and a tap 领取, and
prints the slowest with their plans, flagging a full scan as tests/test_query_plans.py does.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_season import PIN  # noqa: E402
from bench.bench_season import copy_instance  # noqa: E402
from bench.bench_season import ensure_season  # noqa: E402
from bench.bench_season import prepare  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    from kiosk.models import database
    from tests.test_query_plans import full_scans

    with tempfile.TemporaryDirectory() as workdir:
        instance = copy_instance(ensure_season(args.scale), Path(workdir))
        app, ids = prepare(instance)
        db = database.obj
        original = db.execute_sql
        timed = []

        def execute_sql(sql, params=None, *a, **k):
            started = time.perf_counter()
            try:
                return original(sql, params, *a, **k)
            finally:
                timed.append(((time.perf_counter() - started) * 1000, sql, tuple(params or ())))

        client = app.test_client()
        visit = app.test_client()
        visit.set_cookie(*ids["registered_cookie"].split("=", 1))
        client.post("/volunteer/sign-in", data={"volunteer_id": ids["volunteer"], "pin": PIN})
        pages = {
            "console home": lambda: client.get("/volunteer/"),
            "pack chooser (registered)": lambda: visit.get("/packs/", headers={"HX-Request": "true"}),
            "status bar": lambda: client.get("/statusbar", headers={"HX-Request": "true"}),
            "tap 领取": lambda: app.test_client().post(
                "/packs/issue", data=urlencode({"offer": ids["offers"]["warm"], "token": "ab" * 16}),
                headers={"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}),
        }
        for name, page in pages.items():
            page()  # warm
            timed.clear()
            db.execute_sql = execute_sql
            try:
                started = time.perf_counter()
                status = page().status_code
                wall = (time.perf_counter() - started) * 1000
            finally:
                db.execute_sql = original
            statements = list(timed)
            print(f"\n{name}: HTTP {status}, {wall:.1f} ms, {len(statements)} statements, "
                  f"{sum(t for t, _, _ in statements):.1f} ms in SQL")
            for ms, sql, _params in sorted(statements, reverse=True)[:4]:
                print(f"  {ms:6.2f} ms  {sql[:150]}")
            for sql, plan in full_scans([(sql, params) for _, sql, params in statements]):
                print(f"  FULL SCAN: {plan}  <-  {sql[:150]}")


if __name__ == "__main__":
    main()
