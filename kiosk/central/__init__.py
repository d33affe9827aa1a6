"""The central office (中心): pulls every kiosk's counts, imports USB bundles, shows totals.

Its own app (``flask --app kiosk.central …``), its own database (SQLite in its
own instance folder by default, PostgreSQL with
``KIOSK_DATABASE_URL=postgresql://…``), its own users (``users add NAME``;
every dashboard page needs one signed in), and the kiosk's catalogs for its
Chinese and English. It imports the sync format from ``kiosk.sync.wire`` and never
anything from ``kiosk.views``.
"""

import os
from pathlib import Path

from flask import Flask
from flask.sansio.scaffold import find_package
from flask_babel import format_datetime
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect

from kiosk import __version__
from kiosk import clock
from kiosk import config as kiosk_config
from kiosk import database
from kiosk import i18n
from kiosk import web
from kiosk.central import help_models
from kiosk.central import models

htmx = HTMX()
csrf = CSRFProtect()

TRANSLATIONS = str(Path(__file__).resolve().parent.parent / "translations")
STATIC = str(Path(__file__).resolve().parent.parent / "static")


def default_instance_path():
    """Return ``instance/central`` beside the kiosk's own instance folder."""
    prefix, package_path = find_package("kiosk")
    base = os.path.join(package_path, "instance") if prefix is None else os.path.join(prefix, "var", "kiosk-instance")
    return os.path.join(base, "central")


def defaults(instance_path):
    """Return the central office's built-in configuration."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'central.sqlite3'}",
        "LANGUAGE": "zh_Hans",
        "TIMEZONE": "Asia/Shanghai",
        # Kiosks pulled at once, each over one HTTP connection; the run's
        # reads and writes go through PULL_DB_CONNECTIONS database connections.
        "PULL_CONCURRENCY": 64,
        "PULL_DB_CONNECTIONS": 4,
        # Seconds to connect, seconds of silence before a kiosk counts as
        # hanging, and the whole attempt at one kiosk (kiosk/central/pull.py).
        "PULL_CONNECT_TIMEOUT": 3,
        "PULL_TIMEOUT": 3,
        "PULL_KIOSK_DEADLINE": 60,
        # Tries per kiosk in one run; retries wait PULL_BACKOFF s, doubling.
        "PULL_ATTEMPTS": 2,
        "PULL_BACKOFF": 1,
        "PAGE_SIZE": 1000,
        # A kiosk not heard from for this many days is flagged on the dashboard.
        "STALE_DAYS": 2,
        "BABEL_TRANSLATION_DIRECTORIES": TRANSLATIONS,
        # An office user is signed out after this many seconds without a request.
        "CENTRAL_IDLE_SECONDS": 1800,
        # CSRF tokens live as long as the session, which the idle limit ends.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # Lax, not Strict: a bookmark or a link in the office's mail opens the
        # dashboard signed in; every write still needs the CSRF token.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        # The area this office publishes for by default (GB/T 2260: a province,
        # a city or a county), and the largest job-fair spreadsheet it takes.
        "OFFICE_AREA": "510000",
        "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    }


def create_app(test_config=None):
    """Build the central office app: config → database → extensions → views → CLI."""
    test_config = test_config or {}
    instance_path = (
        test_config.get("INSTANCE_PATH") or os.environ.get("KIOSK_CENTRAL_INSTANCE_PATH") or default_instance_path()
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        static_folder=STATIC,
        static_url_path="/static",
    )
    web.install_converters(app.url_map)  # the same edge checks as the kiosk's
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_mapping(kiosk_config.load_or_create_secrets(app.instance_path, keys=("SECRET_KEY",)))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("KIOSK")
    app.config.from_mapping(test_config)
    app.config["VERSION"] = __version__

    clock.configure(app.config["TIMEZONE"])
    init_database(app)
    i18n.init_app(app)
    app.add_template_filter(kiosk_datetime)
    htmx.init_app(app)

    from kiosk.central import auth
    from kiosk.central import help_views
    from kiosk.central import views

    # In this order before each request: the cross-site check, the CSRF
    # token, then the signed-in user.
    views.init_errors(app)
    csrf.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(help_views.bp)

    from kiosk.central import cli

    cli.init_app(app)
    return app


def kiosk_datetime(moment):
    """Format a stored UTC moment as the office's local date and time."""
    return format_datetime(moment, "yyyy-MM-dd HH:mm") if moment else ""


def init_database(app):
    """Bind the central models, create missing tables, connect once per request."""
    database.bind(app, models.database)
    with models.database.connection_context():
        models.create_tables()
        help_models.create_tables()
