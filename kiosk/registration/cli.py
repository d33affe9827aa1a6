"""``flask registrations …``: the retention purge of phone and ID fingerprints."""

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import retention
from kiosk.cli_options import older_than
from kiosk.models import database


@click.group("registrations", cls=AppGroup)
def registrations_group():
    """Manage worker registrations."""


@registrations_group.command("purge")
@older_than("Clear phone/ID fingerprints of registrations older than DAYS (default: PII_RETENTION_DAYS).")
def registrations_purge(days):
    """Clear phone and ID fingerprints of old registrations; rows and counts stay."""
    days = current_app.config["PII_RETENTION_DAYS"] if days is None else days
    with database.connection_context():
        cleared, keys = retention.purge_personal_data(days)
    click.echo(f"cleared phone/ID fingerprints of {cleared} registration(s) and {keys} voucher(s) "
               f"older than {days} day(s)")
