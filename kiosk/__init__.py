"""Nuantu (暖途): the touchscreen kiosk of a migrant-worker service point."""

import os
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version

from flask import Flask
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect

from kiosk import clock
from kiosk import config
from kiosk import database
from kiosk import help as help_domain
from kiosk import i18n
from kiosk import luggage
from kiosk import pii_keys
from kiosk import printing
from kiosk import schema
from kiosk import stations
from kiosk import tallies as tally_rules
from kiosk import trips
from kiosk import web

try:
    __version__ = version("nuantu-kiosk")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+src"

htmx = HTMX()
csrf = CSRFProtect()


def create_app(test_config=None):
    """Build the kiosk app: config → database → extensions → blueprints → errors → CLI."""
    test_config = test_config or {}
    instance_path = test_config.get("INSTANCE_PATH") or os.environ.get("KIOSK_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    web.install_converters(app.url_map)  # every <int:…> and <day:…> checked at the edge
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_mapping(config.load_or_create_secrets(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("KIOSK")
    app.config.from_mapping(test_config)
    app.config["VERSION"] = __version__

    clock.configure(app.config["TIMEZONE"])
    pii_keys.configure(app.config["PII_KEY_DIR"], app.config["PII_KEY"], app.config["PII_RETENTION_DAYS"])
    tally_rules.check_configured(app.config["TALLY_SERVICES"])
    luggage.Rules.from_config(app.config)  # refuse a nonsense luggage set-up at start
    database.init_app(app)
    with app.app_context():
        prepare_database(app)
    i18n.init_app(app)
    htmx.init_app(app)
    csrf.init_app(app)
    printing.init_app(app)

    from kiosk.views import channel
    from kiosk.views import daybook
    from kiosk.views import errors
    from kiosk.views import health
    from kiosk.views import help as help_views
    from kiosk.views import housekeeping
    from kiosk.views import idcard
    from kiosk.views import luggage as luggage_views
    from kiosk.views import pack_desk
    from kiosk.views import packs
    from kiosk.views import printer
    from kiosk.views import register
    from kiosk.views import screen
    from kiosk.views import station_info
    from kiosk.views import speech
    from kiosk.views import sync
    from kiosk.views import tallies
    from kiosk.views import trips as trips_views
    from kiosk.views import updates as update_views
    from kiosk.views import volunteer

    app.register_blueprint(screen.bp)
    app.register_blueprint(register.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(volunteer.bp)
    app.register_blueprint(tallies.bp)
    app.register_blueprint(packs.bp)
    app.register_blueprint(pack_desk.bp)
    app.register_blueprint(printer.bp)
    app.register_blueprint(printer.console)
    app.register_blueprint(sync.bp)
    app.register_blueprint(update_views.bp)
    csrf.exempt(update_views.bp)  # bearer token, no browser
    app.register_blueprint(luggage_views.bp)
    app.register_blueprint(luggage_views.worker_bp)
    app.register_blueprint(daybook.bp)
    app.register_blueprint(trips_views.bp)
    app.register_blueprint(trips_views.console)
    app.register_blueprint(help_views.bp)
    app.register_blueprint(channel.bp)
    station_info.init_app(app)
    idcard.init_app(app)
    speech.init_app(app)
    errors.init_app(app)
    housekeeping.init_app(app)

    from kiosk import cli

    cli.init_app(app)
    return app


def prepare_database(app):
    """Upgrade the schema and provision the configured station (both idempotent)."""
    from kiosk.models import database as db

    with db.connection_context():
        applied = schema.upgrade()
        stations.provision(
            app.config["STATION"],
            app.config["STATION_NAME"],
            str(app.config["STATION_COUNTY"]),
            app.config["STATION_HOTLINE"],
        )
        help_domain.trust_provisioned(app.config["OFFICE_PUBLIC_KEY"])
    help_domain.on_item("trips", trips.take_office_item)  # trips the office publishes
    return applied
