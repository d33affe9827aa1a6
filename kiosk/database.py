"""Binding the deferred peewee database to a Flask app, and how every write starts.

Every write transaction on a kiosk's SQLite file starts the same way, decided
here once for every domain:

* ``BEGIN IMMEDIATE``: the transaction takes SQLite's write lock before its
  first read, so a read-then-write (a PIN check, a stock count, a sequence
  number) can never fail on commit with "database is locked" because another
  writer committed in between;
* one in-process writer queue per database file: threads of this process take
  turns in arrival order (first come, first served) before they BEGIN, instead
  of all sleeping and retrying in SQLite's busy handler, whose back-off made
  some commits wait seconds under eight writers. Statements written outside a
  transaction (autocommit UPDATEs of the print worker…) take the same turn.

Connections to a SQLite file are pooled (see ``KioskPool``), so the pragmas
run once per connection. Readers never queue: WAL lets the screen read while a writer writes. Another
process (a ``flask`` command) still meets SQLite's busy timeout, as before.
Slow work (scrypt, rendering, printing) must happen before the transaction,
never while holding the turn.
"""

import collections
import os
import stat
import threading

from flask import request
from peewee import OperationalError
from peewee import SqliteDatabase
from playhouse.db_url import connect
from playhouse.db_url import parse
from playhouse.pool import PooledSqliteDatabase

from kiosk import models

# WAL lets the screen read while the print worker writes. synchronous=FULL
# makes every commit wait for the WAL to reach the disk: station staff pull
# the plug, and with NORMAL the last acknowledged registrations or vouchers
# could vanish on power loss. A kiosk commits a few rows a minute, so the
# extra fsync costs nothing anyone can notice.
# secure_delete: a purged fingerprint is overwritten with zeros in the file,
# not left in a free page for someone holding the disk (retention must be real).
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "cache_size": -8000,
    "secure_delete": 1,
}
# How long a writer waits for its turn (in this process) or for the file's
# lock (another process) before giving up with "database is locked".
WRITE_TIMEOUT = 10

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class WriterQueue:
    """A lock that hands itself to waiters in the order they arrived (FIFO)."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiters = collections.deque()
        self._locked = False

    def acquire(self, timeout):
        with self._mutex:
            if not self._locked:
                self._locked = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release(): the queue stays locked for us
        with self._mutex:
            try:
                self._waiters.remove(turn)
            except ValueError:  # handed over just as we gave up: it is ours
                return True
            return False

    def release(self):
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._locked = False


_queues = {}
_queues_guard = threading.Lock()


def writer_queue(path):
    """Return the one writer queue of this process for a database file."""
    key = path if path == ":memory:" or path.startswith("file:") else os.path.realpath(path)
    with _queues_guard:
        return _queues.setdefault(key, WriterQueue())


class SerialWrites:
    """Mixed into a SQLite database: every transaction is BEGIN IMMEDIATE and writers of this process take turns."""

    def init(self, database, *args, **kwargs):
        super().init(database, *args, **kwargs)
        self._queue = writer_queue(database) if database else None
        self._turn = threading.local()

    def _holding(self):
        return getattr(self._turn, "held", False)

    def _take_turn(self):
        if self._holding():
            return False
        if not self._queue.acquire(timeout=WRITE_TIMEOUT):
            raise OperationalError("database is locked (waited too long for the writer queue)")
        self._turn.held = True
        return True

    def _end_turn(self):
        if self._holding():
            self._turn.held = False
            self._queue.release()

    def begin(self, lock_type=None):
        self._take_turn()
        try:
            super().begin("IMMEDIATE")
        except BaseException:
            self._end_turn()
            raise

    def commit(self):
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._end_turn()

    def execute_sql(self, sql, params=None):
        if self.in_transaction() or self._holding() or not sql.lstrip().upper().startswith(WRITE_VERBS):
            return super().execute_sql(sql, params)
        self._take_turn()
        try:
            return super().execute_sql(sql, params)
        finally:
            self._end_turn()

    def _close(self, conn, *args, **kwargs):
        try:
            super()._close(conn, *args, **kwargs)
        finally:
            self._end_turn()  # a connection closed (or given back to the pool) mid-transaction gives its turn back


class SerialWriteDatabase(SerialWrites, SqliteDatabase):
    """SQLite (not pooled: in memory, or a URL with options) with the serial writes above."""


# Connections are kept in a pool and handed from request to request, so the
# pragmas above run once per connection, not four statements per request.
POOL = {"max_connections": 32, "stale_timeout": 3600}


class KioskPool(SerialWrites, PooledSqliteDatabase):
    """The pool, with the serial writes above and one more reason to drop a connection: its file was replaced or removed.

    A connection keeps the file it opened even after the file is deleted; a
    pooled one would go on answering /healthz from a database that is gone
    (a dead disk, a wiped data partition). Checked at each checkout: one stat.
    """

    def _add_conn_hooks(self, conn):
        super()._add_conn_hooks(conn)
        self._opened_files = getattr(self, "_opened_files", {})
        self._opened_files[id(conn)] = self._file_identity()

    def _file_identity(self):
        try:
            found = os.stat(self.database)
        except OSError:
            return None
        return (found.st_dev, found.st_ino) if stat.S_ISREG(found.st_mode) else None

    def init(self, database, *args, **kwargs):
        super().init(database, *args, **kwargs)
        self._timeout = WRITE_TIMEOUT  # the pool takes `timeout` as its own wait; this is SQLite's busy timeout

    def _is_closed(self, conn):
        if super()._is_closed(conn):
            return True
        opened = getattr(self, "_opened_files", {}).get(id(conn))
        if opened is not None and opened == self._file_identity():
            return False
        self._opened_files.pop(id(conn), None)
        conn.close()  # the pool drops it; its file is not ours any more
        return True


def open_database(url):
    """Return a peewee database for a URL; SQLite gets the kiosk's pragmas and serial writes (pooled for sqlite:///FILE)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:" and "?" not in url:
        # A pooled connection serves one thread at a time, but not always the thread that opened it.
        return KioskPool(url[len("sqlite:///"):], pragmas=SQLITE_PRAGMAS, timeout=WRITE_TIMEOUT,
                         check_same_thread=False, **POOL)
    if url.startswith("sqlite:"):
        options = parse(url)
        return SerialWriteDatabase(options.pop("database"), pragmas=SQLITE_PRAGMAS, timeout=WRITE_TIMEOUT, **options)
    return connect(url)


def wants_database():
    """False for static files: they are served from disk and touch no database."""
    return request.endpoint is None or not (request.endpoint == "static" or request.endpoint.endswith(".static"))


def init_app(app):
    """Bind the models to the app's database and connect once per request."""
    bind(app, models.database)


def bind(app, proxy):
    """Bind a peewee database proxy to the app's DATABASE_URL; connect once per request.

    The central office binds its own models' proxy the same way.
    """
    proxy.initialize(open_database(app.config["DATABASE_URL"]))

    @app.before_request
    def _connect():
        if wants_database():
            proxy.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not proxy.is_closed():
            proxy.close()  # back to the pool
