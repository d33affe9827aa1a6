"""``flask --app kiosk idcard …``: drive the virtual reader, read a card once.

    flask idcard virtual --present [--id-number N --address A]   lay a card on the virtual reader
    flask idcard virtual --remove                                 take it away
    flask idcard virtual --fault unreadable|checksum|unplugged|pulled|none
    flask idcard read                                             read once through IDCARD_URL
"""

from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk.hardware import DEMO_CARD
from kiosk.hardware import VIRTUAL_FAULTS
from kiosk.hardware import ReaderError
from kiosk.hardware import open_reader
from kiosk.hardware import set_state


def _masked(number):
    return "*" * (len(number) - 4) + number[-4:]


@click.group("idcard", cls=AppGroup)
def idcard_group():
    """The ID card reader: read a card, or drive the virtual reader."""


def _virtual_folder(folder):
    if folder:
        return folder
    url = str(current_app.config.get("IDCARD_URL") or "")
    parts = urlsplit(url)
    if parts.scheme != "virtual" or not (parts.netloc + parts.path):
        raise click.UsageError("IDCARD_URL is not virtual://DIR: pass --dir DIR")
    return parts.netloc + parts.path


@idcard_group.command("virtual")
@click.option("--dir", "folder", help="the virtual reader's folder (default: from IDCARD_URL)")
@click.option("--present", is_flag=True, help="lay a card on the reader")
@click.option("--id-number", default=DEMO_CARD["id_number"], show_default=True)
@click.option("--address", default=DEMO_CARD["address"], show_default=True)
@click.option("--remove", is_flag=True, help="take the card away")
@click.option("--fault", type=click.Choice((*VIRTUAL_FAULTS, "none")), help="what goes wrong on the next reads")
def virtual_command(folder, present, id_number, address, remove, fault):
    """Change what the virtual reader has on it, or make it fail."""
    folder = _virtual_folder(folder)
    card = ...
    if present:
        card = {**DEMO_CARD, "id_number": id_number.upper(), "address": address}
    elif remove:
        card = None
    state = set_state(folder, card=card, fault=... if fault is None else (None if fault == "none" else fault))
    on = state["card"]
    shown = f"card {_masked(on['id_number'])}" if on else "no card"
    click.echo(f"virtual reader: {shown}, fault {state['fault'] or 'none'}")


@idcard_group.command("read")
def read_command():
    """Read the card on the configured reader once and show its masked number."""
    reader = open_reader(current_app.config.get("IDCARD_URL"))
    try:
        fields = reader.read_card()
    except ReaderError as exc:
        raise click.ClickException(f"{exc.kind}: {exc.detail}") from exc
    finally:
        reader.close()
    if fields is None:
        click.echo("no card on the reader")
        return
    click.echo(f"ID number {_masked(fields['id_number'])}, valid to {fields['valid_to'] or '-'}")
