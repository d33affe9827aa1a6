"""``flask --app kiosk luggage …``: the custody board at the kiosk's keyboard (or from a timer)."""

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import luggage
from kiosk.models import database

luggage_group = AppGroup("luggage", help="Left luggage: bags in custody by shelf, overdue tickets.")


@luggage_group.command("board")
def board():
    """List bags in custody by shelf (overdue first) and count newly overdue tickets.

    Only the last four characters of each code are shown, as on the console.
    """
    with database.connection_context():
        luggage.count_overdue()
        shelves = luggage.board(luggage.Rules.from_config(current_app.config))
    for shelf in shelves:
        full = "  FULL" if shelf.full else ""
        click.echo(f"shelf {shelf.name}: {shelf.used}/{shelf.capacity} bags{full}")
        for item in shelf.items:
            flag = "OVERDUE " if item.overdue else ""
            due = luggage.local_stamp(item.due_at)
            click.echo(f"  {flag}…{item.code[-4:]}  {item.bags_here} of {item.bags} bags  pick up by {due}")
