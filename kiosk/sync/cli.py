"""``flask sync …``: hand this kiosk's counts to the central office by USB bundle."""

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import stations
from kiosk import sync
from kiosk import trips
from kiosk.models import database


@click.group("sync", cls=AppGroup)
def sync_group():
    """Hand this kiosk's counts to the central office."""


@sync_group.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Bundle file to write (e.g. on a USB stick).")
@click.option("--no-trips", "no_trips", is_flag=True,
              help="Leave out the trips' statuses (for an office older than them, which refuses a bundle carrying them).")
def sync_export(out, no_trips):
    """Write every count cell (and the trips' statuses) to a signed bundle for `flask --app kiosk.central import`."""
    with database.connection_context():
        statuses = None if no_trips else trips.statuses(current_app.config["TRIPS_CHECK_IN_HOURS"])
        batch = sync.write_bundle(out, current_app.config["SYNC_TOKEN"], statuses)
    click.echo(f"wrote {len(batch['cells'])} count cells, {len(statuses or [])} trips (up to change {batch['head']}) of kiosk {batch['kiosk']} to {out}")


@sync_group.command("info")
def sync_info():
    """Print what the central office needs to register this kiosk."""
    token = current_app.config["SYNC_TOKEN"]
    with database.connection_context():
        info = stations.current()
        head = sync.counts.head()
    click.echo(f"station:  {info.code}")
    click.echo(f"kiosk id: {info.kiosk_id}")
    click.echo(f"token:    {token}")
    click.echo(f"key id:   {sync.key_id(token)}")
    click.echo(f"changes:  {head}")
    click.echo("register: flask --app kiosk.central kiosks add NAME http://THIS-KIOSK:PORT (type the token when asked)")
