"""``flask --app kiosk …`` commands for the people who set up and run a kiosk."""

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from kiosk import schema
from kiosk import stations
from kiosk import volunteers
from kiosk.errors import DomainError
from kiosk.models import database
from kiosk.packs_cli import packs_group


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the database and provision the station (safe to re-run)."""
    with database.connection_context():
        applied = schema.upgrade()
        info = stations.current()
    click.echo(f"database: {current_app.config['DATABASE_URL']}")
    click.echo(f"migrations applied now: {', '.join(applied) or 'none (up to date)'}")
    click.echo(f"station: {info.name} ({info.code}), kiosk id {info.kiosk_id}")


@click.group("station", cls=AppGroup)
def station_group():
    """Show the station this kiosk serves."""


@station_group.command("show")
def station_show():
    """Print the station's name, code, county, hotline and this kiosk's id."""
    with database.connection_context():
        info = stations.current()
    click.echo(f"name:     {info.name}")
    click.echo(f"code:     {info.code}")
    click.echo(f"county:   {info.county_code}")
    click.echo(f"hotline:  {info.hotline or '-'}")
    click.echo(f"kiosk id: {info.kiosk_id}")


@click.group("volunteers", cls=AppGroup)
def volunteers_group():
    """Add and list the people who may sign in to the volunteer console."""


@volunteers_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(volunteers.ROLES), default="volunteer", show_default=True,
              help="A station manager can add and disable volunteers from the console.")
@click.option("--pin", prompt="PIN (4-8 digits)", hide_input=True, confirmation_prompt=True,
              help="Asked for without echo when not given.")
def volunteers_add(name, role, pin):
    """Add a volunteer or station manager NAME (use --role manager for the first one)."""
    try:
        with database.connection_context():
            person = volunteers.add(name, pin, role)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"added {person.role} {person.name} (id {person.id})")


@volunteers_group.command("list")
def volunteers_list():
    """List volunteers with their role and whether they can sign in."""
    from kiosk.models import Volunteer

    with database.connection_context():
        for person in Volunteer.select().order_by(Volunteer.name):
            state = "active" if person.active else "disabled"
            click.echo(f"{person.id}\t{person.name}\t{person.role}\t{state}")


def init_app(app):
    """Register the kiosk's commands on the app's CLI."""
    app.cli.add_command(init_command)
    app.cli.add_command(station_group)
    app.cli.add_command(volunteers_group)
    app.cli.add_command(packs_group)
