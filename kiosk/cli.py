"""``flask --app kiosk …``: the kiosk-wide commands, and every domain's command group.

Each domain keeps its group in its own package (``kiosk/<domain>/cli.py``);
this module adds the commands that span domains and registers them all.
"""

import json
import time

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from kiosk import clock
from kiosk import metrics
from kiosk import retention
from kiosk import schema
from kiosk import simulate
from kiosk import stations
from kiosk import sync
from kiosk.cli_options import older_than
from kiosk.cli_options import parse_day
from kiosk.hardware.cli import idcard_group
from kiosk.help.cli import help_group
from kiosk.luggage import tickets as luggage_tickets
from kiosk.luggage.cli import luggage_group
from kiosk.models import database
from kiosk.printing.cli import printer_group
from kiosk.registration.cli import registrations_group
from kiosk.simulate import bulk
from kiosk.speech.cli import prompts_group
from kiosk.sync.cli import sync_group
from kiosk.trips.cli import trips_group
from kiosk.updates.cli import update_group
from kiosk.volunteers.cli import volunteers_group
from kiosk.vouchers import ticket as voucher_ticket
from kiosk.vouchers.cli import packs_group


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
        click.echo(f"  {metric:<28} {value:>8}  {metrics.label(metric)}")
    if not report["totals"]:
        click.echo("  (nothing counted)")


@click.command("simulate")
@with_appcontext
@click.option("--days", default=7, show_default=True, help="How many days of activity.")
@click.option("--until", "until", default=None, help="Last simulated day, YYYY-MM-DD (default today).")
@click.option("--scale", default=None, type=float,
              help="1 (the default) = a busy bus station in the Spring Festival rush; with --season, a share of it.")
@click.option("--seed", default=1, show_default=True, help="Same seed and station, same numbers.")
@click.option("--season", is_flag=True,
              help="The benchmark season: 80 days around the 2027 festival, ~200k registrations and vouchers, "
                   "25k luggage tickets, 150k tallies (sets --days, --until, --seed; --scale 0.25 builds a quarter).")
@click.option("--ticket-days", default=1, show_default=True,
              help="Queue printed tickets for the last N days only (older ones would have been purged; "
                   "through the use cases only).")
@click.option("--through-use-cases/--bulk", "through_use_cases", default=None,
              help="Write every visitor through the use cases (10–25 a second), or the same visitors in bulk "
                   "(a season in minutes, no tickets). Default: bulk with --season, else through the use cases.")
def simulate_command(days, until, scale, seed, season, ticket_days, through_use_cases):
    """Generate plausible activity: registrations, vouchers, luggage, tallies, trips, as real records."""
    config = dict(current_app.config)
    if season:
        days, until, seed = (simulate.SEASON[k] for k in ("days", "until", "seed"))
        scale = simulate.SEASON["scale"] * (1.0 if scale is None else scale)
        config["LUGGAGE_SHELVES"] = simulate.SEASON_SHELVES
    else:
        until = parse_day(until) if until else clock.local_day()
        scale = 1.0 if scale is None else scale
    if days < 1 or scale <= 0 or ticket_days < 0:
        raise click.BadParameter("--days must be at least 1, --scale above 0 and --ticket-days at least 0")
    config["GETTEXT"] = _station_gettext()
    tickets = {"voucher": voucher_ticket.build, "luggage": luggage_tickets.slips}
    started = time.monotonic()

    def progress(day, summary):
        click.echo(f"{day.isoformat()}: {summary.records['registrations']:>7} registrations, "
                   f"{summary.records['vouchers']:>7} vouchers, {summary.records['luggage']:>6} luggage, "
                   f"{summary.records['tallies']:>7} tallies ({time.monotonic() - started:.0f} s)", err=True)

    with database.connection_context():
        if season if through_use_cases is None else not through_use_cases:
            try:
                summary = bulk.build(days, until, scale=scale, seed=seed, config=config, progress=progress)
            except ValueError as refused:  # visitors already there: the cells would be written twice
                raise click.ClickException(str(refused)) from None
        else:
            summary = simulate.simulate(days, until, scale=scale, seed=seed, config=config,
                                        ticket_days=ticket_days, tickets=tickets, progress=progress)
    click.echo(f"simulated {len(summary.days)} days ending {until.isoformat()} "
               f"in {time.monotonic() - started:.0f} s:")
    for kind, value in sorted(summary.records.items()):
        click.echo(f"  records {kind:<18} {value:>8}")
    for metric, value in sorted(summary.totals.items()):
        click.echo(f"  {metric:<24} {value:>8}")


def _station_gettext():
    """Tickets in the station's default language, as the kiosk prints them."""
    from flask_babel import force_locale
    from flask_babel import gettext

    language = current_app.config.get("LANGUAGE", "zh_Hans")

    def translate(msgid, **params):
        with force_locale(language):
            return gettext(msgid, **params)

    return translate


def init_app(app):
    """Register the kiosk's commands on the app's CLI: its own, and each domain's group."""
    app.cli.add_command(init_command)
    app.cli.add_command(station_group)
    app.cli.add_command(registrations_group)
    app.cli.add_command(sync_group)
    app.cli.add_command(update_group)
    app.cli.add_command(counts_command)
    app.cli.add_command(simulate_command)
    app.cli.add_command(volunteers_group)
    app.cli.add_command(luggage_group)
    app.cli.add_command(packs_group)
    app.cli.add_command(trips_group)
    app.cli.add_command(idcard_group)
    app.cli.add_command(prompts_group)
    app.cli.add_command(help_group)
    printer_group.add_command(printer_purge)
    app.cli.add_command(printer_group)
