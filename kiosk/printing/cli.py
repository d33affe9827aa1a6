"""``flask --app kiosk printer …``: samples, test pages, status, the job list, reprints.

The only module of kiosk.printing that imports Flask (for the CLI group);
kiosk/cli.py registers it.
"""

import time
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from kiosk import printing
from kiosk import stations
from kiosk.errors import DomainError
from kiosk.models import database
from kiosk.printing import escpos_build
from kiosk.printing import jobs
from kiosk.printing import render
from kiosk.printing.models import PrintJob
from kiosk.printing.profiles import PROFILES
from kiosk.printing.profiles import get_profile
from kiosk.printing.samples import KINDS
from kiosk.printing.samples import sample_ticket
from kiosk.printing.virtual import FAULTS
from kiosk.printing.virtual import VirtualPrinter


@click.group("printer", cls=AppGroup)
def printer_group():
    """Print test pages and samples, see the printer's state, list and reprint jobs."""


def _station_details():
    with database.connection_context():
        info = stations.current()
    return {"station": info.name, "hotline": info.hotline or "12345"} if info else {}


@printer_group.command("sample")
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File for the ESC/POS bytes."
)
@click.option("--note", help="An extra line of text on the ticket.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Also write a PNG preview here.")
@click.option(
    "--profile",
    "profile_spec",
    help=f"Printer profile ({', '.join(PROFILES)}, with ?field=value overrides); default: the configured one.",
)
def sample_command(kind, out, note, png, profile_spec):
    """Write the exact bytes a sample KIND ticket sends to the printer (nothing is printed)."""
    try:
        profile = get_profile(profile_spec) if profile_spec else printing.profile()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--profile") from exc
    ticket = sample_ticket(kind, note=note, **_station_details())
    try:
        data = escpos_build.build(ticket, profile)
    except DomainError as exc:
        raise click.BadParameter(str(exc), param_hint="--note") from exc
    out.write_bytes(data)
    click.echo(f"{len(data)} bytes ({kind}, profile {profile.spec}) written to {out}")
    if png:
        png.write_bytes(render.png_bytes(render.render_ticket(ticket, profile)))
        click.echo(f"preview written to {png}")


@printer_group.command("test")
def test_command():
    """Print a test page on the configured printer now and say whether it came out."""
    code = datetime.now().strftime("T%m%d-%H%M%S")
    ticket = sample_ticket("test", code=code, **_station_details())
    try:
        job = printing.submit(ticket)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"test page queued as {job.name} for {current_app.config['PRINTER_URL']}")
    printing.process_queue()
    with database.connection_context():
        job = _wait_while_printing(job.id)
    if job.state == "printed":
        click.echo(f"printed ({job.name})")
        return
    status = printing.printer_status()
    raise click.ClickException(f"not printed: {job.last_error or status.detail}; the job stays queued")


def _wait_while_printing(job_id):
    """Reload the job; if the running kiosk's worker is sending it, wait for that to finish."""
    deadline = time.monotonic() + float(current_app.config["PRINTER_TIMEOUT"]) + 5
    job = PrintJob.get_by_id(job_id)
    while job.state == "printing" and time.monotonic() < deadline:
        time.sleep(0.2)
        job = PrintJob.get_by_id(job_id)
    return job


@printer_group.command("status")
def status_command():
    """Ask the printer for its state (paper, cover, online) and show the queue."""
    status = printing.printer_status(refresh=True)
    click.echo(f"printer:    {current_app.config['PRINTER_URL']}")
    click.echo(f"profile:    {status.profile}")
    click.echo(f"state:      {status.state} ({status.detail})")
    click.echo(f"waiting:    {status.waiting} job(s)")
    click.echo(f"attention:  {status.needs_attention} job(s) interrupted mid-print (check and reprint)")
    if status.last_error:
        click.echo(f"last error: {status.last_error}")


@printer_group.command("jobs")
@click.option("--limit", default=20, show_default=True, help="How many of the latest jobs to list.")
def jobs_command(limit):
    """List the latest print jobs: state, attempts, reprints and errors."""
    with database.connection_context():
        recent = jobs.recent_jobs(limit)
    for job in recent:
        reprint = f" reprint of {job.reprint_of_id} ({job.reprint_reason})" if job.reprint_of_id else ""
        error = f" - {job.last_error}" if job.last_error else ""
        click.echo(
            f"{job.id:>6} {job.created_at:%Y-%m-%d %H:%M} UTC {job.kind:<8} {job.code or '-':<12} "
            f"{job.state:<8} tries {job.attempts}{reprint}{error}"
        )
    if not recent:
        click.echo("no print jobs yet")


@printer_group.command("reprint")
@click.argument("job_id", type=int)
@click.option("--reason", required=True, help="Why another copy is needed (kept with the job).")
def reprint_command(job_id, reason):
    """Print the same ticket (same bytes, same code) of JOB_ID again, marked as a reprint."""
    try:
        job = printing.reprint(job_id, reason)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"reprint queued as {job.name}")


@printer_group.command("virtual")
@click.option("--fault", type=click.Choice([*FAULTS, "none"]), help="Make the virtual printer fail this way.")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds each job takes (a slow printer).")
def virtual_command(fault, delay):
    """Tell the virtual printer (PRINTER_URL=virtual://DIR) to run out of paper, go offline or be slow."""
    backend = printing.backend()
    if not isinstance(backend, VirtualPrinter):
        raise click.ClickException("the configured printer is not virtual:// (set KIOSK_PRINTER_URL=virtual://DIR)")
    state = backend.state()
    backend.set(
        fault=state["fault"] if fault is None else fault,
        delay=state["delay"] if delay is None else delay,
    )
    state = backend.state()
    click.echo(f"virtual printer: fault {state['fault'] or 'none'}, {state['delay']:g} s a job")
