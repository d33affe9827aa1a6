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


def _person(who):
    person = Volunteer.get_or_none(Volunteer.id == int(who)) if who.isascii() and who.isdigit() else None
    person = person or Volunteer.get_or_none(Volunteer.name == who, Volunteer.active == True)  # noqa: E712
    if person is None:
        raise click.ClickException(f"no volunteer with the id or name {who!r}")
    return person


@volunteers_group.command("unlock")
@click.argument("who")
def volunteers_unlock(who):
    """Lift the PIN locks of WHO (id or name): at the console and at the worker screen."""
    with database.connection_context():
        person = _person(who)
        volunteers.unlock(person.id)
    click.echo(f"unlocked {person.name} (id {person.id})")


@volunteers_group.command("unlock-devices")
def volunteers_unlock_devices():
    """Lift the PIN locks of every device (the kiosk's screen, tablets) that had too many wrong PINs."""
    with database.connection_context():
        count = volunteers.unlock_devices()
    click.echo(f"unlocked {count} device path(s)")


@volunteers_group.command("set-pin")
@click.argument("who")
@click.option("--pin", prompt="New PIN", hide_input=True, confirmation_prompt=True,
              help="Asked for without echo when not given.")
def volunteers_set_pin(who, pin):
    """Give WHO (id or name) a new PIN; their open console sessions end."""
    try:
        with database.connection_context():
            person = _person(who)
            volunteers.set_pin(person.id, pin)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"new PIN for {person.name} (id {person.id}); their sessions have ended")


@volunteers_group.command("confirm-clock")
@click.argument("manager")
def volunteers_confirm_clock(manager):
    """MANAGER (id or name) confirms the kiosk's clock after it jumped: expiry, purges and closing run again."""
    from kiosk import clock

    with database.connection_context():
        person = _person(manager)
        if person.role != "manager":
            raise click.ClickException("only a station manager can confirm the clock")
        doubt = clock.suspect()
        clock.confirm(person.id)
    when = clock.local_time().strftime("%Y-%m-%d %H:%M")
    click.echo(f"clock confirmed by {person.name}: {when}" + (f" (it had {doubt.suspect_reason})" if doubt else ""))


@volunteers_group.command("disable")
@click.argument("who")
def volunteers_disable(who):
    """Stop WHO (id or name) from signing in; their open sessions end."""
    try:
        with database.connection_context():
            person = _person(who)
            volunteers.set_active(person.id, False)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"disabled {person.name} (id {person.id})")


@volunteers_group.command("enable")
@click.argument("who")
def volunteers_enable(who):
    """Let WHO (id or name) sign in again."""
    try:
        with database.connection_context():
            person = Volunteer.get_or_none(Volunteer.id == int(who)) if who.isdigit() else (
                Volunteer.select().where(Volunteer.name == who).order_by(Volunteer.id.desc()).first())
            if person is None:
                raise click.ClickException(f"no volunteer with the id or name {who!r}")
            volunteers.set_active(person.id, True)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"enabled {person.name} (id {person.id})")
