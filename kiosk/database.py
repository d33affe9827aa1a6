"""Binding the deferred peewee database to a Flask app."""

from playhouse.db_url import connect

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


def open_database(url):
    """Return a peewee database for a URL, with the kiosk's SQLite pragmas."""
    if url.startswith("sqlite"):
        return connect(url, pragmas=SQLITE_PRAGMAS, timeout=10)
    return connect(url)


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
        proxy.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not proxy.is_closed():
            proxy.close()
