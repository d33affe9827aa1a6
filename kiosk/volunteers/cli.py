"""``flask volunteers …``: the people who may sign in to the console."""

import click
from flask.cli import AppGroup

from kiosk import volunteers
from kiosk.errors import DomainError
from kiosk.models import database
from kiosk.models import Volunteer


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
    with database.connection_context():
        for person in Volunteer.select().order_by(Volunteer.name):
            state = "active" if person.active else "disabled"
            click.echo(f"{person.id}\t{person.name}\t{person.role}\t{state}")
