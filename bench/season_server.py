"""The kiosk app for bench_season.py, in a fresh process: its clock set inside the season.

    waitress-serve --threads=4 --call bench.season_server:create   (KIOSK_INSTANCE_PATH=… set)
"""

import datetime
import os
import time

# 10:00 on the season's last day in Leshan (UTC+8), as naive UTC like clock.now().
SEASON_NOW = datetime.datetime(2027, 3, 10, 2, 0)


def set_clock(start=None):
    """Make kiosk.clock.now() run from SEASON_NOW, at the real pace."""
    from kiosk import clock

    started = start or time.monotonic()
    clock.now = lambda: SEASON_NOW + datetime.timedelta(seconds=time.monotonic() - started)


def create():
    # As on the kiosk image, which installs the app without the office's PostgreSQL
    # extra: peewee would otherwise load psycopg (20 MB) that a kiosk never uses.
    import sys

    sys.modules.setdefault("psycopg", None)
    sys.modules.setdefault("psycopg2", None)
    set_clock()
    from kiosk import create_app

    # The no-ID limits (one anonymous pack per 20 s, 60 an hour) are off: the taps measured here are
    # anonymous and back to back, which is what those limits exist to refuse.
    return create_app({"INSTANCE_PATH": os.environ["KIOSK_INSTANCE_PATH"], "WTF_CSRF_ENABLED": False,
                       "PRINTER_URL": "virtual://", "PRINTER_WORKER": True, "NO_ID_MIN_SECONDS": 0,
                       "NO_ID_PER_HOUR": 0})
