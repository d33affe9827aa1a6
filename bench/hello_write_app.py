"""The floor under the kiosk's concurrent tap: a bare Flask app whose one route commits one row.

    HELLO_WRITE_DB=/tmp/floor.sqlite3 waitress-serve --threads=4 bench.hello_write_app:app

Same durability as the kiosk (WAL, synchronous=FULL, so every commit waits for the disk's
fsync), one writer at a time, nothing else: what 8 clients each committing a row cost on this
machine's disk, measured in the same run as the kiosk's tap.
"""

import os
import sqlite3
import threading

from flask import Flask

app = Flask("hello_write")
_local = threading.local()
_writer = threading.Lock()


def _connection():
    if not hasattr(_local, "db"):
        db = sqlite3.connect(os.environ["HELLO_WRITE_DB"], isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=wal")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE IF NOT EXISTS tap (id INTEGER PRIMARY KEY, token TEXT)")
        _local.db = db
    return _local.db


@app.post("/")
def write():
    db = _connection()
    with _writer:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO tap (token) VALUES (?)", (os.urandom(8).hex(),))
        db.execute("COMMIT")
    return "ok"
