"""Binding the deferred peewee database to a Flask app."""

import os
import stat

from flask import request
from playhouse.db_url import connect
from playhouse.pool import PooledSqliteDatabase

from kiosk import models

# WAL lets the screen read while the print worker writes. synchronous=FULL
# makes every commit wait for the WAL to reach the disk: station staff pull
# the plug, and with NORMAL the last acknowledged registrations or vouchers
# could vanish on power loss. A kiosk commits a few rows a minute, so the
# extra fsync costs nothing anyone can notice.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "cache_size": -8000,
}


# Connections are kept in a pool and handed from request to request, so the
# pragmas above run once per connection, not four statements per request.
POOL = {"max_connections": 32, "stale_timeout": 3600}


class KioskPool(PooledSqliteDatabase):
    """The pool, with one more reason to drop a connection: its file was replaced or removed.

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
    """Return a peewee database for a URL, with the kiosk's SQLite pragmas (pooled for sqlite:///FILE)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        # A pooled connection serves one thread at a time, but not always the thread that opened it.
        return KioskPool(url[len("sqlite:///"):], pragmas=SQLITE_PRAGMAS, timeout=10,
                                    check_same_thread=False, **POOL)
    if url.startswith("sqlite"):
        return connect(url, pragmas=SQLITE_PRAGMAS, timeout=10)
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
