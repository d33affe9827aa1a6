"""``flask help …``: the office's content and sealed tips on a USB stick, and what the kiosk holds."""

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import help as help_domain
from kiosk import stations
from kiosk.help import content
from kiosk.help import tips
from kiosk.models import database
from kiosk.sync import content_wire


@click.group("help", cls=AppGroup)
def help_group():
    """Job postings, fairs and notices from the office; wage-arrears tips to it."""


@help_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def help_import(path):
    """Take a content file written by `flask --app kiosk.central content export` (safe to repeat)."""
    with open(path, "rb") as f:
        data = f.read()
    with database.connection_context():
        try:
            received = help_domain.receive_delivery(data, stations.current())
        except content_wire.ItemRefused as refusal:
            raise click.ClickException(str(refusal)) from None
    click.echo(f"{len(received.accepted)} accepted, {len(received.unchanged)} already held, "
               f"{len(received.refused)} refused")
    for item_id, reason in received.refused:
        click.echo(f"  REFUSED {item_id}: {reason}")


@help_group.command("export-tips")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File to write (e.g. on a USB stick).")
def help_export_tips(out):
    """Write the sealed tips waiting for the office to a signed file for `flask --app kiosk.central tips import`."""
    with database.connection_context():
        info = stations.current()
        found = tips.write_file(out, info.kiosk_id, current_app.config["SYNC_TOKEN"], info)
    click.echo(f"wrote {len(found['tips'])} sealed tips to {out}; they are erased here once the office acknowledges them")


@help_group.command("status")
def help_status():
    """Show the office key trusted, the office's date, what is held and the tips waiting."""
    with database.connection_context():
        key = content.current_key()
        held = help_domain.ContentItem.select()
        by_kind = {}
        for row in held:
            by_kind.setdefault(row.kind, [0, 0])[row.expired] += 1
        waiting = len(tips.waiting())
        today = content.office_today()
    click.echo(f"office key: {key.key_id + ' (' + key.source + ')' if key else 'none: set OFFICE_PUBLIC_KEY'}")
    click.echo(f"office day: {today}")
    for kind, (live, expired) in sorted(by_kind.items()):
        click.echo(f"  {kind:<8} {live} live, {expired} expired")
    click.echo(f"sealed tips waiting for the office: {waiting}")
