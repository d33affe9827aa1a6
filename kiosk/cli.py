"""``flask --app kiosk …`` commands for the people who set up and run a kiosk."""

import datetime
import json

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from kiosk import clock
from kiosk import registration
from kiosk import retention
from kiosk import schema
from kiosk import simulate
from kiosk import stations
from kiosk import sync
from kiosk import volunteers
from kiosk.luggage_cli import luggage_group
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


@click.group("registrations", cls=AppGroup)
def registrations_group():
    """Manage worker registrations."""


def older_than(help_text):
    """The --older-than DAYS option the retention commands share (None: the configured days)."""
    return click.option("--older-than", "days", type=click.IntRange(min=0), default=None, metavar="DAYS",
                        help=help_text)


@registrations_group.command("purge")
@older_than("Clear phone/ID fingerprints of registrations older than DAYS (default: PII_RETENTION_DAYS).")
def registrations_purge(days):
    """Clear phone and ID fingerprints of old registrations; rows and counts stay."""
    days = current_app.config["PII_RETENTION_DAYS"] if days is None else days
    with database.connection_context():
        cleared = registration.purge_personal_fields(days)
    click.echo(f"cleared phone/ID fingerprints of {cleared} registration(s) older than {days} day(s)")


# Registered under `flask printer` by init_app: kiosk.printing must not import
# vouchers and luggage, which know the jobs a volunteer may still reprint.
@click.command("purge")
@with_appcontext
@older_than("Delete jobs finished more than DAYS ago (default: PRINTJOB_RETENTION_DAYS).")
def printer_purge(days):
    """Delete old finished print jobs, keeping those of open vouchers and of bags in custody."""
    days = current_app.config["PRINTJOB_RETENTION_DAYS"] if days is None else days
    with database.connection_context():
        deleted = retention.purge_print_jobs(days)
    click.echo(f"deleted {deleted} finished print job(s) older than {days} day(s)")


@click.group("sync", cls=AppGroup)
def sync_group():
    """Hand this kiosk's counts to the central office."""


@sync_group.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Bundle file to write (e.g. on a USB stick).")
def sync_export(out):
    """Write every count cell to a signed bundle for `flask --app kiosk.central import`."""
    with database.connection_context():
        batch = sync.write_bundle(out, current_app.config["SYNC_TOKEN"])
    click.echo(f"wrote {len(batch['cells'])} count cells (up to change {batch['head']}) of kiosk {batch['kiosk']} to {out}")


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
    click.echo(f"register: flask --app kiosk.central kiosks add NAME http://THIS-KIOSK:PORT {token}")


def parse_day(value):
    """Return the date of a YYYY-MM-DD option, or a usage error saying so."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use YYYY-MM-DD") from None


@click.command("counts")
@with_appcontext
@click.option("--day", "day", default=None, help="Station-local day, YYYY-MM-DD (default today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def counts_command(day, fmt):
    """Print this kiosk's own counts for a day (totals per metric and every cell)."""
    day = parse_day(day) if day else clock.local_day()
    with database.connection_context():
        report = sync.day_report(day)
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"{report['day']}  station {report['station']}  kiosk {report['kiosk']}")
    for metric, value in sorted(report["totals"].items()):
        click.echo(f"  {metric:<24} {value:>8}")
    if not report["totals"]:
        click.echo("  (nothing counted)")


@click.command("simulate")
@with_appcontext
@click.option("--days", default=7, show_default=True, help="How many days of activity.")
@click.option("--until", "until", default=None, help="Last simulated day, YYYY-MM-DD (default today).")
@click.option("--scale", default=1.0, show_default=True, help="1 = a busy bus station in the Spring Festival rush.")
@click.option("--seed", default=1, show_default=True, help="Same seed and station, same numbers.")
def simulate_command(days, until, scale, seed):
    """Generate plausible activity (registrations, packs, luggage, tallies) for demos and benchmarks."""
    until = parse_day(until) if until else clock.local_day()
    if days < 1 or scale <= 0:
        raise click.BadParameter("--days must be at least 1 and --scale above 0")
    with database.connection_context():
        summary = simulate.simulate(days, until, scale=scale, seed=seed)
    click.echo(f"simulated {len(summary.days)} days ending {until.isoformat()}:")
    for metric, value in sorted(summary.totals.items()):
        click.echo(f"  {metric:<24} {value:>8}")
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
    from kiosk.printing.cli import printer_group

    app.cli.add_command(init_command)
    app.cli.add_command(station_group)
    app.cli.add_command(registrations_group)
    app.cli.add_command(sync_group)
    app.cli.add_command(counts_command)
    app.cli.add_command(simulate_command)
    app.cli.add_command(volunteers_group)
    app.cli.add_command(luggage_group)
    app.cli.add_command(packs_group)
    printer_group.add_command(printer_purge)
    app.cli.add_command(printer_group)
