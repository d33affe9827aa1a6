"""``flask update …``: a release or an OS bundle from a USB stick, and what is installed."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import updates
from kiosk.errors import DomainError
from kiosk.updates import os_handoff


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


@update_group.command("install-os")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--now", is_flag=True, help="Reboot into the new OS as soon as it is written (default: 03:30).")
def update_install_os(file, now):
    """Hand FILE (a signed .nuantu-os OS bundle) to the root updater, which checks and installs it."""
    target = os_handoff.spool(current_app.instance_path, file, reboot_now=now)
    click.echo(f"{target.name} handed to the OS updater; `flask --app kiosk update os-status` shows its verdict")


@update_group.command("os-status")
def update_os_status():
    """Print the OS updater's state: the slots, their versions, the last refusal."""
    click.echo(json.dumps(os_handoff.status(current_app.instance_path), indent=1, ensure_ascii=False))
