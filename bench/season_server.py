"""The kiosk app for bench_season.py, in a fresh process: its clock set inside the season.

    waitress-serve --threads=4 --call bench.season_server:create   (KIOSK_INSTANCE_PATH=… set)
"""

import datetime
import os
import sys
import time

# 10:00 on the season's last day in Leshan (UTC+8), as naive UTC like clock.now().
SEASON_NOW = datetime.datetime(2027, 3, 10, 2, 0)


def set_clock(start=None):
    """Make kiosk.clock.now() run from SEASON_NOW, at the real pace."""
    from kiosk import clock

    started = start or time.monotonic()
    clock.now = lambda: SEASON_NOW + datetime.timedelta(seconds=time.monotonic() - started)


def trace_writes(path):
    """Record, per write turn, how long the thread waited for the writer queue, held it, and spent in COMMIT.

    Bench-only (bench_tap.py --trace): wraps kiosk.database's queue and commit and appends to
    ``path`` JSON lines (wait, hold, commit in ms; which thread; WAL frames written; whether the
    turn ran a checkpoint), 20 turns at a time.
    """
    import json
    import threading

    from kiosk import database as kiosk_database

    queue_class, serial = kiosk_database.WriterQueue, kiosk_database.SerialWrites
    acquire, release, commit = queue_class.acquire, queue_class.release, serial.commit
    turns, local, guard = [], threading.local(), threading.Lock()
    shm = os.path.join(os.environ["KIOSK_INSTANCE_PATH"], "kiosk.sqlite3-shm")

    def wal_index():
        """(frames in the WAL, frames already copied into the database): SQLite's WAL-index header."""
        try:
            with open(shm, "rb") as header:
                head = header.read(100)
        except OSError:
            return (0, 0)
        return (int.from_bytes(head[16:20], sys.byteorder), int.from_bytes(head[96:100], sys.byteorder))

    def timed_acquire(self, timeout):
        asked = time.perf_counter()
        got = acquire(self, timeout)
        local.asked, local.got = asked, time.perf_counter()
        local.wal_before = wal_index()
        return got

    def timed_release(self):
        done = time.perf_counter()
        after = wal_index()
        release(self)
        if hasattr(local, "got"):
            committing = getattr(local, "committing", None)  # COMMIT releases the turn from inside
            local.committing = None
            before = getattr(local, "wal_before", (0, 0))
            turn = {"wait": (local.got - local.asked) * 1000, "hold": (done - local.got) * 1000,
                    "commit": (done - committing) * 1000 if committing else 0.0,
                    "thread": threading.current_thread().name, "frames": after[0] - before[0],
                    # the turn copied the WAL into the database file (an automatic checkpoint)
                    "checkpoint": after[1] > before[1]}
            with guard:
                turns.append(turn)
                if len(turns) >= 20:  # appended 20 at a time: the trace must not cost the kiosk more as it grows
                    with open(path, "a") as out:
                        out.writelines(json.dumps(one) + "\n" for one in turns)
                    turns.clear()

    def timed_commit(self):
        local.committing = time.perf_counter()
        return commit(self)

    queue_class.acquire, queue_class.release, serial.commit = timed_acquire, timed_release, timed_commit


def checkpoint_aside(instance, every=0.5):
    """Bench-only experiment (bench_tap.py --checkpoint-aside): no checkpoint inside a commit.

    The app's connections stop checkpointing the WAL themselves (wal_autocheckpoint=0) and a
    thread of this process runs PASSIVE checkpoints on its own connection, outside the writer
    queue: a commit then never pays for copying the WAL into the database file.
    """
    import sqlite3
    import threading

    from kiosk import database as kiosk_database

    kiosk_database.SQLITE_PRAGMAS["wal_autocheckpoint"] = 0

    def run():
        connection = sqlite3.connect(os.path.join(instance, "kiosk.sqlite3"), check_same_thread=False)
        while True:
            time.sleep(every)
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    threading.Thread(target=run, name="checkpoint", daemon=True).start()


def create():
    # As on the kiosk image, which installs the app without the office's PostgreSQL
    # extra: peewee would otherwise load psycopg (20 MB) that a kiosk never uses.
    import sys

    sys.modules.setdefault("psycopg", None)
    sys.modules.setdefault("psycopg2", None)
    set_clock()
    if os.environ.get("KIOSK_BENCH_TRACE"):
        trace_writes(os.environ["KIOSK_BENCH_TRACE"])
    if os.environ.get("KIOSK_BENCH_CHECKPOINT_ASIDE"):
        checkpoint_aside(os.environ["KIOSK_INSTANCE_PATH"])
    from kiosk import create_app

    # The no-ID limits (one anonymous pack per 20 s, 60 an hour) are off: the taps measured here are
    # anonymous and back to back, which is what those limits exist to refuse.
    return create_app({"INSTANCE_PATH": os.environ["KIOSK_INSTANCE_PATH"], "WTF_CSRF_ENABLED": False,
                       "PRINTER_URL": "virtual://", "PRINTER_WORKER": not os.environ.get("KIOSK_BENCH_NO_WORKER"), "NO_ID_MIN_SECONDS": 0,
                       "NO_ID_PER_HOUR": 0})
