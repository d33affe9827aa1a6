"""``flask --app kiosk.central keys|content|jobs|tips …``: the office's key, what it publishes, tips in."""

import datetime
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import clock
from kiosk.central import cases
from kiosk.central import content
from kiosk.central import exchange
from kiosk.central.models import Station
from kiosk.central.models import database
from kiosk.errors import DomainError
from kiosk.sync import wire


def _fail(error):
    raise click.ClickException(str(error))


@click.group("keys", cls=AppGroup)
def keys_group():
    """The office's signing key: kiosks check content with it and seal tips to it."""


@keys_group.command("init")
def keys_init():
    """Make the office's first key (in the instance folder's office-keys/, mode 0600)."""
    with database.connection_context():
        try:
            key = content.init_key(current_app.instance_path)
        except DomainError as error:
            _fail(error)
    click.echo(f"office key {key.key_id} made; provision kiosks with OFFICE_PUBLIC_KEY={key.public_key}")


@keys_group.command("show")
def keys_show():
    """Print the current public key (what kiosks are provisioned with) and every key the office has had."""
    with database.connection_context():
        rows = list(content.OfficeKey.select().order_by(content.OfficeKey.id))
    for row in rows:
        held = content.key_path(current_app.instance_path, row.key_id).exists()
        state = "CURRENT" if row.current else "old"
        click.echo(f"{row.key_id}  {state:<8} {'private key held' if held else 'PRIVATE KEY MISSING'}  {row.public_key}")
    if not rows:
        click.echo("no office key: flask --app kiosk.central keys init")


@keys_group.command("rotate")
def keys_rotate():
    """Make a new key, announce it signed by the current one, and sign every live item again with it."""
    with database.connection_context():
        try:
            key = content.rotate_key(current_app.instance_path, current_app.config["OFFICE_AREA"])
        except DomainError as error:
            _fail(error)
    click.echo(f"new office key {key.key_id}; kiosks switch at their next delivery. "
               f"Newly provisioned kiosks: OFFICE_PUBLIC_KEY={key.public_key}")


@click.group("content", cls=AppGroup)
def content_group():
    """What the office publishes to kiosks."""


@content_group.command("export")
@click.option("--station", "station_code", required=True, help="The station's code (as its kiosks report it).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File to write (e.g. on a USB stick).")
def content_export(station_code, out):
    """Write the delivery for one station (with acknowledgements of its tips) for `flask --app kiosk help import`."""
    with database.connection_context():
        station = Station.get_or_none(Station.code == station_code)
        if station is None:
            _fail(f"no station {station_code} has sent anything yet: import its counts first")
        kiosk_ids = [h.kiosk_id for h in station.histories]
        try:
            delivery = content.delivery_for(current_app.instance_path, station.code, station.county_code, kiosk_ids,
                                            current_app.config["OFFICE_AREA"])
        except DomainError as error:
            _fail(error)
    wire.write_document(out, delivery)
    click.echo(f"wrote {len(delivery['items'])} items for {station.code} to {out}")


@content_group.command("notice")
@click.argument("title")
@click.argument("text")
@click.option("--scope", "scope", default=None, help="level:code where it shows (default OFFICE_AREA).")
@click.option("--valid-until", "valid_until", required=True, help="Last day it shows, YYYY-MM-DD.")
def content_notice(title, text, scope, valid_until):
    """Publish a notice (e.g. 返岗专车报名) shown on the kiosks' 找工作 page until its last day."""
    with database.connection_context():
        try:
            where = content.parse_scope(scope) if scope else content._area_scope(current_app.config["OFFICE_AREA"])
            row = content.publish(current_app.instance_path, "notice", content.notice_body(title, text), where,
                                  content.parse_day(valid_until), user="cli")
        except DomainError as error:
            _fail(error)
    click.echo(f"published notice {row.item_id}")


