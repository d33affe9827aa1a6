"""``flask --app kiosk trips …``: define, list and cancel return-to-work trips at the kiosk's keyboard."""

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import regions
from kiosk import trips
from kiosk.errors import DomainError
from kiosk.models import database

trips_group = AppGroup("trips", help="Return-to-work buses and trains (返岗专车/专列).")


def _fail(error):
    raise click.ClickException(error.message % error.params if error.params else error.message)


@trips_group.command("add")
@click.option("--mode", type=click.Choice(sorted(trips.MODES)), required=True)
@click.option("--to", "destination", required=True, help="Destination: province or city code, e.g. 440300 (Shenzhen).")
@click.option("--from", "place", required=True, help="Where it leaves from, e.g. 乐山客运中心站 3号门.")
@click.option("--departs", required=True, help="Station-local departure, YYYY-MM-DD HH:MM.")
@click.option("--seats", type=int, required=True)
@click.option("--escort", required=True, help="The escort's name.")
@click.option("--escort-phone", required=True)
@click.option("--deadline", default=None, help="Booking closes, YYYY-MM-DD HH:MM (default: 2 hours before departure).")
def add(mode, destination, place, departs, seats, escort, escort_phone, deadline):
    """Define a trip; print its id."""
    with database.connection_context():
        try:
            trip = trips.define(trips.check_spec(mode, destination, place, departs, seats, escort, escort_phone,
                                                 deadline))
        except DomainError as error:
            _fail(error)
    click.echo(f"trip {trip.id}: {trip.mode} to {regions.label(trips.destination_of(trip))}, "
               f"departs {trips.local_stamp(trip.departs_at)}, {trip.seats} seats")


@trips_group.command("list")
def list_trips():
    """List the trips not yet arrived (and those of the last days): seats, head count, check-ins due."""
    hours = current_app.config["TRIPS_CHECK_IN_HOURS"]
    with database.connection_context():
        trips.count_missed_check_ins(hours)
        rows = trips.for_console()
        late = {t.id for t in trips.overdue(hours)}
        lines = []
        for trip in rows:
            count = trips.head_count(trip)
            flag = "  CHECK-IN OVERDUE" if trip.id in late else ""
            lines.append(f"{trip.id:>4}  {trip.state:<9} {trip.mode:<5} {trips.local_stamp(trip.departs_at)}  "
                         f"to {regions.label(trips.destination_of(trip))}  booked {count.booked}/{trip.seats}  "
                         f"boarded {count.boarded}{flag}")
    click.echo("\n".join(lines) if lines else "no trips")


@trips_group.command("cancel")
@click.argument("trip_id", type=int)
@click.option("--reason", required=True)
def cancel(trip_id, reason):
    """Cancel a trip that has not left (booked workers are told when their ticket is scanned)."""
    with database.connection_context():
        try:
            trip = trips.cancel(trip_id, reason)
        except DomainError as error:
            _fail(error)
    click.echo(f"trip {trip.id} cancelled")
