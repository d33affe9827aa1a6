"""``flask --app kiosk.central fleet …``: enrolment, releases, updates, versions, diagnostics."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk.central import fleet
from kiosk.central import registry
from kiosk.central import releases
from kiosk.central.models import database
from kiosk.errors import DomainError


def _fail(error):
    raise click.ClickException(str(error))


@click.group("fleet", cls=AppGroup)
def fleet_group():
    """Enrol kiosks from a spreadsheet, publish signed releases, update kiosks, ask for diagnostics."""


@fleet_group.command("plan")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="New folder for one provisioning file and enrolment label per kiosk.")
@click.option("--domain", default="", help="DNS domain of DHCP kiosks' host names (default: bare host names).")
@click.option("--ntp", "ntp", default="", help="Time server the kiosks should use (default theirs).")
def fleet_plan(sheet, out, domain, ntp):
    """Enrol every kiosk in SHEET (XLSX: station code, station name, county, printer model, network)."""
    release_key = releases.public_key(current_app.instance_path)
    with database.connection_context():
        try:
            planned = fleet.plan(fleet.read_xlsx(sheet), out, release_key, domain=domain, ntp_server=ntp)
        except fleet.PlanRefused as refused:
            for row, reason in refused.problems:
                click.echo(f"row {row}: {reason}", err=True)
            _fail(refused)
        except DomainError as error:
            _fail(error)
    for kiosk in planned:
        click.echo(f"{kiosk.code:<24} {kiosk.hostname:<32} {kiosk.url}")
    click.echo(f"planned {len(planned)} kiosks: provisioning files and labels in {out}; all registered")


@fleet_group.command("release-key")
def fleet_release_key():
    """Print the public release key kiosks are provisioned with (made on first use)."""
    click.echo(releases.public_key(current_app.instance_path))


@fleet_group.command("publish")
@click.argument("wheel", type=click.Path(exists=True, dir_okay=False))
def fleet_publish(wheel):
    """Sign WHEEL (`pip wheel --no-deps .` of the app) as the release kiosks update to."""
    with database.connection_context():
        try:
            release = releases.publish(current_app.instance_path, wheel)
        except DomainError as error:
            _fail(error)
    click.echo(f"published {release.version}: {release.file_name} ({release.size} bytes); "
               "kiosks get it at the next `fleet update`")


@fleet_group.command("update")
@click.option("--only", "only", multiple=True, help="Just this kiosk (repeatable).")
@click.option("--concurrency", type=int, default=None, help="Kiosks at once (default PULL_CONCURRENCY).")
def fleet_update(only, concurrency):
    """Ask every kiosk its release and send the newest to those on another; exit 1 if any failed."""
    config = current_app.config
    with database.connection_context():
        try:
            kiosks = [registry.get(n) for n in only] if only else registry.pullable()
        except DomainError as error:
            _fail(error)
    kiosks = [k for k in kiosks if k.url]
    offers = releases.update_all(
        current_app.instance_path, kiosks, concurrency=concurrency or config["PULL_CONCURRENCY"],
        timeout=config["PULL_TIMEOUT"],
        progress=lambda o: click.echo(f"{o.name:<24} {o.version or '?':<12} {o.state:<12} {o.detail}"),
    )
    bad = [o for o in offers if o.state in ("unreachable", "refused", "rolled back")]
    click.echo(f"{len(offers)} kiosks: " + ", ".join(
        f"{sum(o.state == s for o in offers)} {s}" for s in sorted({o.state for o in offers})))
    if bad:
        sys.exit(1)


@fleet_group.command("status")
def fleet_status():
    """Each registered kiosk's release as it last said, and the release it should run."""
    with database.connection_context():
        target = releases.newest()
        known = releases.versions()
        names = [k.name for k in registry.pullable()]
    click.echo(f"published release: {target.version if target else 'none'}")
    for name in names:
        row = known.get(name)
        if row is None:
            click.echo(f"{name:<24} {'?':<12} never asked")
        else:
            click.echo(f"{name:<24} {row.version or '?':<12} {row.state:<12} {row.detail}  "
                       f"({row.checked_at:%Y-%m-%d %H:%M} UTC)")


@fleet_group.command("diagnostics")
@click.argument("name")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Write the bundle here (JSON).")
def fleet_diagnostics(name, out):
    """Ask kiosk NAME for its support bundle (no personal data): versions, printer, disk, recent updates."""
    with database.connection_context():
        try:
            kiosk = registry.get(name)
        except DomainError as error:
            _fail(error)
    try:
        bundle = releases.diagnostics(kiosk, timeout=current_app.config["PULL_TIMEOUT"])
    except DomainError as error:
        _fail(error)
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {name}'s diagnostics to {out}")
    else:
        click.echo(text)