@content_group.command("trip")
@click.argument("destination")
@click.argument("departs_at")
@click.option("--mode", type=click.Choice(["bus", "train"]), default="bus", show_default=True)
@click.option("--from", "departure_place", required=True, help="Where it leaves, as workers will read it.")
@click.option("--seats", type=click.IntRange(1, 2000), required=True)
@click.option("--escort", "escort_name", required=True, help="The escort riding along.")
@click.option("--escort-phone", "escort_phone", required=True)
@click.option("--booking-deadline", "booking_deadline", default=None, help="YYYY-MM-DDTHH:MM (default 2 h before).")
@click.option("--scope", "scope", required=True, help="station:CODE (or county:/city:) whose kiosks book it.")
@click.option("--item", "item_id", default=None, help="A trip published before: its next version replaces it.")
@click.option("--cancel", "cancel_reason", default=None, help="Cancel the trip (with --item), saying why.")
def content_trip(destination, departs_at, mode, departure_place, seats, escort_name, escort_phone,
                 booking_deadline, scope, item_id, cancel_reason):
    """Publish a return-to-work trip (返岗专车/专列) for the kiosks of a scope to book, after tonight's pull.

    DESTINATION is a province or city code (440300 Shenzhen); DEPARTS_AT is
    station-local YYYY-MM-DDTHH:MM. The kiosk checks the rest when it takes it.
    """
    body = {"mode": mode, "destination": destination, "departure_place": departure_place, "departs_at": departs_at,
            "seats": seats, "escort_name": escort_name, "escort_phone": escort_phone}
    if booking_deadline:
        body["booking_deadline"] = booking_deadline
    if cancel_reason:
        body.update(cancelled=True, cancel_reason=cancel_reason)
    with database.connection_context():
        try:
            shown_until = content.parse_day(departs_at[:10])
            row = content.publish(current_app.instance_path, "trips", body, content.parse_scope(scope), shown_until,
                                  item_id=item_id, user="cli")
        except DomainError as error:
            _fail(error)
    click.echo(f"published trip {row.item_id} (version {row.version})")


@click.group("jobs", cls=AppGroup)
def jobs_group():
    """Job postings for the kiosks."""


@jobs_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--scope", "scope", default=None, help="level:code where they show, e.g. city:511100 (default OFFICE_AREA).")
@click.option("--valid-until", "valid_until", default=None, help="YYYY-MM-DD for rows without their own (default 30 days).")
def jobs_import(path, scope, valid_until):
    """Publish the postings of a job fair's XLSX (columns 用人单位, 岗位, 工作地点, …)."""
    area = current_app.config["OFFICE_AREA"]
    with database.connection_context():
        try:
            where = content.parse_scope(scope) if scope else content._area_scope(area)
            until = content.parse_day(valid_until) if valid_until else clock.local_day() + datetime.timedelta(days=30)
            published, problems = content.import_xlsx(current_app.instance_path, Path(path).read_bytes(), where, until,
                                                      user="cli")
        except DomainError as error:
            _fail(error)
    click.echo(f"published {len(published)} postings")
    for row, error in problems:
        click.echo(f"  row {row}: {error}")


@click.group("tips", cls=AppGroup)
def tips_group():
    """Wage-arrears tips sealed on the kiosks."""


@tips_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def tips_import(files):
    """Take tips files written by `flask --app kiosk help export-tips` (safe to repeat)."""
    refused = 0
    with database.connection_context():
        for path in files:
            try:
                kiosk, new = cases.import_file(path)
            except DomainError as error:
                refused += 1
                click.echo(f"{path}: REFUSED: {error}")
                continue
            click.echo(f"{path}: kiosk {kiosk.name}: {new} new tips")
    if refused:
        sys.exit(1)


@tips_group.command("grant")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Take the right away again.")
def tips_grant(name, revoke):
    """Let office user NAME (a labour-inspection user) open wage-arrears tips."""
    with database.connection_context():
        try:
            cases.grant(name, not revoke)
        except DomainError as error:
            _fail(error)
    click.echo(f"{name} {'may no longer' if revoke else 'may now'} open wage-arrears tips")


def evening_session(kiosks, quiet=False, silent=False):
    """After the pull: tips in and content out for every kiosk given; return the outcomes.

    ``quiet`` prints failures only; ``silent`` nothing (the pull's --json output stays JSON).
    """
    config = current_app.config
    with database.connection_context():
        try:
            content.current_key()
        except DomainError:
            if not silent:
                click.echo("content and tips skipped: the office has no key (flask --app kiosk.central keys init)")
            return []
    outcomes = exchange.exchange_all(kiosks, current_app.instance_path, config["OFFICE_AREA"],
                                     concurrency=config["PULL_CONCURRENCY"], timeout=config["PULL_TIMEOUT"])
    for outcome in outcomes:
        if not silent and (not quiet or not outcome.ok):
            click.echo(exchange.describe(outcome))
    return outcomes


def init_app(app):
    """Register the office's help commands."""
    app.cli.add_command(keys_group)
    app.cli.add_command(content_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(tips_group)
