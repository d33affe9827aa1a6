"""``flask update …``: a release from a USB stick, and what is installed."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import updates
from kiosk.errors import DomainError


@click.group("update", cls=AppGroup)
def update_group():
    """Install a signed app release (USB stick) and show the release state."""


@update_group.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def update_install(file):
    """Check FILE (a .release from the office) and stage it; the app switches to it within seconds."""
    config = current_app.config
    try:
        version = updates.stage(config, Path(file).read_bytes(), config["VERSION"])
    except DomainError as error:
        updates.refuse(config, Path(file).name, str(error))
        raise click.ClickException(str(error)) from None
    click.echo(f"release {version} staged; the launcher switches to it and keeps it only if it starts healthy")


@update_group.command("status")
def update_status():
    """Print the running release, a pending or trial one, failures and recent events as JSON."""
    click.echo(json.dumps(updates.status(current_app.config, current_app.config["VERSION"]), indent=1))
