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


def _person(name_or_id):
    try:
        return volunteers.find(name_or_id)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None


@volunteers_group.command("disable")
@click.argument("who")
def volunteers_disable(who):
    """Stop WHO (a name or id) from signing in; their console session ends at the next tap."""
    with database.connection_context():
        person = _person(who)
        volunteers.set_active(person.id, False)
    click.echo(f"disabled {person.name} (id {person.id})")


@volunteers_group.command("enable")
@click.argument("who")
def volunteers_enable(who):
    """Let WHO (a name or id) sign in again."""
    try:
        with database.connection_context():
            person = _person(who)
            volunteers.set_active(person.id, True)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"enabled {person.name} (id {person.id})")


@volunteers_group.command("reset-pin")
@click.argument("who")
@click.option("--pin", prompt="New PIN (4-8 digits)", hide_input=True, confirmation_prompt=True,
              help="Asked for without echo when not given.")
def volunteers_reset_pin(who, pin):
    """Give WHO (a name or id) a new PIN and lift a lockout."""
    try:
        with database.connection_context():
            person = volunteers.reset_pin(_person(who).id, pin)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"new PIN set for {person.name} (id {person.id})")
